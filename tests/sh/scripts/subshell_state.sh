# State changed in a subshell stays there: variables, functions, cwd,
# options, traps, positional parameters, umask, aliases.
v=out; f() { echo outer f; }
( v=in; f() { echo inner f; }; f; set -f; set -- a b; umask 077; alias q='echo q' )
echo "v=$v"; f
case $- in *f*) echo "noglob leaked";; *) echo "options kept";; esac
echo "positional: $#"
echo "umask $(umask)"
alias q 2>/dev/null || echo "alias did not leak"
(trap 'echo sub trap' EXIT; exit 0)
trap
(cd ..); [ -e .keep ] && echo "cwd kept"
(exit 9); echo "status $?"
( (exit 8) ); echo "nested $?"
(unset v); echo "unset in sub: $v"
(readonly v); v=still-writable; echo "$v"
(export v); sh -c 'echo "child: ${v-not exported}"'
