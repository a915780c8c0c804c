#!/usr/bin/env bash
# tools/sysroot.sh: assembles sysroot/, the C sysroot (`make sysroot`,
# after `make musl` and the build of libcapos_posix.a):
#
#   sysroot/include/     musl's installed headers (build/sysroot/include),
#                        capos/capos.h (libcapos) and capos/interfaces.h
#                        (the schema's interface ids, generated here)
#   sysroot/lib/         crt1.o (capOS's, libcapos-posix/crt/crt1.S),
#                        crti.o, crtn.o, libc.a, libm.a, libpthread.a,
#                        librt.a (musl's), libcapos_posix.a (the adapter
#                        and libcapos), libcapos.a (empty: its functions
#                        are in libcapos_posix.a), capos-gcc.specs
#   sysroot/bin/capos-cc the compiler driver (tools/capos-cc/)
#
# Usage: tools/sysroot.sh LIBCAPOS_POSIX_A
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
posix=${1:?usage: tools/sysroot.sh LIBCAPOS_POSIX_A}
musl=$root/build/sysroot
out=$root/sysroot
die() { echo "sysroot: $*" >&2; exit 1; }
[ -f "$musl/lib/libc.a" ] || die "build/sysroot has no musl; run \`make musl\` first"
[ -f "$posix" ] || die "$posix is missing; run \`make sysroot\`"
# shellcheck source=../ports/musl/recipe
. "$root/ports/musl/recipe"

# Everything is made in a staging directory first, then only what changed
# is published, each file by an atomic rename: a build that changes
# nothing touches nothing (so nothing looks stale afterwards), and a
# compiler reading the sysroot meanwhile never sees a half-written file.
stage=$out/.stage
rm -rf "$stage"
mkdir -p "$stage/lib" "$stage/bin"
cp -a "$musl/include" "$stage/include"
mkdir -p "$stage/include/capos"
cp "$root/libcapos/include/capos/capos.h" "$stage/include/capos/capos.h"
{
  echo "/* Generated from schema/capos.capnp by tools/sysroot.sh: the interface ids. */"
  echo "#ifndef CAPOS_INTERFACES_H"
  echo "#define CAPOS_INTERFACES_H"
  grep -oE '^interface [A-Za-z]+ @0x[0-9a-f]+' "$root/schema/capos.capnp" |
    while read -r _ name id; do
      upper=$(sed -E 's/([a-z0-9])([A-Z])/\1_\2/g' <<<"$name" | tr '[:lower:]' '[:upper:]')
      echo "#define CAPOS_IFACE_$upper ${id#@}ULL"
    done
  echo "#endif"
} >"$stage/include/capos/interfaces.h"
for lib in crti.o crtn.o libc.a libm.a libpthread.a librt.a; do
  cp "$musl/lib/$lib" "$stage/lib/$lib"
done
"${CC:-gcc}" -c -o "$stage/lib/crt1.o" "$root/libcapos-posix/crt/crt1.S"
cp "$posix" "$stage/lib/libcapos_posix.a"
ar rc "$stage/lib/libcapos.a"
cp "$root/tools/capos-cc/capos-gcc.specs" "$stage/lib/capos-gcc.specs"
install -m 755 "$root/tools/capos-cc/capos-cc" "$stage/bin/capos-cc"
grep -m1 '^version' "$root/Cargo.toml" | cut -d'"' -f2 >"$stage/VERSION"
echo "$UPSTREAM_VERSION" >"$stage/MUSL_VERSION"

# The headers as one directory: swapped only when they differ.
if ! diff -rq "$stage/include" "$out/include" >/dev/null 2>&1; then
  rm -rf "$out/include.old"
  [ ! -d "$out/include" ] || mv "$out/include" "$out/include.old"
  mv "$stage/include" "$out/include"
  rm -rf "$out/include.old"
fi
# Every other file: replaced (renamed over) only when it differs.
(cd "$stage" && find . -path ./include -prune -o -type f -print) | while read -r file; do
  file=${file#./}
  if ! cmp -s "$stage/$file" "$out/$file"; then
    mkdir -p "$(dirname "$out/$file")"
    cp -p "$stage/$file" "$out/$file.new.$$"
    mv -f "$out/$file.new.$$" "$out/$file"
  fi
done
rm -rf "$stage"
echo "sysroot: sysroot/ (bin/capos-cc, include/, lib/)"
