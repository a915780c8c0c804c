#!/usr/bin/env bash
# tests/c/run.sh: the differential C suite (`make c-test`, part of
# `make test`). Every tests/c/NAME.c (and every make-based project
# tests/c/NAME/, whose Makefile takes CC and OUT) is built twice, with the
# host's gcc and glibc and with sysroot/bin/capos-cc, and run twice: natively, and
# inside capOS with `./capos run` (one boot per program). Standard output,
# standard error and the exit status must be identical; nothing is
# compared with a stored expectation. Every capOS run must also give back every
# frame and cap slot (the kernel's report once all processes ended).
#
# tests/c/capos-only/NAME.c are capability programs (capos/capos.h) with
# no host twin: built with capos-cc only, each checks itself and must
# exit 0; its terminal input is what capos-only/NAME.stdin.sh writes, if
# there is one (else empty).
#
# A program that faults must fault on both (status 139); the capOS
# shell's one-line report of the fault on stderr is then not a difference.
#
# tests/c/gaps/NAME.c show a gap in capOS (each says which in its
# opening comment): they pass on the host
# and fail on capOS today, so they are not in the default run. Run one by
# name, `tests/c/run.sh gaps/NAME`; once it passes, move it up to tests/c/.
#
# A program gets a scratch directory as argv[1] (a fresh host temporary
# directory natively, /tmp inside capOS) and works there; its further
# arguments are the words of NAME.args, if there is one, and its standard
# input is NAME.stdin, if there is one (else empty).
#
# Usage: tests/c/run.sh [NAME...]   (default: every program)
# Environment: JOBS (default 2) programs at once; CC (default gcc) the
# reference compiler. Ends with `N passed, N failed`; exits 1 on any
# failure.
set -uo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
here=$root/tests/c
out=$root/build/tests/c
capos_cc=$root/sysroot/bin/capos-cc
CC=${CC:-gcc}
JOBS=${JOBS:-2}

[ -x "$capos_cc" ] || { echo "c-test: no sysroot/bin/capos-cc; run \`make sysroot\` first" >&2; exit 1; }
[ -f "$root/build/kernel.elf" ] || { echo "c-test: no build/kernel.elf; run \`make kernel manifests\` first" >&2; exit 1; }

