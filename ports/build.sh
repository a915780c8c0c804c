#!/usr/bin/env bash
# ports/build.sh NAME: builds the port ports/NAME/ (a C program from a
# Debian source package) with sysroot/bin/capos-cc and installs its
# programs into build/ports/bin/, where the boot manifests take them from
# (`make dash`, `make ports`; docs/ports.md).
#
# Steps: fetch the pinned source if needed (ports/fetch.sh); copy it to
# build/ports/NAME/tree/ and apply ports/NAME/patches/*.patch; run
# `ports/NAME/build.sh configure`, then `ports/NAME/build.sh make`, in the
# tree; copy each program of the recipe's PROGRAMS, stripped, into
# build/ports/bin/.
#
# Cached at two levels, so a second build does nothing and fetches nothing:
#   - the tree is rebuilt from scratch only when what it is made from
#     changed: every file of ports/NAME/ (the recipe, the patches, the
#     port's build.sh, a configuration fragment), the pin, these scripts,
#     the compilers and the sysroot's headers (build.stamp);
#   - when only the sysroot's libraries changed (an edit of the POSIX
#     adapter), the programs are linked again (`build.sh make` after
#     removing them; link.stamp).
# Environment: JOBS (default 2), CC_FOR_BUILD (default gcc).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
die() { echo "ports: $*" >&2; exit 1; }
# shellcheck source=lib.sh
. "$root/ports/lib.sh"

[ $# -eq 1 ] || die "usage: ports/build.sh NAME (a folder of ports/, e.g. dash)"
PROGRAMS=()
port_load "$1"
name=$port_name
[ -x "$port_dir/build.sh" ] || die "ports/$name/build.sh is missing or not executable"
[ ${#PROGRAMS[@]} -gt 0 ] || die "ports/$name/recipe names no PROGRAMS"

JOBS=${JOBS:-2}
case "$JOBS" in ''|*[!0-9]*|0) die "JOBS must be a positive number of build jobs, not '$JOBS'" ;; esac
CC_FOR_BUILD=${CC_FOR_BUILD:-gcc}
sysroot=$root/sysroot
capos_cc=$sysroot/bin/capos-cc
[ -x "$capos_cc" ] || die "no sysroot/bin/capos-cc; run \`make sysroot\` first"
command -v "${CC_FOR_BUILD%% *}" >/dev/null 2>&1 || die "the host compiler '$CC_FOR_BUILD' is not installed"
bindir=$root/build/ports/bin

# What the tree is made from, and what the programs are linked with.
tree_key=$(
  cd "$root"
  # shellcheck disable=SC2046 # file names without white space, one per word
  port_key "vendor/$name.toml" ports/fetch.sh ports/lib.sh ports/build.sh \
    $(find "ports/$name" -type f | LC_ALL=C sort) \
    $(find sysroot/include -type f | LC_ALL=C sort) \
    sysroot/bin/capos-cc sysroot/lib/capos-gcc.specs \
    "text:$("$CC_FOR_BUILD" --version | head -n 1)" "text:JOBS=$JOBS"
)
link_key=$(cd "$root" && port_key sysroot/lib/*.a sysroot/lib/*.o "text:$tree_key")
tree_stamp=$port_work/build.stamp
link_stamp=$port_work/link.stamp

installed() { # every program is in build/ports/bin
  local program
  for program in "${PROGRAMS[@]}"; do
    [ -f "$bindir/${program#*:}" ] || return 1
  done
}
if port_stamp_ok "$tree_stamp" "$tree_key" && port_stamp_ok "$link_stamp" "$link_key" && installed; then
  echo "$name: $UPSTREAM_VERSION is up to date in build/ports/bin"
  exit 0
fi

# The port's build.sh runs in the tree with these.
export CC=$capos_cc CC_FOR_BUILD JOBS
# autoconf knows no capOS; a capOS C program sees musl's Linux x86_64 ABI.
export CAPOS_HOST_TRIPLE=x86_64-pc-linux-musl
export CAPOS_BUILD_TRIPLE=x86_64-pc-linux-gnu
# MAKEFLAGS from an outer make would pull the build into its job server.
unset MAKEFLAGS MFLAGS MAKELEVEL

if port_stamp_ok "$tree_stamp" "$tree_key" && [ -d "$port_work/tree" ]; then
  echo "$name: linking $UPSTREAM_VERSION again (the sysroot's libraries changed)"
  port_tree=$port_work/tree
  for program in "${PROGRAMS[@]}"; do
    rm -f "$port_tree/${program%%:*}"
  done
else
  rm -f "$tree_stamp" "$link_stamp"
  port_fresh_tree
  echo "$name: configuring $UPSTREAM_VERSION with capos-cc"
  (cd "$port_tree" && port_run configure.log "$port_dir/build.sh" configure)
  echo "$tree_key" >"$tree_stamp"
  echo "$name: building $UPSTREAM_VERSION (-j$JOBS)"
fi
rm -f "$link_stamp"
(cd "$port_tree" && port_run build.log "$port_dir/build.sh" make)

mkdir -p "$bindir"
for program in "${PROGRAMS[@]}"; do
  built=$port_tree/${program%%:*}
  [ -f "$built" ] || die "the build left no ${program%%:*} in build/ports/$name/tree"
  strip -o "$bindir/${program#*:}.new" "$built"
  mv -f "$bindir/${program#*:}.new" "$bindir/${program#*:}"
done
echo "$link_key" >"$link_stamp"
echo "$name: installed $(printf '%s ' "${PROGRAMS[@]#*:}")into build/ports/bin"
