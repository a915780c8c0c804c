#!/usr/bin/env bash
# tests/lua/fetch-suite.sh: puts Lua 5.4.4's own test suite into
# build/lua-suite/testes/ (pinned in vendor/lua-tests.toml: a file of the
# Python package index, downloaded once into build/cache/ and refused
# when its sha256 differs), then applies ports/lua/suite-patches/*.patch
# (each explained at its top). Idempotent; with the file cached it needs
# no network.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
die() { echo "lua-suite: $*" >&2; exit 1; }
pin=$root/vendor/lua-tests.toml
value() { sed -n "s/^$1 *= *\"\([^\"]*\)\".*/\1/p" "$pin" | head -n 1; }
file=$(value file)
url=$(value url)
sum=$(value sha256)
inner=$(value suite)
[ -n "$file" ] && [ -n "$url" ] && [ -n "$sum" ] && [ -n "$inner" ] ||
  die "vendor/lua-tests.toml needs file, url, sha256 and suite"
case "$file" in */*|'') die "vendor/lua-tests.toml: '$file' is not a file name" ;; esac

cache=$root/build/cache
mkdir -p "$cache"
archive=$cache/$file
sum_ok() { [ -f "$archive" ] && [ "$(sha256sum "$archive" | cut -d' ' -f1)" = "$sum" ]; }
if ! sum_ok; then
  echo "lua-suite: downloading $file"
  curl -fsSL --retry 3 -o "$archive.part" "$url" || die "could not download $url"
  mv "$archive.part" "$archive"
  if ! sum_ok; then
    mv -f "$archive" "$archive.rejected"
    die "sha256 of $file is not the one vendor/lua-tests.toml pins (kept as $archive.rejected)"
  fi
fi

out=$root/build/lua-suite
rm -rf "$out"
mkdir -p "$out/unpack"
tar -xzf "$archive" -C "$out/unpack" "$inner"
mv "$out/unpack/$inner" "$out/testes"
rm -rf "$out/unpack"
for p in "$root"/ports/lua/suite-patches/*.patch; do
  [ -f "$p" ] || continue
  patch -s -p1 -d "$out/testes" <"$p" || die "patch ${p#"$root"/} does not apply"
done
