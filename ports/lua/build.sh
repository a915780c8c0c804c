#!/usr/bin/env bash
# ports/lua/build.sh configure|make: Lua's own build, run by ports/build.sh
# in the prepared tree (build/ports/lua/tree) with CC (capos-cc), JOBS and
# the autoconf triples in the environment.
#
# Debian's build-system patch (debian/patches/0001, applied by
# dpkg-source) turns src/Makefile into a libtool build of a shared
# liblua5.4.so and a C++ twin of every object, neither of which capOS has
# (no shared libraries, no C++ sysroot). So this script builds what that
# Makefile would, with the same flags, through a small makefile of its own
# (src/capos.mk): the core and the standard libraries (CORE_O, LIB_O of
# src/Makefile) and lua.c, linked statically into src/lua. The flags are Debian's (`-std=gnu99 -Wall
# -Wextra -DLUA_COMPAT_5_3`, -O2, llex/lparser/lcode with -Os) with
# `-DLUA_USE_POSIX` (the makefile's `posix` platform) in place of Debian's
# `linux-readline`: capOS has no dlopen and no readline, so `require` of a
# C module is "dynamic libraries not enabled" and the interactive prompt
# reads plain lines, as a `make posix` Lua does.
set -euo pipefail

case "${1:-}" in
  configure)
    # Debian's luaconf.h patch (0002, module paths) includes this header,
    # which debian/rules writes from DEB_HOST_MULTIARCH; ours names the
    # multiarch of the musl ABI capOS programs have.
    {
      echo "#ifndef _LUA_DEB_MULTIARCH_"
      echo "#define _LUA_DEB_MULTIARCH_"
      echo "#define DEB_HOST_MULTIARCH \"x86_64-linux-musl\""
      echo "#endif"
    } >src/lua5.4-deb-multiarch.h
    ;;
  make)
    # The object lists of Debian's src/Makefile (so a new file upstream is
    # picked up, and a removed one is not compiled), built by a makefile
    # of our own next to it (the relink after an adapter edit remakes only
    # src/lua).
    objs() { sed -n "s/^$1=[[:space:]]*//p" src/Makefile; }
    core=$(objs CORE_O) libs=$(objs LIB_O)
    [ -n "$core" ] && [ -n "$libs" ] || { echo "no CORE_O/LIB_O in src/Makefile" >&2; exit 1; }
    cat >src/capos.mk <<MAKEFILE
OBJS = $core $libs lua.o
CFLAGS = -std=gnu99 -O2 -Wall -Wextra -DLUA_COMPAT_5_3 -DLUA_USE_POSIX
lua: \$(OBJS)
	\$(CC) -o \$@ \$(OBJS) -lm
llex.o lparser.o lcode.o: EXTRA = -Os
%.o: %.c
	\$(CC) \$(CFLAGS) \$(EXTRA) -c \$< -o \$@
MAKEFILE
    make -C src -f capos.mk -j"$JOBS" CC="$CC" lua
    ;;
  *)
    echo "usage: ports/lua/build.sh configure|make" >&2
    exit 2
    ;;
esac
