#!/usr/bin/env bash
# tests/wasm/run.sh: the differential wasm suite (`make wasm-test`, part of
# `make test`). Every program is run twice: under wasmtime (the PyPI
# package, tests/wasm/wasmtime_run.py, installed by tools/setup.sh into
# build/tools/venv) and inside capOS under `wasm-host` with `./capos run`
# (one boot per program). Standard output, standard error and the exit
# status must be identical; nothing is compared with a stored expectation.
#
# Programs: tests/wasm/NAME.c (C, built with `clang --target=wasm32-wasi`
# against Debian's wasi-libc), NAME.rs (Rust with std, built by the stable
# toolchain's `rustc --target wasm32-wasip1`: the nightly capOS builds with
# has no rust-std for that target; tools/setup.sh adds it to stable),
# NAME.wat (WebAssembly text, assembled by wasmtime's wat2wasm) and NAME.hex
# (raw module bytes in hex, for malformed modules). A module runs as /wasm/NAME.wasm (its argv[0]) with the
# directory /tmp preopened: a fresh host temporary directory under
# wasmtime, capOS's /tmp inside capOS, both holding a copy of NAME.files/
# when there is one. Its further arguments are the words of NAME.args, its
# environment the lines of NAME.env (K=V), its standard input NAME.stdin
# (else empty), NAME.fuel holds a --fuel amount and NAME.max-memory a
# --max-memory one.
#
# Pipeline scripts: tests/wasm/pipeline_NAME.sh, run by dash on both sides with
# `wasm-host /wasm/MODULE.wasm ARGS...` in pipelines and redirections: on
# the host `wasm-host` is a stand-in running wasmtime (in a fresh
# temporary directory as the current one), inside capOS the real
# wasm-host exec'd by dash (in /tmp), which takes its stdio from the fds
# dash made. The modules a script names are built first; `--dir` and
# other options are not for scripts.
#
# A module that is not valid (NAME.hex, or a NAME.wat with a line
# `;; expect: error`, e.g. one without `_start`) must fail with status 1 on
# both sides; the reasons are worded differently, so stderr is then only
# checked to hold an `error: PROGRAM: REASON` line on capOS.
#
# tests/wasm/capos-only/NAME.c check what wasmtime has no answer for
# (its CPU-time clocks are EBADF): built the same way, run only under
# capOS's wasm-host, each checks itself and must exit 0. Name one as
# capos-only/NAME.
#
# Usage: tests/wasm/run.sh [NAME...]   (default: every program)
# Environment: JOBS (default 2) programs at once. Ends with
# `N passed, N failed`; exits 1 on any failure.
set -uo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
here=$root/tests/wasm
out=$root/build/tests/wasm
python=$root/build/tools/venv/bin/python
JOBS=${JOBS:-2}

[ -x "$python" ] || { echo "wasm-test: no wasmtime (build/tools/venv); run \`make setup\` first" >&2; exit 1; }
[ -f "$root/build/kernel.elf" ] || { echo "wasm-test: no build/kernel.elf; run \`make kernel manifest\` first" >&2; exit 1; }

if [ $# -gt 0 ]; then
  names=("$@")
else
  names=()
  for src in "$here"/*.c "$here"/*.rs "$here"/*.wat "$here"/*.hex "$here"/pipeline_*.sh; do
    [ -f "$src" ] || continue
    name=${src##*/}
    names+=("${name%.*}")
  done
  for src in "$here"/capos-only/*.c; do
    [ -f "$src" ] || continue
    name=${src##*/}
    names+=("capos-only/${name%.c}")
  done
