#!/usr/bin/env bash
# ports/lua/build.sh configure|make: Lua's own build, run by ports/build.sh
# in the prepared tree (build/ports/lua/tree) with CC (capos-cc), JOBS and
# the autoconf triples in the environment.
#
# Debian's build-system patch (debian/patches/0001, applied by
# dpkg-source) turns src/Makefile into a libtool build of a shared
# liblua5.4.so and a C++ twin of every object, neither of which capOS has
# (no shared libraries, no C++ sysroot). So this script compiles what
# that Makefile would, with the same flags, directly: the core and the
# standard libraries (CORE_O, LIB_O of src/Makefile) and lua.c, linked
# statically into src/lua. The flags are Debian's (`-std=gnu99 -Wall
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
    cd src
    # The object lists of Debian's src/Makefile (so a new file upstream is
    # picked up, and a removed one is not compiled).
    objs() { sed -n "s/^$1=[[:space:]]*//p" Makefile; }
    core=$(objs CORE_O) libs=$(objs LIB_O)
    [ -n "$core" ] && [ -n "$libs" ] || { echo "no CORE_O/LIB_O in src/Makefile" >&2; exit 1; }
    cflags=(-std=gnu99 -O2 -Wall -Wextra -DLUA_COMPAT_5_3 -DLUA_USE_POSIX)
    compile() { # OBJECT
      local extra=()
      case "$1" in llex.o|lparser.o|lcode.o) extra=(-Os) ;; esac
      [ -f "$1" ] || $CC "${cflags[@]}" "${extra[@]}" -c "${1%.o}.c" -o "$1"
    }
    export -f compile
    export CC
    export cflags_str="${cflags[*]}"
    # shellcheck disable=SC2086 # the object lists are words
    printf '%s\n' $core $libs lua.o |
      xargs -P "$JOBS" -I{} bash -c 'cflags=($cflags_str); compile "$1"' _ {}
    # shellcheck disable=SC2086
    [ -f lua ] || $CC -o lua lua.o $core $libs -lm
    ;;
  *)
    echo "usage: ports/lua/build.sh configure|make" >&2
    exit 2
    ;;
esac
