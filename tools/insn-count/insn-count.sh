#!/bin/bash
# insn-count.sh ROW [SECONDS]
#
# Counts the guest instructions of one ring-bench operation (ROW: empty,
# nop1, nop16, timer or ipc — an Endpoint round trip, two system calls), by
# function: builds ring-bench with
# RING_BENCH_SPIN=ROW (it then repeats that row), boots the bench manifest
# with the current build/kernel.elf under QEMU's TCG with the trace of every
# translated block executed (`-d exec,nochain,in_asm`) for SECONDS
# (default 30), and prints the instructions per operation (one operation =
# one pass through `syscall_entry`) and their split by function (from the
# kernel's and ring-bench's symbols). Repeatable within about 1 % where cycle
# counts under TCG are not; `make bench` still gives the times.
# Leaves ring-bench rebuilt without the option. Needs about 2 GB in /tmp
# for a 30 s trace. With INLINE=1 in the environment, kernel instructions are
# split by the innermost inlined function (count.py --inline). See
# docs/performance.md. KEEP=1 keeps the trace (its folder is printed).
# With PAGES=1, no trace: the QEMU plugin pages.c (built here with gcc)
# counts instead the distinct pages and blocks touched between two CR3
# writes (what refilling QEMU's TLB after a switch costs) and pages.py
# names them.
set -euo pipefail
ROW=${1:?usage: insn-count.sh empty|nop1|nop16|timer|ipc [SECONDS]}
PER_OP=1
[ "$ROW" = ipc ] && PER_OP=2
SECS=${2:-30}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
WORK=$(mktemp -d /tmp/insn-count.XXXXXX)
[ -n "${KEEP:-}" ] || trap 'rm -rf "$WORK"' EXIT
FLAGS=(--profile user --target x86_64-unknown-capos.json -Z json-target-spec
       -Z build-std=core,alloc,compiler_builtins -Z build-std-features=compiler-builtins-mem
       --target-dir target/user)
OUT=target/user/x86_64-unknown-capos/user
make -s kernel tools >/dev/null
RING_BENCH_SPIN=$ROW cargo build -q "${FLAGS[@]}" -p ring-bench
cp "$OUT/ring-bench" "$WORK/ring-bench.elf"
target/release/mkmanifest -q --cue system-schema.cue --cue systems/bench.cue \
  --bin-dir "$OUT" --out "$WORK/manifest.bin"
# Back to the normal ring-bench (the build's manifests use it).
cargo build -q "${FLAGS[@]}" -p ring-bench
QEMU_ARGS=(-machine q35 -cpu max -m 512 -accel tcg -no-reboot -nic none
  -device isa-debug-exit,iobase=0xf4,iosize=0x4 -display none -monitor none
  -serial "file:$WORK/serial" -kernel build/kernel.elf -initrd "$WORK/manifest.bin" -append '')
if [ -n "${PAGES:-}" ]; then
  gcc -O2 -shared -fPIC -fvisibility=hidden -o "$WORK/pages.so" tools/insn-count/pages.c
  timeout "$SECS" qemu-system-x86_64 "${QEMU_ARGS[@]}" \
    -plugin "$WORK/pages.so,out=$WORK/pages.txt,skip=${SKIP:-20000},epochs=${EPOCHS:-20000}" || true
  if ! [ -s "$WORK/pages.txt" ]; then
    echo "insn-count: fewer than SKIP+EPOCHS CR3 writes in $SECS s; serial log:" >&2
    tail -5 "$WORK/serial" >&2
    exit 1
  fi
  python3 tools/insn-count/pages.py "$WORK/pages.txt" build/kernel.elf "$WORK/ring-bench.elf" ${HOT:+--hot "$HOT"}
  exit 0
fi
timeout "$SECS" qemu-system-x86_64 "${QEMU_ARGS[@]}" \
  -d exec,nochain,in_asm -D "$WORK/trace.log" || true
if ! grep -q "bench: " "$WORK/serial"; then
  echo "insn-count: ring-bench printed nothing in $SECS s; serial log:" >&2
  tail -5 "$WORK/serial" >&2
  exit 1
fi
[ -n "${KEEP:-}" ] && echo "insn-count: trace kept in $WORK" >&2
python3 tools/insn-count/count.py "$WORK/trace.log" build/kernel.elf "$WORK/ring-bench.elf" ${INLINE:+--inline} --syscalls-per-op "$PER_OP"
