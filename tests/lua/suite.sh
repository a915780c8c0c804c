#!/usr/bin/env bash
# tests/lua/suite.sh: Lua 5.4.4's own test suite (`make lua-suite`, part
# of `make test`), fetched by tests/lua/fetch-suite.sh into
# build/lua-suite/testes/, run in its portable mode (`_port=true`,
# `_soft=true`: no tests of what differs between systems, no long or
# memory-hungry ones) by the host's lua5.4 (Debian's, the same source
# version: a check of the suite and its patches) and by capOS's /bin/lua
# inside capOS, in a writable copy of the suite's folder (the suite writes
# files beside itself and in /tmp), with PATH=/bin and TZ=UTC. Each must
# end with the suite's "final OK" and exit status 0.
#
# Usage: tests/lua/suite.sh. Ends with `N passed, N failed`; exits 1 on
# any failure, printing the tail of what the failing side printed.
set -uo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
out=$root/build/tests/lua-suite
host_lua=$(command -v lua5.4 || true)
[ -n "$host_lua" ] || { echo "lua-suite: the host has no lua5.4 (make setup installs it)" >&2; exit 1; }
[ -f "$root/build/ports/bin/lua" ] || { echo "lua-suite: no build/ports/bin/lua; run \`make lua\` first" >&2; exit 1; }
"$root/tests/lua/fetch-suite.sh" || exit 1
suite=$root/build/lua-suite/testes
start=$SECONDS
rm -rf "$out"
mkdir -p "$out"

passed=0
failed=0
# SIDE STATUS OUTPUT: the verdict of one side.
verdict() {
  if [ "$2" -eq 0 ] && grep -q '^final OK' "$3"; then
    echo "ok - $1 reaches \"final OK\""
    passed=$((passed + 1))
  else
    echo "FAIL - $1: exit status $2, no \"final OK\"; the end of its output:"
    tail -n 25 "$3" | sed 's/^/    /'
    failed=$((failed + 1))
  fi
}

cp -r "$suite" "$out/host"
(cd "$out/host" && timeout 300 env -i PATH=/usr/bin:/bin TZ=UTC "$host_lua" -e '_port=true; _soft=true' all.lua) \
  </dev/null >"$out/host.txt" 2>&1
verdict "host lua5.4" $? "$out/host.txt"

"$root/capos" run --timeout 900 --log "$out/capos.log" --env PATH=/bin --env TZ=UTC \
  --dir "$suite:/tmp/lua-suite:rw" -- sh -c "cd /tmp/lua-suite && lua -e '_port=true; _soft=true' all.lua" \
  </dev/null >"$out/capos.txt" 2>&1
status=$?
verdict "capOS /bin/lua" "$status" "$out/capos.txt"
[ "$status" -eq 0 ] || echo "    kernel log: build/tests/lua-suite/capos.log"

echo "$passed passed, $failed failed ($((SECONDS - start)) s)"
[ "$failed" -eq 0 ]
