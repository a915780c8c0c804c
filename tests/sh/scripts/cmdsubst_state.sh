# $(...) and `...` run in a subshell: assignments, cd, exit inside do not
# leak; the status of the last one is the assignment's status.
x=1
y=$(x=2; echo $x); echo "x=$x y=$y"
z=$(cd ..; echo moved); [ -e .keep ] && echo "cwd kept, $z"
w=$(exit 3); echo "status $?"
w=$(false) || echo "false substitution"
w=`exit 4`; echo "backquote status $?"
echo "$(echo a; exit 0; echo b)"
f() { counter=$((counter + 1)); echo $counter; }
counter=0; r=$(f); echo "r=$r counter=$counter"
echo "$(set -- p q r; echo $#) $#"
v=$(trap 'echo in-sub-trap' EXIT; echo body); echo "[$v]"
v=$(echo err >&2; echo out) 2>/dev/null; echo "[$v]"
