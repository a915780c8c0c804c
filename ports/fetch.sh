#!/usr/bin/env bash
# ports/fetch.sh NAME: fetches the Debian source package a port's recipe
# names (ports/NAME/recipe) and unpacks it into build/ports/src/NAME-VERSION/.
#
# Every downloaded file must have the sha256 pinned in vendor/NAME.toml;
# on a mismatch nothing is unpacked and the exit status is 1. The download
# goes through `apt-get source` with a private deb-src list and private apt
# state under build/ports/apt/ (the mirrors are the ones the system's apt
# already uses for the recipe's suite); the system's apt configuration is
# not changed. Idempotent: when the unpacked source of exactly the pinned
# files is present, it does nothing (and needs no network).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
die() { echo "fetch: $*" >&2; exit 1; }

[ $# -eq 1 ] || die "usage: ports/fetch.sh NAME (a folder of ports/ with a recipe, e.g. musl)"
name=$1
case "$name" in
  ''|*/*|.*) die "'$name' is not a port name (a folder of ports/)" ;;
esac
recipe=$root/ports/$name/recipe
pin=$root/vendor/$name.toml
[ -f "$recipe" ] || die "no recipe ports/$name/recipe"
[ -f "$pin" ] || die "no pin vendor/$name.toml for port $name"

DEBIAN_PACKAGE='' DEBIAN_VERSION='' DEBIAN_SUITE='' UPSTREAM_VERSION=''
# shellcheck source=/dev/null
. "$recipe"
for var in DEBIAN_PACKAGE DEBIAN_VERSION DEBIAN_SUITE UPSTREAM_VERSION; do
  [ -n "${!var}" ] || die "ports/$name/recipe does not set $var"
done

# The pin: `key = "value"` lines of [source], and name/sha256 pairs of the
# [[file]] tables, in order.
pin_value() { sed -n "s/^$1 *= *\"\([^\"]*\)\".*/\1/p" "$pin" | head -n 1; }
[ "$(pin_value package)" = "$DEBIAN_PACKAGE" ] ||
  die "vendor/$name.toml pins package '$(pin_value package)', the recipe names '$DEBIAN_PACKAGE'"
[ "$(pin_value version)" = "$DEBIAN_VERSION" ] ||
  die "vendor/$name.toml pins version '$(pin_value version)', the recipe names '$DEBIAN_VERSION'"
mapfile -t pinned_names < <(sed -n 's/^name *= *"\([^"]*\)".*/\1/p' "$pin")
mapfile -t pinned_sums < <(sed -n 's/^sha256 *= *"\([0-9a-f]\{64\}\)".*/\1/p' "$pin")
[ ${#pinned_names[@]} -gt 0 ] || die "vendor/$name.toml pins no [[file]]"
[ ${#pinned_names[@]} -eq ${#pinned_sums[@]} ] ||
  die "vendor/$name.toml: every [[file]] needs a name and a 64-hex-digit sha256"
dsc=''
for file in "${pinned_names[@]}"; do
  case "$file" in
    */*|'') die "vendor/$name.toml: '$file' is not a file name" ;;
    *.dsc) dsc=$file ;;
  esac
done
[ -n "$dsc" ] || die "vendor/$name.toml pins no .dsc file"

dest=$root/build/ports/src/$name-$UPSTREAM_VERSION
marker=$dest/.capos-fetched
expected=$(for i in "${!pinned_names[@]}"; do echo "${pinned_sums[$i]}  ${pinned_names[$i]}"; done)
if [ -f "$marker" ] && [ "$(cat "$marker")" = "$expected" ]; then
  echo "fetch: $DEBIAN_PACKAGE $DEBIAN_VERSION is in build/ports/src/$name-$UPSTREAM_VERSION"
  exit 0
fi

for tool in apt-get dpkg-source sha256sum; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is missing (make setup installs it)"
done

downloads=$root/build/ports/downloads/$name
mkdir -p "$downloads"
sum_ok() { # FILE SHA256: the file is there and has that checksum
  [ -f "$downloads/$1" ] && [ "$(sha256sum "$downloads/$1" | cut -d' ' -f1)" = "$2" ]
}
need_download=no
for i in "${!pinned_names[@]}"; do
  sum_ok "${pinned_names[$i]}" "${pinned_sums[$i]}" || need_download=yes
done

if [ "$need_download" = yes ]; then
  # A private deb-src list for the mirrors the system's apt uses for the
  # recipe's suite, and apt state of our own (tools/private-apt.sh).
  # shellcheck source=../tools/private-apt.sh
  . "$root/tools/private-apt.sh"
  echo "fetch: downloading $DEBIAN_PACKAGE $DEBIAN_VERSION (Debian $DEBIAN_SUITE source package)"
  private_apt "$root/build/ports/apt" deb-src "$DEBIAN_SUITE"
  log=$root/build/ports/apt/fetch.log
  (cd "$downloads" && apt-get -q "${apt_options[@]}" source --download-only "$DEBIAN_PACKAGE=$DEBIAN_VERSION") >"$log" 2>&1 ||
    { tail -n 20 "$log" >&2; die "apt-get source $DEBIAN_PACKAGE=$DEBIAN_VERSION failed (is that version still in $DEBIAN_SUITE?)"; }
fi

bad=0
for i in "${!pinned_names[@]}"; do
  file=${pinned_names[$i]}
  if [ ! -f "$downloads/$file" ]; then
    echo "fetch: $file was not downloaded" >&2
    bad=1
  elif ! sum_ok "$file" "${pinned_sums[$i]}"; then
    echo "fetch: sha256 of $file is $(sha256sum "$downloads/$file" | cut -d' ' -f1)," \
         "vendor/$name.toml pins ${pinned_sums[$i]}" >&2
    mv -f "$downloads/$file" "$downloads/$file.rejected"
    bad=1
  fi
done
[ $bad -eq 0 ] || die "refusing $DEBIAN_PACKAGE $DEBIAN_VERSION: its files do not match the pin (set aside as *.rejected in build/ports/downloads/$name/)"

# Unpack the way Debian does (dpkg-source also checks the .dsc's own
# checksums), into a temporary folder first so a failure leaves no half tree.
tmp=$dest.tmp
rm -rf "$tmp"
mkdir -p "$(dirname "$dest")"
log=$root/build/ports/src/$name.unpack.log
dpkg-source --no-copy -x "$downloads/$dsc" "$tmp" >"$log" 2>&1 ||
  { cat "$log" >&2; die "dpkg-source could not unpack $dsc"; }
echo "$expected" >"$tmp/.capos-fetched"
rm -rf "$dest"
mv "$tmp" "$dest"
echo "fetch: $DEBIAN_PACKAGE $DEBIAN_VERSION unpacked into build/ports/src/$name-$UPSTREAM_VERSION"