fi
# Programs first (every module a script names among them), then scripts.
programs=()
scripts=()
for name in "${names[@]}"; do
  if [[ $name == pipeline_* ]] && [ -f "$here/$name.sh" ]; then
    scripts+=("$name")
    for module in $(grep -oE '/wasm/[A-Za-z0-9_]+\.wasm' "$here/$name.sh" | sort -u); do
      module=${module#/wasm/}
      module=${module%.wasm}
      [[ " ${programs[*]} " == *" $module "* ]] || programs+=("$module")
    done
  elif [[ " ${programs[*]} " != *" $name "* ]]; then
    programs+=("$name")
  fi
done
rm -rf "$out"
mkdir -p "$out/modules" "$out/wasmtime" "$out/capos" "$out/results" "$out/hostbin"
for dir in modules wasmtime capos results; do mkdir -p "$out/$dir/capos-only"; done
# The host's stand-in for wasm-host in scripts.
cat >"$out/hostbin/wasm-host" <<STANDIN
#!/bin/sh
# tests/wasm/run.sh's host stand-in for capOS's wasm-host: wasmtime.
module=\$1
shift
exec "$python" "$here/wasmtime_run.py" --argv0 "\$module" "$out/modules/\${module#/wasm/}" "\$@"
STANDIN
chmod +x "$out/hostbin/wasm-host"

# One program: build, run both, compare; writes results/NAME (first line
# "ok" or "FAIL", then details).
one() {
  local name=$1 result=$out/results/$1 module=$out/modules/$1.wasm
  local args=() env_host=() env_capos=() fuel=() input=/dev/null files=() invalid=""
  if [ -f "$here/$name.c" ]; then
    if ! clang --target=wasm32-wasi -O2 -Wl,--strip-all -o "$module" "$here/$name.c" -lm 2>"$out/modules/$name.build"; then
      { echo FAIL; echo "the wasm32-wasi build failed:"; head -n 20 "$out/modules/$name.build"; } >"$result"
      return
    fi
  elif [ -f "$here/$name.rs" ]; then
    # The source path is relative to the repository, so a panic message
    # (which names it) is the same on every machine.
    if ! (cd "$root" && rustc +stable --edition 2021 --target wasm32-wasip1 -O -C strip=symbols \
          -o "$module" "tests/wasm/$name.rs") 2>"$out/modules/$name.build"; then
      { echo FAIL; echo "the wasm32-wasip1 build failed:"; head -n 20 "$out/modules/$name.build"; } >"$result"
      return
    fi
  elif [ -f "$here/$name.wat" ]; then
    if ! "$python" -c 'import sys, wasmtime; open(sys.argv[2], "wb").write(wasmtime.wat2wasm(open(sys.argv[1]).read()))' \
         "$here/$name.wat" "$module" 2>"$out/modules/$name.build"; then
      { echo FAIL; echo "wat2wasm failed:"; tail -n 20 "$out/modules/$name.build"; } >"$result"
      return
    fi
    grep -q '^;; expect: error' "$here/$name.wat" && invalid=1
  elif [ -f "$here/$name.hex" ]; then
    "$python" -c 'import sys; open(sys.argv[2], "wb").write(bytes.fromhex("".join(l.split("#")[0] for l in open(sys.argv[1]))))' \
      "$here/$name.hex" "$module"
    invalid=1
  else
    printf 'FAIL\nno such program tests/wasm/%s.{c,rs,wat,hex}\n' "$name" >"$result"
    return
  fi
  [ -f "$here/$name.args" ] && read -r -a args <"$here/$name.args"
  [ -f "$here/$name.stdin" ] && input=$here/$name.stdin
  if [ -f "$here/$name.env" ]; then
    while IFS= read -r line; do
      env_host+=(--env "$line")
      env_capos+=(--env "$line")
    done <"$here/$name.env"
  fi
  [ -f "$here/$name.fuel" ] && fuel=(--fuel "$(cat "$here/$name.fuel")")
  [ -f "$here/$name.max-memory" ] && fuel+=(--max-memory "$(cat "$here/$name.max-memory")")
  [ -d "$here/$name.files" ] && files=(--dir "$here/$name.files:/tmp:rw")

  if [[ $name == capos-only/* ]]; then
    "$root/capos" run --timeout 180 --log "$out/capos/$name.log" --file "$module:/wasm/${name#capos-only/}.wasm" -- \
      wasm-host --dir /tmp "/wasm/${name#capos-only/}.wasm" </dev/null >"$out/capos/$name.out" 2>"$out/capos/$name.err"
    local status=$?
    if [ "$status" -eq 0 ]; then
      echo ok >"$result"
    else
      { echo FAIL; echo "exit status $status; its output:"; cat "$out/capos/$name.out" "$out/capos/$name.err" | tail -n 20
        echo "kernel log: build/tests/wasm/capos/$name.log"; } >"$result"
    fi
    return
  fi
  local scratch
  scratch=$(mktemp -d)
  [ -d "$here/$name.files" ] && cp -r "$here/$name.files/." "$scratch/"
  timeout 120 "$python" "$here/wasmtime_run.py" --dir "$scratch::/tmp" "${env_host[@]}" "${fuel[@]}" \
    --argv0 "/wasm/$name.wasm" "$module" "${args[@]}" <"$input" >"$out/wasmtime/$name.out" 2>"$out/wasmtime/$name.err"
  echo $? >"$out/wasmtime/$name.status"
  rm -rf "$scratch"
  "$root/capos" run --timeout 180 --log "$out/capos/$name.log" --file "$module:/wasm/$name.wasm" "${files[@]}" -- \
    wasm-host --dir /tmp "${env_capos[@]}" "${fuel[@]}" "/wasm/$name.wasm" "${args[@]}" \
    <"$input" >"$out/capos/$name.out" 2>"$out/capos/$name.err"
  echo $? >"$out/capos/$name.status"
  local problems="" parts="status out err"
  if [ -n "$invalid" ]; then
    parts="status out"
    grep -q "^error: .*/wasm/$name.wasm: " "$out/capos/$name.err" || problems+="capOS's stderr has no \`error: PROGRAM: REASON\` line"$'\n'
  fi
  compare "$name" "$parts" "wasmtime" "$problems"
}

# Compares the PARTS of NAME's two runs and writes results/NAME (first
# line "ok" or "FAIL", then the differences after PROBLEMS found before).
compare() {
  local name=$1 parts=$2 reference=$3 problems=$4 part
  for part in $parts; do
    if ! cmp -s "$out/wasmtime/$name.$part" "$out/capos/$name.$part"; then
      problems+="$part differs ($reference < > capOS):"$'\n'
      problems+=$(diff "$out/wasmtime/$name.$part" "$out/capos/$name.$part" | head -n 15)$'\n'
    fi
  done
  if [ -z "$problems" ]; then
    echo ok >"$out/results/$name"
  else
    { echo FAIL; printf '%s' "$problems"; echo "kernel log: build/tests/wasm/capos/$name.log"; } >"$out/results/$name"
  fi
}
export -f one compare

# One pipeline script: run by the host's dash with the stand-in and by
# capOS's dash; writes results/NAME like `one`.
script() {
  local name=$1 result=$out/results/$1 files=() module
  for module in $(grep -oE '/wasm/[A-Za-z0-9_]+\.wasm' "$here/$name.sh" | sort -u); do
    if ! [ -f "$out/modules/${module#/wasm/}" ]; then
      printf 'FAIL\nmodule %s was not built\n' "$module" >"$result"
      return
    fi
    files+=(--file "$out/modules/${module#/wasm/}:$module")
  done
  local scratch
  scratch=$(mktemp -d)
  (cd "$scratch" && PATH="$out/hostbin:$PATH" timeout 120 /bin/dash "$here/$name.sh") \
    </dev/null >"$out/wasmtime/$name.out" 2>"$out/wasmtime/$name.err"
  echo $? >"$out/wasmtime/$name.status"
  rm -rf "$scratch"
  "$root/capos" run --timeout 180 --log "$out/capos/$name.log" "${files[@]}" --file "$here/$name.sh:/wasm/$name.sh" -- \
    sh -c "cd /tmp && sh /wasm/$name.sh" </dev/null >"$out/capos/$name.out" 2>"$out/capos/$name.err"
  echo $? >"$out/capos/$name.status"
  compare "$name" "status out err" "host dash + wasmtime" ""
}
export -f script
export here out python root

# Build the capOS side once before the parallel runs (`capos run` would
# otherwise race to rebuild a stale tree).
"$root/capos" run --help >/dev/null || { echo "wasm-test: building capOS failed (build/logs/capos-build.log)" >&2; exit 1; }

start=$SECONDS
printf '%s\n' "${programs[@]}" | xargs -P "$JOBS" -I{} bash -c 'one "$1"' _ {}
if [ ${#scripts[@]} -gt 0 ]; then
  printf '%s\n' "${scripts[@]}" | xargs -P "$JOBS" -I{} bash -c 'script "$1"' _ {}
fi

passed=0
failed=0
# docs/wasi.md lists every function wasm-host links.
missing=""
for function in $(grep -oE '"(args|environ|clock|fd|path|poll|proc|sched|random|sock)_[a-z_]+"' "$root/capos-wasm/src/link.rs" | tr -d '"'); do
  grep -q "\`$function\`" "$root/docs/wasi.md" || missing+=" $function"
done
count=$(grep -oE '"(args|environ|clock|fd|path|poll|proc|sched|random|sock)_[a-z_]+"' "$root/capos-wasm/src/link.rs" | sort -u | wc -l)
if [ -z "$missing" ] && [ "$count" -eq 46 ]; then
  echo "ok - wasm-host links all 46 Preview 1 functions and docs/wasi.md lists each"
  passed=$((passed + 1))
else
  echo "FAIL - $count functions linked (46 expected); docs/wasi.md does not list:$missing"
  failed=$((failed + 1))
fi
for name in "${programs[@]}" "${scripts[@]}"; do
  if [ "$(head -n 1 "$out/results/$name" 2>/dev/null || echo FAIL)" = ok ]; then
    echo "ok - $name"
    passed=$((passed + 1))
  else
    echo "FAIL - $name"
    tail -n +2 "$out/results/$name" 2>/dev/null | sed 's/^/    /'
    failed=$((failed + 1))
  fi
done
echo "$passed passed, $failed failed ($((SECONDS - start)) s)"
[ "$failed" -eq 0 ]
