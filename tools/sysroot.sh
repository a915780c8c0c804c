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

mkdir -p "$out/lib" "$out/bin"
rm -rf "$out/include.new"
cp -a "$musl/include" "$out/include.new"
mkdir -p "$out/include.new/capos"
cp "$root/libcapos/include/capos/capos.h" "$out/include.new/capos/capos.h"
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
} >"$out/include.new/capos/interfaces.h"
rm -rf "$out/include"
mv "$out/include.new" "$out/include"
for lib in crti.o crtn.o libc.a libm.a libpthread.a librt.a; do
  cp "$musl/lib/$lib" "$out/lib/$lib"
done
"${CC:-gcc}" -c -o "$out/lib/crt1.o" "$root/libcapos-posix/crt/crt1.S"
cp "$posix" "$out/lib/libcapos_posix.a"
rm -f "$out/lib/libcapos.a"
ar rc "$out/lib/libcapos.a"
cp "$root/tools/capos-cc/capos-gcc.specs" "$out/lib/capos-gcc.specs"
install -m 755 "$root/tools/capos-cc/capos-cc" "$out/bin/capos-cc"
grep -m1 '^version' "$root/Cargo.toml" | cut -d'"' -f2 >"$out/VERSION"
echo "$UPSTREAM_VERSION" >"$out/MUSL_VERSION"
echo "sysroot: sysroot/ (bin/capos-cc, include/, lib/)"
