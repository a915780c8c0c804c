# ${x=w} and ${x:=w}: assignment to unset or empty variables, and the
# error for positional parameters.
unset a b
empty=
echo "[${a=first}] a=$a"
echo "[${a=second}] a=$a"
echo "[${empty=no}] [${empty:=yes}] empty=$empty"
echo "[${b:=$a-$empty}] b=$b"
: ${c:=colon-command}
echo "c=$c"
(echo "${1=x}") 2>&1
echo "positional assign: $?"
(: ${9:=y}) 2>&1
echo "status $?"
unset d
echo ${d=one two three} | { read x y z; echo "$z $y $x"; }
echo "d=[$d]"
