# set -f in its places: arguments, for lists, assignments' later use,
# case (patterns still match), and a child shell started with -f.
: >fa; : >fb
set -f
echo f*
for x in f*; do echo "for $x"; done
v=f?; set -- $v; echo "$# $1"
case fa in f*) echo "case still matches";; esac
[ -n "$(echo f*)" ] && echo "$(echo f*)"
set +f
echo f*
sh -f -c 'echo f*; set +f; echo f*'
