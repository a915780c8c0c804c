# set --, shift, shift N, and shift's error.
set -- a b c d e
echo "$# $*"
shift; echo "$# $*"
shift 2; echo "$# $*"
shift 0; echo "$# $*"
(shift 5) 2>&1; echo "shift too far: $?"
set --; echo "empty: $#"
set -- -x -- y
echo "$# $1 $2"
set -- "$@" z; echo "$# $*"
f() { set -- inner; echo "f: $*"; }
f; echo "outer: $*"
set -- 1 2 3
for a; do echo "for: $a"; done
while [ $# -gt 0 ]; do echo "loop $1"; shift; done
