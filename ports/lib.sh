# ports/lib.sh: what every port's build shares (sourced by ports/build.sh
# and ports/musl/build.sh; docs/ports.md).
#
#   port_load NAME          reads ports/NAME/recipe (DEBIAN_PACKAGE,
#                           DEBIAN_VERSION, DEBIAN_SUITE, UPSTREAM_VERSION
#                           and the port's own variables) and sets
#                           port_dir, port_work (build/ports/NAME) and
#                           port_src (the pristine source ports/fetch.sh
#                           unpacks)
#   port_key ITEM...        a sha256 over files (their contents) and lines
#                           of text (`text:...`): what a stamp is keyed on
#   port_stamp_ok STAMP KEY the stamp holds exactly KEY
#   port_run LOG CMD...     runs a build step with its output in
#                           build/ports/NAME/LOG, shown (tail) on failure
#   port_fresh_tree         fetches if needed and copies the pristine
#                           source to build/ports/NAME/tree/, then applies
#                           ports/NAME/patches/*.patch in name order
#
# The caller defines `die MESSAGE` and sets `root` (the source tree).

port_load() {
  local name=$1
  case "$name" in
    ''|*/*|.*) die "'$name' is not a port name (a folder of ports/)" ;;
  esac
  port_name=$name
  port_dir=$root/ports/$name
  [ -f "$port_dir/recipe" ] || die "no recipe ports/$name/recipe"
  DEBIAN_PACKAGE='' DEBIAN_VERSION='' DEBIAN_SUITE='' UPSTREAM_VERSION=''
  # shellcheck source=/dev/null
  . "$port_dir/recipe"
  [ -n "$UPSTREAM_VERSION" ] || die "ports/$name/recipe does not set UPSTREAM_VERSION"
  port_work=$root/build/ports/$name
  port_src=$root/build/ports/src/$name-$UPSTREAM_VERSION
}

port_key() {
  local item files=() texts=()
  for item in "$@"; do
    case "$item" in
      text:*) texts+=("${item#text:}") ;;
      *) [ -f "$item" ] || die "port_key: no file $item"; files+=("$item") ;;
    esac
  done
  { sha256sum "${files[@]}"; printf '%s\n' "${texts[@]}"; } | sha256sum | cut -d' ' -f1
}

port_stamp_ok() {
  [ -f "$1" ] && [ "$(cat "$1")" = "$2" ]
}

port_run() {
  local log=$1
  shift
  mkdir -p "$port_work"
  if ! "$@" >"$port_work/$log" 2>&1; then
    tail -n 40 "$port_work/$log" >&2
    die "'$*' failed; the whole output is in build/ports/$port_name/$log"
  fi
}

port_fresh_tree() {
  "$root/ports/fetch.sh" "$port_name"
  port_tree=$port_work/tree
  rm -rf "$port_tree"
  mkdir -p "$port_work"
  cp -a "$port_src" "$port_tree"
  rm -f "$port_tree/.capos-fetched"
  local patch
  for patch in "$port_dir"/patches/*.patch; do
    [ -f "$patch" ] || continue
    port_run patch.log patch -d "$port_tree" -p1 --forward --batch -i "$patch"
    echo "$port_name: applied ports/$port_name/patches/${patch##*/}"
  done
}
