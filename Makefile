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
RUNNER     := $(CARGO_HOST) run --quiet --release -p qemu-runner --
QEMU_TESTS := $(CARGO_HOST) run --quiet --release -p capos-qemu-tests --

.PHONY: all setup kernel kernel-ktest iso run test host-test miri qemu-test \
        lint fmt clippy clean help

all: kernel kernel-ktest

help:
	@sed -n '1,8p' Makefile

setup:
	@tools/setup.sh

kernel: setup
	cd $(KERNEL_DIR) && cargo build --release
	@mkdir -p $(BUILD)
	@cp $(KERNEL_OUT) $(BUILD)/kernel.elf

kernel-ktest: setup
	cd $(KERNEL_DIR) && cargo build --release --features ktest --target-dir ../target/kernel-ktest
	@mkdir -p $(BUILD)
	@cp $(KTEST_KERNEL_OUT) $(BUILD)/kernel-ktest.elf

iso: kernel
	$(RUNNER) iso --kernel $(BUILD)/kernel.elf --out $(BUILD)/capos.iso

run: kernel
	$(RUNNER) run --kernel $(BUILD)/kernel.elf

# Host unit tests of every workspace crate (pure logic, harness, tools).
host-test: setup
	$(CARGO_HOST) test --workspace

# capos-lib under Miri (undefined-behaviour checks of the pure logic).
miri: setup
	$(CARGO_HOST) miri test -p capos-lib

# Every QEMU scenario (boot banner, ktest suite, deliberate failures).
qemu-test: kernel kernel-ktest
	$(QEMU_TESTS) --build-dir $(BUILD)

fmt:
	$(CARGO_HOST) fmt --all
	cd $(KERNEL_DIR) && cargo fmt

lint: setup
	$(CARGO_HOST) fmt --all --check
	cd $(KERNEL_DIR) && cargo fmt --check
	$(CARGO_HOST) clippy --workspace --all-targets -- -D warnings
	cd $(KERNEL_DIR) && cargo clippy --release -- -D warnings
	cd $(KERNEL_DIR) && cargo clippy --release --features ktest --target-dir ../target/kernel-ktest -- -D warnings

# The QEMU scenarios run last, so the run ends with their `N passed, N failed`.
test: setup lint host-test miri qemu-test

clean:
	rm -rf $(BUILD) target
