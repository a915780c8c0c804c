# ${x?w} and ${x:?w}: the message on stderr and the shell's exit status.
v=ok empty=
unset none
echo "${v?not shown} ${v:?not shown}"
echo "[${empty?not shown}]"
( echo "${empty:?empty is an error}"; echo not reached )
echo "status $?"
( echo "${none?custom message}"; echo not reached )
echo "status $?"
( echo "${none?}"; echo not reached )
echo "status $?"
( : "${none:?}" )
echo "status $?"
( set -- a; echo "${1:?} ${2?second missing}" )
echo "status $?"
sh -c 'echo "${x:?from a child}"; echo no'
echo "child status $?"
