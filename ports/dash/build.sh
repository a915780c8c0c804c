#!/usr/bin/env bash
# ports/dash/build.sh configure|make: dash's own build, run by
# ports/build.sh in the prepared tree (build/ports/dash/tree) with CC
# (capos-cc), CC_FOR_BUILD (the host's gcc), JOBS and the autoconf
# triples in the environment.
#
# dash's build compiles its table generators (mkinit, mknodes, mksyntax,
# mksignames) with CC_FOR_BUILD and runs them on the host, as its own
# Makefile does for any cross build; dash itself is compiled with capos-cc.
# The configure options are Debian's (debian/rules), so capOS's dash
# behaves like the host's /bin/dash the differential suite compares with.
set -euo pipefail

case "${1:-}" in
  configure)
    # Debian's patches (applied by dpkg-source) change configure.ac and
    # src/Makefile.am (priv.c, the helpers' flags); Debian's build
    # regenerates configure and the Makefiles (dh_autoreconf), and so do we.
    autoreconf -fi
    ./configure --build="$CAPOS_BUILD_TRIPLE" --host="$CAPOS_HOST_TRIPLE" \
      CC="$CC" CC_FOR_BUILD="$CC_FOR_BUILD" CFLAGS="-O2" \
      --disable-fnmatch --disable-lineno --disable-glob
    ;;
  make)
    make -j"$JOBS"
    ;;
  *)
    echo "usage: ports/dash/build.sh configure|make" >&2
    exit 2
    ;;
esac
