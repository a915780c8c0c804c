# Field splitting with the default IFS (space, tab, newline).
v='  a  b	c
d  '
set -- $v; echo "$#: $*"
set -- "$v"; echo "$#"
printf '[%s]' $v; echo
e=; s=' '
set -- $e; echo "empty: $#"
set -- $s; echo "blank: $#"
set -- $e x $s y; echo "mixed: $#"
set -- x$e y; echo "joined: $#"
set -- $(printf 'l1\nl2 w\n\n'); echo "cmd: $# $*"
set -- $((1 + 2)) ; echo "arith: $#"
