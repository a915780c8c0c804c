#!/usr/bin/env python3
"""The reference side of the wasm suite: runs a wasm32-wasi module under
wasmtime (the PyPI package's Python API) the way `wasmtime run` does, and
the way capOS's `wasm-host` is asked to:

    wasmtime_run.py [--dir HOST::GUEST]... [--env K=V]... [--fuel N] [--max-memory BYTES] [--argv0 NAME] MODULE ARGS...

`--argv0` names the program in `argv[0]` (default MODULE). The guest's stdin, stdout and stderr are this process's. Exit status: the
module's `proc_exit` code (0 when `_start` returns); 134 after a trap, with
`wasm trap: MESSAGE` (wasmtime's message for the trap) on stderr; 1 when
the module does not load, with the reason on stderr.
"""

import re
import sys

import wasmtime


def main(argv):
    dirs, env, fuel, argv0, max_memory = [], [], None, None, None
    i = 0
    while i < len(argv) and argv[i].startswith("--"):
        opt, value = argv[i], argv[i + 1]
        if opt == "--dir":
            host, _, guest = value.partition("::")
            dirs.append((host, guest or host))
        elif opt == "--env":
            env.append(tuple(value.split("=", 1)))
        elif opt == "--max-memory":
            max_memory = int(value)
        elif opt == "--argv0":
            argv0 = value
        elif opt == "--fuel":
            fuel = int(value)
        else:
            sys.exit(f"wasmtime_run: unknown option {opt}")
        i += 2
    module_path, args = argv[i], argv[i + 1:]

    config = wasmtime.Config()
    if fuel is not None:
        config.consume_fuel = True
    engine = wasmtime.Engine(config)
    try:
        module = wasmtime.Module.from_file(engine, module_path)
    except wasmtime.WasmtimeError as e:
        print(f"error: {module_path}: invalid module: {str(e).splitlines()[0]}", file=sys.stderr)
        return 1
    store = wasmtime.Store(engine)
    if fuel is not None:
        store.set_fuel(fuel)
    if max_memory is not None:
        store.set_limits(memory_size=max_memory)
    wasi = wasmtime.WasiConfig()
    wasi.argv = [argv0 or module_path] + args
    wasi.env = env
    wasi.inherit_stdin()
    wasi.inherit_stdout()
    wasi.inherit_stderr()
    for host, guest in dirs:
        wasi.preopen_dir(host, guest)
    store.set_wasi(wasi)
    linker = wasmtime.Linker(engine)
    linker.define_wasi()
    try:
        instance = linker.instantiate(store, module)
        start = instance.exports(store).get("_start")
        if start is None:
            print(f"error: {module_path}: the module exports no `_start` function", file=sys.stderr)
            return 1
        start(store)
    except wasmtime.ExitTrap as e:
        return e.code
    except wasmtime.Trap as e:
        message = str(e)
        found = re.findall(r"wasm trap: (.*)", message)
        print(f"wasm trap: {found[-1] if found else message.splitlines()[-1]}", file=sys.stderr)
        return 134
    except wasmtime.WasmtimeError as e:
        print(f"error: {str(e).splitlines()[-1]}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.stdout.flush()
    sys.exit(main(sys.argv[1:]))
