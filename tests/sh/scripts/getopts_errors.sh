# getopts errors: an unknown option and a missing argument, with messages
# (normal mode) and without them (a leading ':' in the optstring, or
# OPTERR... which dash does not read).
parse() {
  OPTIND=1
  while getopts "$1" o "$@"; do :; done
}
loud() {
  OPTIND=1
  while getopts ab: o; do echo "o=$o OPTARG=${OPTARG-unset}"; done
}
quiet() {
  OPTIND=1
  while getopts :ab: o; do echo "o=$o OPTARG=${OPTARG-unset}"; done
}
loud -x 2>&1
loud -b 2>&1
quiet -x
quiet -b
quiet -a -z -b
echo "end status: $?"
set -- -a -b arg rest
while getopts ab: opt "$@"; do echo "explicit args: $opt"; done
(getopts) 2>&1; echo "no args: $?"
