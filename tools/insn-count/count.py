#!/usr/bin/env python3
"""Instructions per operation from a QEMU `-d exec,nochain,in_asm` trace.

Usage: count.py TRACE KERNEL_ELF USER_ELF

The whole trace is read for the translated blocks (`IN:` listings: each
block's address and instruction count); the last 150 MB for the executions
(`Trace` lines: with `nochain` one per block run), which is the steady
state of the repeated row. An operation is one pass through the
`syscall_entry` block. Each block is charged to the function whose symbol
precedes its address (inlined code counts for its caller).
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
    sizes = {}
    current, count = None, 0
    with open(trace, errors="replace") as f:
        for line in f:
            if line.startswith("IN:"):
                current, count = None, 0
            elif line.startswith("0x") and ":  " in line[:24]:
                if current is None:
                    current = int(line.split(":")[0], 16)
                count += 1
            elif current is not None:
                sizes[current] = count
                current, count = None, 0
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
    ops = max(entry) if entry else 0
    if ops == 0:
        sys.exit("count.py: no pass through syscall_entry in the trace's tail")
    by_function = collections.Counter()
    for pc, n in runs.items():
        by_function[name(pc)] += n * sizes.get(pc, 0)
    total = sum(by_function.values())
    print(f"{total / ops:.0f} instructions per operation ({ops} operations in the trace's tail)")
    for function, n in by_function.most_common(40):
        if n / ops >= 1:
            print(f"{n / ops:8.1f}  {function[:110]}")


main()
