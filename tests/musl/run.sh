#!/usr/bin/env bash
# tests/musl/run.sh: host test of musl's capOS system-call boundary
# (`make musl-test`, after `make musl`). It checks that no object of the
# sysroot's libc.a or crt files executes a system-call instruction, that
# libc.a calls __capos_syscall (which it leaves undefined), and that a C
# program built against build/sysroot with a stub __capos_syscall (the
# host's own system calls, in capos_syscall_stub.c, for this test only)
# links, runs on the host, and prints exactly what the same program built
# with the host's gcc and glibc prints. Ends with `N passed, N failed` and
# exits non-zero on any failure.
set -uo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
here=$root/tests/musl
sysroot=$root/build/sysroot
out=$root/build/tests/musl
CC=${CC:-gcc}

if [ ! -f "$sysroot/lib/libc.a" ] || [ ! -f "$sysroot/lib/crt1.o" ]; then
  echo "musl-test: build/sysroot has no musl; run \`make musl\` first" >&2
  exit 1
fi
for tool in "$CC" objdump nm; do
  command -v "$tool" >/dev/null 2>&1 || { echo "musl-test: $tool is not installed (make setup installs it)" >&2; exit 1; }
done
rm -rf "$out"
mkdir -p "$out"

passed=0
failed=0
pass() { echo "ok - $1"; passed=$((passed + 1)); }
fail() { # WHAT [DETAILS]: DETAILS (lines) are printed indented
  echo "FAIL - $1"
  [ $# -lt 2 ] || [ -z "$2" ] || sed 's/^/    /' <<<"$2"
  failed=$((failed + 1))
}

# Instructions that enter a kernel from x86_64 user mode, as objdump
# prints them: `syscall`, `sysenter`, `int $0x80`.
kernel_entries() { # OBJDUMP-OUTPUT-FILE: prints "member function: instruction" per entry found
  awk '
    /^In archive/ { next }
    /file format/ { member = $1; sub(/:$/, "", member); next }
    /^[0-9a-f]+ <.*>:$/ { function_name = $2; sub(/:$/, "", function_name); next }
    /\t(syscall|sysenter)[ \t]*$/ || /\tint[ \t]+\$0x80/ {
      line = $0; sub(/.*\t/, "", line); print member " " function_name ": " line
    }' "$1"
}

# 1. The detector finds what it looks for (so finding nothing means something).
printf '\t.text\n\t.globl probe\nprobe:\n\tsyscall\n\tret\n' >"$out/probe.s"
if "$CC" -c -o "$out/probe.o" "$out/probe.s" && objdump -d "$out/probe.o" >"$out/probe.dis" &&
   [ "$(kernel_entries "$out/probe.dis" | wc -l)" -eq 1 ]; then
  pass "the instruction check finds a syscall instruction in a probe object"
else
  fail "the instruction check does not find the syscall instruction of a probe object"
fi

# 2. Nothing in libc.a or the crt files enters the kernel itself.
objdump -d "$sysroot/lib/libc.a" >"$out/libc.dis" 2>"$out/objdump.err"
objects=$(grep -c 'file format' "$out/libc.dis")
found=$(kernel_entries "$out/libc.dis")
if [ "$objects" -gt 1000 ] && [ -z "$found" ]; then
  pass "no object of libc.a ($objects objects) has a syscall, sysenter or int \$0x80 instruction"
else
  fail "libc.a ($objects objects) enters the kernel directly" "$(head -n 20 <<<"$found")"
fi
found=''
for crt in crt1.o crti.o crtn.o; do
  objdump -d "$sysroot/lib/$crt" >"$out/$crt.dis"
  found+=$(kernel_entries "$out/$crt.dis")
done
if [ -z "$found" ]; then
  pass "crt1.o, crti.o and crtn.o have no system-call instruction"
else
  fail "a crt file enters the kernel directly" "$found"
fi

# 3. libc.a calls __capos_syscall and leaves it to the POSIX adapter.
nm -A "$sysroot/lib/libc.a" 2>/dev/null >"$out/libc.nm"
callers=$(grep -c ' U __capos_syscall$' "$out/libc.nm")
definitions=$(grep -cE ' [TtWwDd] __capos_syscall$' "$out/libc.nm")
if [ "$callers" -gt 100 ] && [ "$definitions" -eq 0 ]; then
  pass "__capos_syscall is undefined in libc.a and called by $callers of its objects"
else
  fail "__capos_syscall: $callers objects of libc.a call it, $definitions define it (want >100 and 0)"
fi
member_of() { # SYMBOL: the libc.a member that defines SYMBOL
  awk -v symbol="$1" '($2 == "T" || $2 == "W") && $3 == symbol { split($1, part, ":"); print part[2]; exit }' "$out/libc.nm"
}
member_has() { # MEMBER TYPE SYMBOL: the member has SYMBOL with that nm type
  awk -v member="$1" -v type="$2" -v symbol="$3" '
    { split($1, part, ":") }
    part[2] == member && $(NF - 1) == type && $NF == symbol { found = 1 }
    END { exit !found }' "$out/libc.nm"
}
# The capOS ARCH's own files and generic C that replaced dropped assembly
# (vfork, __unmapself), plus ordinary calls and clock_gettime (no vDSO).
for symbol in __set_thread_area __syscall_cp_asm __restore_rt vfork __unmapself getpid __stdio_write clock_gettime; do
  member=$(member_of "$symbol")
  if [ -n "$member" ] && member_has "$member" U __capos_syscall; then
    pass "$symbol ($member) calls __capos_syscall"
  else
    fail "$symbol (${member:-not defined in libc.a}) does not call __capos_syscall"
  fi
done
member=$(member_of clock_gettime)
if [ -n "$member" ] && ! member_has "$member" U __vdsosym; then
  pass "clock_gettime does not look for a vDSO"
else
  fail "clock_gettime (${member:-not defined}) looks for a vDSO (__vdsosym)"
fi

# 4. A program built against the sysroot with the stub runs on the host
#    and prints what the glibc build prints.
musl_flags=(-nostdinc -isystem "$sysroot/include" -ffreestanding -fno-stack-protector -O2)
if "$CC" "${musl_flags[@]}" -c -o "$out/printf_test.o" "$here/printf_test.c" 2>"$out/musl-cc.log" &&
   "$CC" "${musl_flags[@]}" -c -o "$out/stub.o" "$here/capos_syscall_stub.c" 2>>"$out/musl-cc.log" &&
   "$CC" -static -nostdlib -o "$out/printf_test.musl" \
     "$sysroot/lib/crt1.o" "$sysroot/lib/crti.o" "$out/printf_test.o" "$out/stub.o" \
     "$sysroot/lib/libc.a" "$("$CC" -print-libgcc-file-name)" "$sysroot/lib/crtn.o" 2>>"$out/musl-cc.log"; then
  pass "a C program compiles against build/sysroot and links statically with libc.a, crt1.o and the stub"
else
  fail "the program does not build against build/sysroot" "$(tail -n 20 "$out/musl-cc.log")"
fi
if "$CC" -O2 -o "$out/printf_test.glibc" "$here/printf_test.c" -lm 2>"$out/glibc-cc.log"; then
  pass "the same program builds with the host's gcc and glibc"
else
  fail "the program does not build with the host's gcc and glibc" "$(tail -n 20 "$out/glibc-cc.log")"
fi

if [ -x "$out/printf_test.musl" ]; then
  objdump -d "$out/printf_test.musl" >"$out/printf_test.dis"
  outside=$(kernel_entries "$out/printf_test.dis" | grep -v ' <host_linux_syscall>: ')
  inside=$(kernel_entries "$out/printf_test.dis" | grep -c ' <host_linux_syscall>: ')
  if [ -z "$outside" ] && [ "$inside" -eq 1 ]; then
    pass "the linked program's only syscall instruction is the stub's, so every call went through __capos_syscall"
  else
    fail "the linked program has system-call instructions outside the stub" "$outside"
  fi
fi

run_program() { # NAME BINARY ARGS...: stdout, stderr and status into $out/NAME.{out,err,status}
  local name=$1 binary=$2
  shift 2
  env -i CAPOS_TEST=hello "$binary" "$@" >"$out/$name.out" 2>"$out/$name.err"
  echo $? >"$out/$name.status"
}
if [ -x "$out/printf_test.musl" ] && [ -x "$out/printf_test.glibc" ]; then
  run_program musl "$out/printf_test.musl" one two
  run_program glibc "$out/printf_test.glibc" one two
  for part in out err status; do
    if [ ! -s "$out/glibc.$part" ]; then
      fail "the glibc build printed no $part"
    elif cmp -s "$out/glibc.$part" "$out/musl.$part"; then
      pass "the musl build's $part is the glibc build's ($(wc -l <"$out/glibc.$part") lines)"
    else
      fail "the musl build's $part differs from the glibc build's (< glibc, > musl)" \
        "$(diff "$out/glibc.$part" "$out/musl.$part" | head -n 20)"
    fi
  done

  # An error the stub returns as -ENOSYS reaches the program as errno.
  run_program errno "$out/printf_test.musl" --errno
  expected='open: -1 errno 38 (Function not implemented)'
  if [ "$(cat "$out/errno.out")" = "$expected" ] && [ "$(cat "$out/errno.status")" = 0 ]; then
    pass "a call answered with -ENOSYS fails with errno ENOSYS"
  else
    fail "a call answered with -ENOSYS: want '$expected', got '$(cat "$out/errno.out")' (status $(cat "$out/errno.status"))"
  fi
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