natives=()
if [ $# -gt 0 ]; then
  # capos-only/NAME runs inside capOS only (never on the host: some are
  # fork bombs held in check by capOS's quotas).
  names=()
  for name in "$@"; do
    case $name in
      capos-only/*) natives+=("${name#capos-only/}") ;;
      *) names+=("$name") ;;
    esac
  done
else
  names=()
  for src in "$here"/*.c "$here"/*/Makefile; do
    case $src in
      */Makefile) name=${src%/Makefile}; name=${name##*/} ;;
      *) name=${src##*/}; name=${name%.c} ;;
    esac
    names+=("$name")
  done
fi
rm -rf "$out"
mkdir -p "$out/host" "$out/capos" "$out/results"

# One program: build both, run both, compare; writes results/NAME (first
# line "ok" or "FAIL", then details).
one() {
  local name=$1 src=$here/$1.c result=$out/results/$1
  local args=() input=/dev/null
  # gaps/NAME: its outputs in subdirectories; inside capOS it is /bin/NAME.
  mkdir -p "$(dirname "$out/host/$name")" "$(dirname "$out/capos/$name")" "$(dirname "$result")"
  if [ -f "$here/$name.args" ]; then
    read -r -a args <"$here/$name.args"
  fi
  [ -f "$here/$name.stdin" ] && input=$here/$name.stdin
  if [ -f "$here/$name/Makefile" ]; then
    # A make-based project: built in a copy with CC=each compiler.
    local side compiler
    for side in host capos; do
      compiler=$CC
      [ "$side" = capos ] && compiler=$capos_cc
      rm -rf "$out/$side/$name.src"
      cp -r "$here/$name" "$out/$side/$name.src"
      if ! make -s -C "$out/$side/$name.src" CC="$compiler" OUT="$out/$side" >"$out/$side/$name.build" 2>&1; then
        { echo FAIL; echo "the $side build (make CC=$compiler) failed:"; head -n 20 "$out/$side/$name.build"; } >"$result"
        return
      fi
    done
  elif [ ! -f "$src" ]; then
    printf 'FAIL\nno such program tests/c/%s.c\n' "$name" >"$result"
    return
  elif ! "$CC" -O2 -o "$out/host/$name" "$src" -lm -lpthread 2>"$out/host/$name.build"; then
    { echo FAIL; echo "the host build failed:"; head -n 20 "$out/host/$name.build"; } >"$result"
    return
  elif ! "$capos_cc" -O2 -o "$out/capos/$name" "$src" -lm -lpthread 2>"$out/capos/$name.build"; then
    { echo FAIL; echo "the capos-cc build failed:"; head -n 20 "$out/capos/$name.build"; } >"$result"
    return
  fi
  local scratch
  scratch=$(mktemp -d)
  (cd "$scratch" && timeout 120 "$out/host/$name" "$scratch" "${args[@]}" <"$input" \
     >"$out/host/$name.out" 2>"$out/host/$name.err") 2>/dev/null
  echo $? >"$out/host/$name.status"
  rm -rf "$scratch"
  # The program is also the file /bin/NAME with PATH=/bin, so it can
  # exec itself by argv[0] (on the host argv[0] is its path).
  "$root/capos" run --timeout 180 --log "$out/capos/$name.log" --file "$out/capos/$name:/bin/${name##*/}" \
     --env PATH=/bin -- "$out/capos/$name" /tmp "${args[@]}" \
     <"$input" >"$out/capos/$name.out" 2>"$out/capos/$name.err"
  echo $? >"$out/capos/$name.status"
  # A program that faults (status 139, SIGSEGV's from a shell) is
  # reported by capOS's shell on stderr, as a POSIX shell reports
  # "Segmentation fault": that one last line is the only difference allowed.
  if [ "$(cat "$out/host/$name.status")" = 139 ] && [ "$(cat "$out/capos/$name.status")" = 139 ] &&
     tail -n 1 "$out/capos/$name.err" | grep -Eq "^capos-shell: ${name##*/}: faulted \(vector 14, address 0x[0-9a-f]+\)$"; then
    sed -i '$d' "$out/capos/$name.err"
  fi
  local problems
  problems=$(leaks "$out/capos/$name.log")
  [ -z "$problems" ] || problems+=$'\n'
  for part in status out err; do
    if ! cmp -s "$out/host/$name.$part" "$out/capos/$name.$part"; then
      problems+="$part differs (host < > capOS):"$'\n'
      problems+=$(diff "$out/host/$name.$part" "$out/capos/$name.$part" | head -n 15)$'\n'
    fi
  done
  if [ -z "$problems" ]; then
    echo ok >"$result"
  else
    { echo FAIL; printf '%s' "$problems"; echo "kernel log: build/tests/c/capos/$name.log"; } >"$result"
  fi
}
export -f one
export here out capos_cc CC root

# leaks LOG: what the run leaked, from the kernel's report once every
# process ended ("all processes ended: F frames free (B before init), S
# cap slots in use"): every frame and cap slot must be back. Nothing when
# the report is clean (or absent: the machine stopped some other way,
# which the status comparison catches).
leaks() {
  local line f b s
  line=$(grep -Eo 'all processes ended: [0-9]+ frames free \([0-9]+ before init\), [0-9]+ cap slots in use' "$1" | tail -n 1)
  [ -n "$line" ] || return 0
  read -r f b s < <(echo "$line" | sed -E 's/[^0-9]+/ /g')
  if [ "$f" != "$b" ] || [ "$s" != 0 ]; then
    echo "leaked: $((b - f)) frames, $s cap slots (kernel log: $1)"
  fi
}
export -f leaks

# Build the capOS side once before the parallel runs (`capos run` would
# otherwise race to rebuild a stale tree).
"$root/capos" run --help >/dev/null || { echo "c-test: building capOS failed (build/logs/capos-build.log)" >&2; exit 1; }

# capOS-only programs (tests/c/capos-only/NAME.c, using capos/capos.h):
# no host twin; each checks itself and must exit 0.
native() {
  local name=$1 result=$out/results/capos-only-$1
  if ! "$capos_cc" -O2 -o "$out/capos/$name" "$here/capos-only/$name.c" 2>"$out/capos/$name.build"; then
    { echo FAIL; echo "the capos-cc build failed:"; head -n 20 "$out/capos/$name.build"; } >"$result"
    return
  fi
  # capos-only/NAME.stdin.sh, if there is one, writes its terminal input.
  local input=/dev/null
  if [ -x "$here/capos-only/$name.stdin.sh" ]; then
    input=$out/capos/$name.stdin
    "$here/capos-only/$name.stdin.sh" >"$input"
  fi
  "$root/capos" run --timeout 180 --log "$out/capos/$name.log" -- "$out/capos/$name" \
     <"$input" >"$out/capos/$name.out" 2>"$out/capos/$name.err"
  local status=$? leaked
  leaked=$(leaks "$out/capos/$name.log")
  if [ "$status" = 0 ] && [ -z "$leaked" ]; then
    echo ok >"$result"
  elif [ -n "$leaked" ]; then
    { echo FAIL; echo "$leaked"; } >"$result"
  else
    { echo FAIL; echo "status $status; its output:"; tail -n 20 "$out/capos/$name.out" "$out/capos/$name.err"; } >"$result"
  fi
}
export -f native
if [ $# -eq 0 ]; then
  for src in "$here"/capos-only/*.c; do
    [ -f "$src" ] || continue
    name=${src##*/}
    natives+=("${name%.c}")
  done
fi

{
  [ ${#names[@]} -eq 0 ] || printf 'one %s\n' "${names[@]}"
  [ ${#natives[@]} -eq 0 ] || printf 'native %s\n' "${natives[@]}"
} | xargs -P "$JOBS" -L 1 bash -c '"$@"' _

passed=0
failed=0
# docs/posix-abi.md lists every call of the adapter's dispatch table.
missing=""
for call in $(grep -oE '^ *SYS_[a-z0-9_]+ "' "$root/libcapos-posix/src/table.rs" | sed -E 's/^ *SYS_//; s/ "$//'); do
  grep -q "\`$call\`" "$root/docs/posix-abi.md" || missing+=" $call"
done
if [ -z "$missing" ]; then
  echo "ok - docs/posix-abi.md lists every call of libcapos-posix/src/table.rs"
  passed=$((passed + 1))
else
  echo "FAIL - docs/posix-abi.md does not list:$missing"
  failed=$((failed + 1))
fi
# report LABEL RESULT-FILE: one verdict line, and the details of a failure.
report() {
  if [ "$(head -n 1 "$2" 2>/dev/null || echo FAIL)" = ok ]; then
    echo "ok - $1"
    passed=$((passed + 1))
  else
    echo "FAIL - $1"
    tail -n +2 "$2" 2>/dev/null | sed 's/^/    /'
    failed=$((failed + 1))
  fi
}
# Exactly one definition of each C library symbol ends up in a program:
# musl's memcpy family, not also compiler_builtins'.
if [ -f "$out/capos/hello" ]; then
  dups=$(nm "$out/capos/hello" | awk '$3 ~ /^(memcpy|memmove|memset|memcmp|bcmp|strlen)$/ { n[$3]++ } END { for (s in n) if (n[s] > 1) print s }')
  # (grep reads all of nm's output: with -q it could stop early and nm's
  # SIGPIPE would fail the pipeline under pipefail)
  if [ -z "$dups" ] && nm "$out/capos/hello" | grep ' T memcpy$' >/dev/null; then
    echo "ok - one definition of memcpy and friends in a program"
    passed=$((passed + 1))
  else
    echo "FAIL - duplicate definitions in build/tests/c/capos/hello: ${dups:-no memcpy}"
    failed=$((failed + 1))
  fi
fi
for name in "${names[@]}"; do
  report "$name" "$out/results/$name"
done
for name in "${natives[@]}"; do
  report "capos-only/$name" "$out/results/capos-only-$name"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
