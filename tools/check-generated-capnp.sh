#!/usr/bin/env bash
# Checks that schema/src/capos_capnp.rs (checked in) is what capnpc
# generates from schema/capos.capnp today: regenerates it into a temporary
# directory with capos-schema-gen and compares. Needs the `capnp` compiler
# (Debian package `capnproto`). Exit 0 when current, 1 when stale.
#
#   tools/check-generated-capnp.sh          check
#   cargo run -p capos-schema-gen           regenerate in place
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
checked_in="$root/schema/src/capos_capnp.rs"

if ! command -v capnp >/dev/null; then
    echo "check-generated-capnp: the capnp compiler is missing (apt-get install capnproto)" >&2
    exit 1
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

(cd "$root" && cargo run --quiet -p capos-schema-gen -- --out "$tmp") >/dev/null

if ! diff -u "$checked_in" "$tmp/capos_capnp.rs" >"$tmp/diff"; then
    echo "check-generated-capnp: schema/src/capos_capnp.rs is stale." >&2
    echo "  It differs from what schema/capos.capnp generates ($(capnp --version))." >&2
    echo "  Regenerate it with: cargo run -p capos-schema-gen" >&2
    echo "  First lines of the difference (checked in -> generated):" >&2
    head -n 40 "$tmp/diff" >&2
    exit 1
fi
echo "check-generated-capnp: schema/src/capos_capnp.rs is current"
