#!/usr/bin/env bash
# tests/lua/run.sh: the differential Lua suite (`make lua-test`, part of
# `make test`). Every tests/lua/scripts/NAME.lua is run by the host's Lua
# (Debian's lua5.4, the same Debian source package and version as capOS's)
# and by capOS's Lua (/bin/lua, ports/lua/) inside capOS; standard
# output, standard error and the exit status must be identical. Nothing is
# compared with a stored expectation.
#
# One boot runs every script: tests/lib/script-driver.sh (a dash script) runs
# them one after the other and prints what each did, on the host in a
# staged copy of the guest's layout (t/scripts/, tmp/work/NAME/), inside
# capOS with the scripts at /t/scripts and empty working directories under
# /tmp/work. Both sides have PATH with only `lua` and `sh` (dash: the
# scripts' io.popen and os.execute run /bin/sh), TZ=UTC and
# LUA_TEST_VAR=set (os.getenv).
#
# Usage: tests/lua/run.sh [NAME...]   (default: every script)
# Ends with `N passed, N failed`; exits 1 on any failure.
set -uo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
here=$root/tests/lua
out=$root/build/tests/lua
host_lua=$(command -v lua5.4 || true)
host_dash=$(command -v dash || true)
[ -n "$host_lua" ] || { echo "lua-test: the host has no lua5.4 (make setup installs it)" >&2; exit 1; }
[ -n "$host_dash" ] || { echo "lua-test: the host has no dash (make setup installs it)" >&2; exit 1; }
[ -f "$root/build/ports/bin/lua" ] || { echo "lua-test: no build/ports/bin/lua; run \`make lua\` first" >&2; exit 1; }

if [ $# -gt 0 ]; then
  names=("$@")
else
  names=()
  for script in "$here"/scripts/*.lua; do
    name=${script##*/}
    names+=("${name%.lua}")
  done
fi
for name in "${names[@]}"; do
  case "$name" in ''|*/*|.*) echo "lua-test: '$name' is not a script name" >&2; exit 1 ;; esac
  [ -f "$here/scripts/$name.lua" ] || { echo "lua-test: no script tests/lua/scripts/$name.lua" >&2; exit 1; }
done

# The staged layout: t/ (driver and scripts, read-only inside capOS),
# tmp/work/NAME/ (a placeholder file .keep each on both sides, since the
# manifest carries files only).
rm -rf "$out"
mkdir -p "$out/stage/t/scripts" "$out/stage/tmp/work" "$out/host-root" "$out/results"
cp "$root/tests/lib/script-driver.sh" "$out/stage/t/driver.sh"
for name in "${names[@]}"; do
  cp "$here/scripts/$name.lua" "$out/stage/t/scripts/"
  mkdir -p "$out/stage/tmp/work/$name"
  : >"$out/stage/tmp/work/$name/.keep"
done
env_vars=(TZ=UTC LUA_TEST_VAR=set)

# The host: the same layout, PATH with only lua and dash.
cp -a "$out/stage/." "$out/host-root/"
mkdir -p "$out/host-root/bin"
ln -s "$host_lua" "$out/host-root/bin/lua"
ln -s "$host_dash" "$out/host-root/bin/sh"
(cd "$out/host-root" && timeout 300 env -i PATH="$out/host-root/bin" "${env_vars[@]}" "$host_dash" t/driver.sh lua-test lua lua "${names[@]}" \
   >"$out/host.txt" 2>"$out/host.stderr")
echo "host driver: status $?" >"$out/host.status"

# capOS: one boot, in /.
capos_env=()
for var in PATH=/bin "${env_vars[@]}"; do capos_env+=(--env "$var"); done
"$root/capos" run --timeout 600 --log "$out/capos.log" \
  --dir "$out/stage/t:/t" --dir "$out/stage/tmp/work:/tmp/work:rw" "${capos_env[@]}" -- \
  sh t/driver.sh lua-test lua lua "${names[@]}" \
  </dev/null >"$out/capos.txt" 2>"$out/capos.stderr"
echo "capOS driver: status $?" >"$out/capos.status"

# Each side's output cut into one file per script and compared
# (tests/lib/one-boot-compare.sh).
. "$root/tests/lib/one-boot-compare.sh"
compare_scripts lua-test "${names[@]}"
