#!/usr/bin/env bash
# ports/busybox/build.sh configure|make: busybox's own build, run by
# ports/build.sh in the prepared tree (build/ports/busybox/tree) with CC
# (capos-cc), CC_FOR_BUILD (the host's gcc), JOBS and the autoconf triples
# in the environment.
#
# configure writes .config from Debian's own configuration
# (debian/config/pkg/deb, the one of the host's `busybox` package the
# differential tests compare with): every applet it enables is turned off,
# then the options of ports/busybox/applets.config are set, and
# `make oldconfig` settles the result. So the applets are exactly the ones
# named there, and every other option (their FEATURE_* settings, long
# options, Unicode, ...) is Debian's. Then every option of applets.config
# is checked in .config (a misspelt or impossible one stops the build), and
# so is the list of applets (an option that selects an applet not named
# would add it).
#
# make builds busybox with capos-cc; busybox's host programs (kconfig,
# the applet table generators) are built with CC_FOR_BUILD and run on the
# host, as busybox's own Makefile does for any cross build.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
fragment=$here/applets.config
debian=debian/config/pkg/deb

make_bb() {
  make HOSTCC="$CC_FOR_BUILD" CC="$CC" KCONFIG_NOTIMESTAMP=1 "$@"
}

# `NAME VALUE` lines of a kconfig file: VALUE is `n` for "is not set".
options() {
  sed -n -e 's/^# CONFIG_\([A-Za-z0-9_]*\) is not set$/\1 n/p' \
         -e 's/^CONFIG_\([A-Za-z0-9_]*\)=\(.*\)$/\1 \2/p' "$1"
}

configure() {
  [ -f "$debian" ] || { echo "busybox: no $debian in the tree" >&2; exit 1; }
  local applets name value bad=0
  # The applets' option names: NAME of the IF_NAME(...) opening each
  # //applet: line of the source.
  applets=$(grep -rh '^//applet:' --include='*.c' . |
              sed -n 's|^//applet: *IF_\([A-Z0-9_]*\)(.*|\1|p' | sort -u)
  declare -A is_applet fixed_value
  for name in $applets; do is_applet[$name]=1; done
  while read -r name value; do fixed_value[$name]=$value; done < <(options "$fragment")
  {
    while read -r name value; do
      if [ -n "${fixed_value[$name]+set}" ]; then
        value=${fixed_value[$name]}
      elif [ -n "${is_applet[$name]:-}" ]; then
        value=n
      fi
      if [ "$value" = n ]; then echo "# CONFIG_$name is not set"; else echo "CONFIG_$name=$value"; fi
    done < <(options "$debian")
    # Options of the fragment Debian's configuration does not list.
    for name in "${!fixed_value[@]}"; do
      grep -q "^CONFIG_$name=\|^# CONFIG_$name is not set" "$debian" && continue
      value=${fixed_value[$name]}
      if [ "$value" = n ]; then echo "# CONFIG_$name is not set"; else echo "CONFIG_$name=$value"; fi
    done
  } >.capos-config.in
  cp .capos-config.in .config
  { yes "" || true; } | make_bb oldconfig >.capos-oldconfig.log
  declare -A result
  while read -r name value; do result[$name]=$value; done < <(options .config)
  # Every option of the fragment holds in the result.
  for name in "${!fixed_value[@]}"; do
    if [ "${result[$name]:-unset}" != "${fixed_value[$name]}" ]; then
      echo "busybox: applets.config sets CONFIG_$name=${fixed_value[$name]}," \
           "but .config has ${result[$name]:-no such option}" >&2
      bad=1
    fi
  done
  # No applet the fragment does not name.
  for name in "${!result[@]}"; do
    if [ "${result[$name]}" != n ] && [ -n "${is_applet[$name]:-}" ] && [ -z "${fixed_value[$name]+set}" ]; then
      echo "busybox: .config turns on the applet CONFIG_$name, which applets.config does not name" >&2
      bad=1
    fi
  done
  [ $bad -eq 0 ] || exit 1
  echo "busybox: $(grep -c '^CONFIG_' "$fragment") options of applets.config, $(grep -c '=y$' .config) options on"
}

case "${1:-}" in
  configure)
    configure
    ;;
  make)
    # The link step: busybox is a copy of busybox_unstripped, which make
    # relinks only when an object changed, not when the sysroot's
    # libraries did (ports/build.sh removes `busybox` for a new link).
    rm -f busybox_unstripped
    make_bb -j"$JOBS" busybox
    ;;
  *)
    echo "usage: ports/busybox/build.sh configure|make" >&2
    exit 2
    ;;
esac
