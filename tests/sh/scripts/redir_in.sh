# Input redirections: <, <&n, <&-, redirections of compound commands.
show() { while IFS= read -r l; do echo "[$l]"; done; }
printf 'a\nb\nc\n' >f
show <f
read x <f; echo "x=$x"
{ read a; read b; } <f; echo "$a$b"
while read l; do echo "w:$l"; done <f
if read l; then echo "if read $l"; fi <f
for i in 1; do read l; echo "for read $l"; done <f
case x in x) read l; echo "case read $l";; esac <f
exec 3<f; read l <&3; read m <&3; echo "$l$m"; exec 3<&-
read q <&- 2>/dev/null; echo "closed stdin: $?"
