# Subshells and command substitution: state stays inside.
x=1
(x=2; echo "inside $x"; cd /)
echo "outside $x"
dir=$(pwd)
(cd ..; echo "sub cwd changed")
[ "$(pwd)" = "$dir" ] && echo "cwd kept"
y=$(x=3; echo $x)
echo "y=$y x=$x"
echo "nested: $(echo "a $(echo "b $(echo c)")")"
echo "backquotes: `echo old style`"
echo "status: $(exit 5; echo no)"; s=$(exit 6); echo "sub status $?"
(exit 7); echo "subshell status $?"
f() { echo "from f"; }
echo "$(f)"
v=$(printf 'trailing\n\n\n'); echo "[$v]"
(set -- a b; echo "$# in sub"); echo "$# outside"
( trap 'echo sub exit trap' EXIT; echo body )
(umask 077; echo sub umask $(umask)); echo "umask $(umask)"
( ( ( echo deep ) ) )
echo $( ( echo paren ) )
lines=$(printf '%s\n' a b c)
echo "$lines"
export EXPORTED=yes
NOT_EXPORTED=no
sh -c 'echo "child: ${EXPORTED-unset} ${NOT_EXPORTED-unset}"'
VAR=temp sh -c 'echo "prefix: $VAR"'
echo "after prefix: ${VAR-unset}"
