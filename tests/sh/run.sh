#!/usr/bin/env bash
# tests/sh/run.sh: the differential shell suite (`make sh-test`, part of
# `make test`). Every tests/sh/scripts/NAME.sh is run by the host's dash
# (Debian's /bin/dash, the same version and configuration as capOS's) and
# by capOS's dash (/bin/sh, ports/dash/) inside capOS; standard output,
# standard error and the exit status must be identical. Nothing is
# compared with a stored expectation.
#
# One boot runs every script: tests/lib/script-driver.sh runs them one after the
# other and prints what each did, on the host in a staged copy of the
# guest's layout (t/scripts/, tmp/work/NAME/), inside capOS with the
# scripts at /t/scripts and empty working directories under /tmp/work.
# PATH holds the shell (`sh`, `dash`) and busybox's applets on both
# sides: inside capOS the /bin of the default system (ports/busybox/), on
# the host the host's busybox (Debian's `busybox` package, the same
# version as capOS's; make setup installs it) under the same names, read
# from system.cue's `_busyboxApplets`. Scripts using the applets are named
# util_*.sh.
#
# Usage: tests/sh/run.sh [NAME...]   (default: every script of scripts/)
# A NAME is looked up in scripts/, then in gaps/: scripts on which capOS
# still differs from the host (each says why at its top), run only when
# named.
# Ends with `N passed, N failed`; exits 1 on any failure.
set -uo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
here=$root/tests/sh
out=$root/build/tests/sh
host_dash=$(command -v dash || true)
[ -n "$host_dash" ] || { echo "sh-test: the host has no dash (make setup installs it)" >&2; exit 1; }
[ -f "$root/build/ports/bin/dash" ] || { echo "sh-test: no build/ports/bin/dash; run \`make dash\` first" >&2; exit 1; }
host_busybox=$(command -v busybox || true)
[ -n "$host_busybox" ] || { echo "sh-test: the host has no busybox (make setup installs it)" >&2; exit 1; }
# The applets the default system carries as /bin/NAME (system.cue).
mapfile -t applets < <(sed -n '/^_busyboxApplets: \[/,/^\]/p' "$root/system.cue" | grep -o '"[^"]*"' | tr -d '"')
[ ${#applets[@]} -gt 0 ] || { echo "sh-test: no _busyboxApplets list in system.cue" >&2; exit 1; }

if [ $# -gt 0 ]; then
  names=("$@")
else
  names=()
  for script in "$here"/scripts/*.sh; do
    name=${script##*/}
    names+=("${name%.sh}")
  done
fi
script_of() {
  if [ -f "$here/scripts/$1.sh" ]; then echo "$here/scripts/$1.sh"; else echo "$here/gaps/$1.sh"; fi
}
for name in "${names[@]}"; do
  [ -f "$(script_of "$name")" ] || { echo "sh-test: no script tests/sh/scripts/$name.sh or tests/sh/gaps/$name.sh" >&2; exit 1; }
done

# The staged layout: t/ (driver and scripts, read-only inside capOS),
# tmp/work/NAME/ (a placeholder file .keep each on both sides, since the
# manifest carries files only and dash has no mkdir).
rm -rf "$out"
mkdir -p "$out/stage/t/scripts" "$out/stage/tmp/work" "$out/host-root" "$out/results"
cp "$root/tests/lib/script-driver.sh" "$out/stage/t/driver.sh"
for name in "${names[@]}"; do
  cp "$(script_of "$name")" "$out/stage/t/scripts/"
  mkdir -p "$out/stage/tmp/work/$name"
  : >"$out/stage/tmp/work/$name/.keep"
done

# The host: the same layout, PATH with dash as sh and dash, and the host's
# busybox as busybox and as each applet.
cp -a "$out/stage/." "$out/host-root/"
mkdir -p "$out/host-root/bin"
ln -s "$host_dash" "$out/host-root/bin/sh"
ln -s "$host_dash" "$out/host-root/bin/dash"
ln -s "$host_busybox" "$out/host-root/bin/busybox"
for applet in "${applets[@]}"; do
  ln -s "$host_busybox" "$out/host-root/bin/$applet"
done
(cd "$out/host-root" && timeout 300 env -i PATH="$out/host-root/bin" "$host_dash" t/driver.sh sh-test sh sh "${names[@]}" \
   >"$out/host.txt" 2>"$out/host.stderr")
echo "host driver: status $?" >"$out/host.status"

# capOS: one boot, in /.
"$root/capos" run --timeout 300 --log "$out/capos.log" \
  --dir "$out/stage/t:/t" --dir "$out/stage/tmp/work:/tmp/work:rw" --env PATH=/bin -- \
  sh t/driver.sh sh-test sh sh "${names[@]}" \
  </dev/null >"$out/capos.txt" 2>"$out/capos.stderr"
echo "capOS driver: status $?" >"$out/capos.status"

# Each side's output cut into one file per script and compared
# (tests/lib/one-boot-compare.sh).
. "$root/tests/lib/one-boot-compare.sh"
compare_scripts sh-test "${names[@]}"
