#!/usr/bin/env bash
# ports/musl/build.sh: builds musl, capOS's C library, with capOS's
# system-call boundary, and installs its headers and static libraries
# into build/sysroot/ (include/, lib/). Run by `make musl`.
#
# Steps: fetch Debian's source package if needed (ports/fetch.sh musl);
# copy the pristine source to build/ports/musl/tree/; add the capOS ARCH
# (x86_64_capos: musl's x86_64 files without the ones in the recipe's
# DROPPED_FILES, plus ports/musl/overlay/); configure for a static-only
# library with the system compiler; build with at most JOBS (default 2)
# jobs; install. A stamp keyed on the recipe, the overlay, the pin, these
# scripts and the compiler makes a second run with nothing changed
# return at once. Environment: CC (default gcc), JOBS (default 2).
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
die() { echo "musl: $*" >&2; exit 1; }
case "$root" in *[[:space:]]*) die "the source tree's path '$root' has white space, which musl's Makefile cannot take" ;; esac

# The recipe, stamp keys, logged steps and the fresh tree are shared with
# every port (ports/lib.sh).
# shellcheck source=../lib.sh
. "$root/ports/lib.sh"
port_load musl
port=$port_dir
CC=${CC:-gcc}
JOBS=${JOBS:-2}
case "$JOBS" in ''|*[!0-9]*|0) die "JOBS must be a positive number of build jobs, not '$JOBS'" ;; esac
command -v "${CC%% *}" >/dev/null 2>&1 || die "the C compiler '$CC' is not installed (make setup installs gcc)"
command -v make >/dev/null 2>&1 || die "make is not installed"

# The userspace target's code: x86-64 with SSE2 hard float (as
# x86_64-unknown-capos.json), static, position-dependent. musl adds
# -ffreestanding, -nostdinc and its own -fno-stack-protector uses; ours
# apply to every object.
MUSL_CFLAGS="-ffreestanding -fno-stack-protector -march=x86-64 -msse2 -mfpmath=sse -fno-pie"

sysroot=$root/build/sysroot
work=$port_work
stamp=$work/build.stamp
outputs=(include/stdio.h include/bits/syscall.h lib/libc.a lib/crt1.o lib/crti.o lib/crtn.o
         lib/libm.a lib/libpthread.a lib/librt.a)

# What the build is made from: the port's files, the pin, the fetch
# script, and the compiler with its flags.
key=$(
  cd "$root"
  # shellcheck disable=SC2046 # file names without white space, one per word
  port_key ports/musl/recipe ports/musl/build.sh ports/fetch.sh ports/lib.sh vendor/musl.toml \
    $(find ports/musl/overlay -type f | LC_ALL=C sort) \
    "text:$("$CC" --version | head -n 1)" "text:CFLAGS=$MUSL_CFLAGS"
)
up_to_date=yes
port_stamp_ok "$stamp" "$key" || up_to_date=no
for file in "${outputs[@]}"; do
  [ -f "$sysroot/$file" ] || up_to_date=no
done
if [ "$up_to_date" = yes ]; then
  echo "musl: $UPSTREAM_VERSION is up to date in build/sysroot"
  exit 0
fi

rm -f "$stamp"
port_fresh_tree
tree=$port_tree

# The capOS ARCH: a copy of musl's x86_64 ARCH (arch/x86_64 and every
# src/*/x86_64, crt/x86_64, ldso/x86_64 folder) without the files that
# execute `syscall`, then our files on top. musl's Makefile builds an
# ARCH folder's file instead of the generic one of the same name, so a
# dropped file falls back to musl's generic C.
[ -d "$tree/arch/$BASE_ARCH" ] || die "musl $UPSTREAM_VERSION has no arch/$BASE_ARCH"
for file in "${DROPPED_FILES[@]}"; do
  [ -f "$tree/$file" ] || die "the recipe drops $file, which musl $UPSTREAM_VERSION does not have"
done
is_dropped() {
  local file
  for file in "${DROPPED_FILES[@]}"; do [ "$file" = "$1" ] && return 0; done
  return 1
}
while IFS= read -r dir; do
  dir=${dir#./}
  while IFS= read -r file; do
    is_dropped "$file" && continue
    copy=${dir%/*}/$CAPOS_ARCH/${file#"$dir"/}
    mkdir -p "$tree/${copy%/*}"
    cp -a "$tree/$file" "$tree/$copy"
  done < <(cd "$tree" && find "$dir" -type f | LC_ALL=C sort)
done < <(cd "$tree" && find ./arch ./src ./crt ./ldso -type d -name "$BASE_ARCH" | LC_ALL=C sort)
# The overlay only adds files to the capOS ARCH; syscall_arch.h is the one
# it replaces.
while IFS= read -r file; do
  file=${file#./}
  case "$file" in
    */"$CAPOS_ARCH"/*) ;;
    *) die "ports/musl/overlay/$file is not in a $CAPOS_ARCH folder; the overlay may only add to the capOS ARCH" ;;
  esac
  if [ -e "$tree/$file" ] && [ "$file" != "arch/$CAPOS_ARCH/syscall_arch.h" ]; then
    die "ports/musl/overlay/$file would replace a file of musl's $BASE_ARCH ARCH that the recipe does not drop"
  fi
  mkdir -p "$tree/${file%/*}"
  cp "$port/overlay/$file" "$tree/$file"
done < <(cd "$port/overlay" && find . -type f | LC_ALL=C sort)

# Configure (musl detects ARCH=x86_64 from the compiler) and build the
# capOS ARCH instead. MAKEFLAGS from an outer make would pull this build
# into its job server; the job count is ours.
unset MAKEFLAGS MFLAGS MAKELEVEL
run() { port_run "$@"; }
echo "musl: building $UPSTREAM_VERSION for ARCH $CAPOS_ARCH with $CC (-j$JOBS)"
cd "$tree"
run configure.log env CC="$CC" CFLAGS="$MUSL_CFLAGS" ./configure \
  --prefix="$sysroot" --disable-shared --disable-wrapper
grep -qx "ARCH = $BASE_ARCH" config.mak || die "musl's configure did not pick ARCH $BASE_ARCH (see build/ports/musl/configure.log)"
run build.log make -j"$JOBS" ARCH="$CAPOS_ARCH"
run install.log make ARCH="$CAPOS_ARCH" install
for file in "${outputs[@]}"; do
  [ -f "$sysroot/$file" ] || die "the install left no build/sysroot/$file"
done
echo "$key" >"$stamp"
echo "musl: installed into build/sysroot (include/, lib/libc.a, crt1.o, crti.o, crtn.o)"
