#!/usr/bin/env bash
# tools/linux-peer.sh: fetches the Linux peer of `make bench` (Debian
# binary packages pinned in vendor/linux-peer.toml) into build/linux-peer/
# without installing anything on the host:
#
#   build/linux-peer/downloads/*.deb   what `apt-get download` fetched
#   build/linux-peer/vmlinux           the kernel (from the kernel package's
#                                      vmlinuz), uncompressed: an ELF with
#                                      a PVH entry note, which QEMU boots
#                                      directly like capOS's kernel
#   build/linux-peer/pkg/NAME/         each other package, `dpkg-deb -x`
#
# Every .deb must have the pinned sha256; on a mismatch it is set aside as
# *.rejected and nothing is unpacked (exit status 1). The download uses a
# private sources list and apt state under build/linux-peer/apt/ (the
# mirrors are those the system's apt uses for bookworm main); the system's
# apt configuration is not changed. Idempotent: when the unpacked files of
# exactly the pinned packages are present it does nothing and needs no
# network. The initramfs is made by capos-bench (bench/src/cpio.rs).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
die() { echo "linux-peer: $*" >&2; exit 1; }
pin=$root/vendor/linux-peer.toml
out=$root/build/linux-peer
SUITE=bookworm
[ -f "$pin" ] || die "no pin vendor/linux-peer.toml"

mapfile -t names < <(sed -n 's/^name *= *"\([^"]*\)".*/\1/p' "$pin")
mapfile -t versions < <(sed -n 's/^version *= *"\([^"]*\)".*/\1/p' "$pin")
mapfile -t files < <(sed -n 's/^file *= *"\([^"]*\)".*/\1/p' "$pin")
mapfile -t sums < <(sed -n 's/^sha256 *= *"\([0-9a-f]\{64\}\)".*/\1/p' "$pin")
count=${#names[@]}
[ "$count" -gt 0 ] || die "vendor/linux-peer.toml pins no [[package]]"
[ ${#versions[@]} -eq "$count" ] && [ ${#files[@]} -eq "$count" ] && [ ${#sums[@]} -eq "$count" ] ||
  die "vendor/linux-peer.toml: every [[package]] needs name, version, file and a 64-hex-digit sha256"
for file in "${files[@]}"; do
  case "$file" in */*|'') die "vendor/linux-peer.toml: '$file' is not a file name" ;; esac
done

marker=$out/.capos-fetched
expected=$(for i in "${!names[@]}"; do echo "${sums[$i]}  ${files[$i]}"; done)
if [ -f "$marker" ] && [ "$(cat "$marker")" = "$expected" ] && [ -f "$out/vmlinux" ]; then
  exit 0
fi

for tool in apt-get dpkg-deb sha256sum tar xz grep; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is missing (make setup installs it)"
done

downloads=$out/downloads
mkdir -p "$downloads"
sum_ok() { # FILE SHA256: the file is there and has that checksum
  [ -f "$downloads/$1" ] && [ "$(sha256sum "$downloads/$1" | cut -d' ' -f1)" = "$2" ]
}
wanted=()
for i in "${!names[@]}"; do
  sum_ok "${files[$i]}" "${sums[$i]}" || wanted+=("${names[$i]}=${versions[$i]}")
done

if [ ${#wanted[@]} -gt 0 ]; then
  # shellcheck source=private-apt.sh
  . "$root/tools/private-apt.sh"
  echo "linux-peer: downloading ${wanted[*]} (Debian $SUITE)"
  private_apt "$out/apt" deb "$SUITE"
  log=$out/apt/download.log
  (cd "$downloads" && apt-get -q "${apt_options[@]}" download "${wanted[@]}") >"$log" 2>&1 ||
    { tail -n 20 "$log" >&2; die "apt-get download failed (is the pinned version still in $SUITE? see vendor/linux-peer.toml)"; }
fi

bad=0
for i in "${!names[@]}"; do
  file=${files[$i]}
  if [ ! -f "$downloads/$file" ]; then
    echo "linux-peer: $file was not downloaded" >&2
    bad=1
  elif ! sum_ok "$file" "${sums[$i]}"; then
    echo "linux-peer: sha256 of $file is $(sha256sum "$downloads/$file" | cut -d' ' -f1)," \
         "vendor/linux-peer.toml pins ${sums[$i]}" >&2
    mv -f "$downloads/$file" "$downloads/$file.rejected"
    bad=1
  fi
done
[ $bad -eq 0 ] || die "refusing the Linux peer: its packages do not match the pin"

# Unpack into a temporary folder first so a failure leaves no half tree.
# The kernel package holds 400 MB of modules the peer does not load (its
# initramfs needs none): only /boot/vmlinuz-* is taken from it, and the
# xz stream inside that bzImage is uncompressed to the vmlinux ELF
# (what the kernel's scripts/extract-vmlinux does). Booting the bzImage
# instead costs about 25 s of decompression under TCG before Linux's
# first line, which no capOS boot pays.
tmp=$out/unpack.tmp
rm -rf "$tmp"
mkdir -p "$tmp/pkg"
for i in "${!names[@]}"; do
  deb=$downloads/${files[$i]}
  case "${names[$i]}" in
    linux-image-*)
      dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" --wildcards './boot/vmlinuz-*'
      offset=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$tmp"/boot/vmlinuz-* | head -n 1 | cut -d: -f1)
      [ -n "$offset" ] || die "no xz stream in the kernel's vmlinuz"
      tail -c +$((offset + 1)) "$tmp"/boot/vmlinuz-* >"$tmp/payload.xz"
      xz -dc --single-stream "$tmp/payload.xz" >"$tmp/vmlinux" ||
        die "could not uncompress the kernel's vmlinuz"
      rm -rf "$tmp/boot" "$tmp/payload.xz"
      [ "$(head -c 4 "$tmp/vmlinux" | od -An -tx1 | tr -d ' ')" = 7f454c46 ] ||
        die "the kernel uncompressed from vmlinuz is not an ELF"
      ;;
    *) dpkg-deb -x "$deb" "$tmp/pkg/${names[$i]}" ;;
  esac
done
[ -f "$tmp/vmlinux" ] || die "vendor/linux-peer.toml pins no linux-image-* package"
rm -rf "$out/pkg" "$out/vmlinux" "$out/vmlinuz"
mv "$tmp/pkg" "$out/pkg"
mv "$tmp/vmlinux" "$out/vmlinux"
rm -rf "$tmp"
echo "$expected" >"$marker"
echo "linux-peer: ${names[*]} unpacked into build/linux-peer/"
