# Special parameters: $# $@ $* $? $- $0 (by its last part) and $10+.
echo "$#"
set -- a 'b c' '' d
echo "$#"
printf '<%s>' "$@"; echo
printf '<%s>' $@; echo
printf '<%s>' "$*"; echo
printf '<%s>' $*; echo
false; echo "status $?"; true; echo "status $?"
(exit 42); echo "status $?"
case $- in *f*) echo has-f;; *) echo no-f;; esac
set -f; case $- in *f*) echo has-f;; esac; set +f
echo "${0##*/}"
set -- 1 2 3 4 5 6 7 8 9 ten eleven
echo "$10 ${10} ${11}"
shift 9; echo "$# $1"
f() { echo "in f: $# [$1] ${0##*/}"; }
f x y
echo "after f: $#"
[ "$$" -gt 0 ] && echo "pid is a number"
sh -c 'echo "$0 $1 $#"' zero one two
