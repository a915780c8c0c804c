# Which expansions are split: unquoted $v, $(...), $((...)) are; quoted
# ones, assignments and case words are not.
v='1 2'
a=$v; set -- $a; echo "$#"
c=$(echo 'x y'); set -- $c; echo "$#"
case $v in "1 2") echo "case word unsplit";; esac
set -- $(echo 'p q') "$(echo 'p q')"; echo "$#"
IFS=0; set -- $((100 + 1)); echo "$#: $*"; unset IFS
for i in $v "$v"; do echo "[$i]"; done
f() { echo "$#"; }
f $v; f "$v"; f ${v}; f "${v}"x
