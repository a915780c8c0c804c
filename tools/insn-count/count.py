#!/usr/bin/env python3
"""Instructions per operation from a QEMU `-d exec,nochain,in_asm` trace.

Usage: count.py TRACE KERNEL_ELF USER_ELF [--inline] [--syscalls-per-op N]

The whole trace is read for the translated blocks (`IN:` listings: each
block's address and instruction count); the last 150 MB for the executions
(`Trace` lines: with `nochain` one per block run), which is the steady
state of the repeated row. An operation is one pass through the
`syscall_entry` block, or N with `--syscalls-per-op N` (an Endpoint round
trip is two system calls: the client's and the server's; the server's own
code is then named after the client's symbols at the same addresses, so
only the user total means something). Each block is charged to the function whose symbol
precedes its address (inlined code counts for its caller); with
`--inline`, each instruction is charged instead to the innermost function
the debug info says it came from outside core/alloc/spin (`addr2line
-i`; needs the ELF's debug info, else the symbol is used).
"""
import bisect
import collections
import os
import re
import subprocess
import sys

TAIL = 150_000_000


def symbols(elf):
    out = subprocess.run(["nm", "-n", "--demangle", elf], capture_output=True, text=True, check=True).stdout
    table = []
    for line in out.splitlines():
        parts = line.split(" ", 2)
        if len(parts) == 3 and parts[1] in "tTwW":
            table.append((int(parts[0], 16), re.sub(r"::h[0-9a-f]{16}$", "", parts[2])))
    table.sort()
    return [a for a, _ in table], [n for _, n in table]


def main():
    trace, kernel_elf, user_elf = sys.argv[1:4]
    inline = "--inline" in sys.argv[4:]
    blocks = {}
    current, insns = None, []
    with open(trace, errors="replace") as f:
        for line in f:
            if line.startswith("IN:"):
                current, insns = None, []
            elif line.startswith("0x") and ":  " in line[:24]:
                pc = int(line.split(":")[0], 16)
                if current is None:
                    current = pc
                insns.append(pc)
            elif current is not None:
                blocks[current] = insns
                current, insns = None, []
    sizes = {pc: len(insns) for pc, insns in blocks.items()}
    runs = collections.Counter()
    with open(trace, "rb") as f:
        f.seek(max(0, os.path.getsize(trace) - TAIL))
        f.readline()
        for raw in f:
            if raw.startswith(b"Trace"):
                runs[int(raw.split(b"/")[1], 16)] += 1
    kernel, user = symbols(kernel_elf), symbols(user_elf)

    def name(pc):
        addrs, names = kernel if pc >= 0xFFFF800000000000 else user
        i = bisect.bisect_right(addrs, pc) - 1
        return names[i] if i >= 0 else "?"

    entry = [n for pc, n in runs.items() if name(pc) == "syscall_entry"]
    per_op = 1
    if "--syscalls-per-op" in sys.argv:
        per_op = int(sys.argv[sys.argv.index("--syscalls-per-op") + 1])
    ops = (max(entry) if entry else 0) / per_op
    if ops == 0:
        sys.exit("count.py: no pass through syscall_entry in the trace's tail")
    by_function = collections.Counter()
    if inline:
        per_insn = collections.Counter()
        for pc, n in runs.items():
            for insn in blocks.get(pc, []):
                per_insn[insn] += n
        where = {}
        library = re.compile(r"^<?(core|alloc|spin|compiler_builtins)::|^<(core|alloc)::|^<\S+ as core::")
        for elf, is_kernel in ((kernel_elf, True), (user_elf, False)):
            addrs = sorted(a for a in per_insn if (a >= 0xFFFF800000000000) == is_kernel)
            out = subprocess.run(["addr2line", "-f", "-i", "-C", "-a", "-e", elf],
                                 input="\n".join(hex(a) for a in addrs), capture_output=True, text=True).stdout
            frames = {}
            addr, lines = None, []
            for line in out.splitlines():
                if re.fullmatch(r"0x[0-9a-f]+", line):
                    addr = int(line, 16)
                    frames[addr] = []
                else:
                    frames[addr].append(line)
            for a, fl in frames.items():
                names = [re.sub(r"::h[0-9a-f]{16}$", "", f) for f in fl[0::2]]
                own = [n for n in names if not library.search(n) and not n.startswith("??")]
                if own:
                    where[a] = own[0]
        for insn, n in per_insn.items():
            by_function[where.get(insn) or name(insn)] += n
    else:
        for pc, n in runs.items():
            by_function[name(pc)] += n * sizes.get(pc, 0)
    total = sum(by_function.values())
    kernel_total = sum(n * sizes.get(pc, 0) for pc, n in runs.items() if pc >= 0xFFFF800000000000)
    print(f"{total / ops:.0f} instructions per operation ({ops:.0f} operations in the trace's tail): "
          f"{kernel_total / ops:.0f} in the kernel, {(total - kernel_total) / ops:.0f} in user mode")
    for function, n in by_function.most_common(80 if inline else 40):
        if n / ops >= 1:
            print(f"{n / ops:8.1f}  {function[:110]}")


main()
