# tools/private-apt.sh: sourced by ports/fetch.sh and tools/linux-peer.sh.
#
# private_apt DIR TYPE SUITE: an apt of our own under DIR (its sources
# list, lists and cache) for the mirrors the system's apt already uses for
# Debian SUITE main, with lines of TYPE (`deb` or `deb-src`), updated; sets
# the array `apt_options` for further apt-get calls. The system's apt
# configuration and lists are not changed. Logs to DIR/apt.log; calls the
# caller's `die` on failure.
private_apt() {
  local dir=$1 type=$2 suite=$3 mirrors mirror keyring=/usr/share/keyrings/debian-archive-keyring.gpg options=''
  mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial"
  mirrors=$(apt-get indextargets --format '$(REPO_URI)' \
              "Target-Of: deb" "Release: $suite" "Component: main" "Identifier: Packages" | sort -u)
  [ -n "$mirrors" ] || die "the system's apt lists no Debian '$suite' main repository"
  [ -f "$keyring" ] && options="[signed-by=$keyring] "
  for mirror in $mirrors; do
    echo "$type $options$mirror $suite main"
  done >"$dir/sources.list"
  apt_options=(
    -o "Dir::Etc::sourcelist=$dir/sources.list" -o "Dir::Etc::sourceparts=-"
    -o "Dir::State::Lists=$dir/lists" -o "Dir::Cache=$dir/cache"
  )
  # As root apt hands downloads to the `_apt` user, who cannot write here.
  [ "$(id -u)" -eq 0 ] && apt_options+=(-o "APT::Sandbox::User=root")
  apt-get -q "${apt_options[@]}" update >"$dir/apt.log" 2>&1 ||
    { cat "$dir/apt.log" >&2; die "apt-get update of the private $type list failed (no network to Debian's archive?)"; }
}
