# Reading through a shared position: the shell's read takes one line at
# a time, so a child started after it continues where it stopped.
printf 'l1\nl2\nl3\nl4\nl5\n' >f
{ read a; sh -c 'read b; echo "child: $b"'; read c; echo "parent: $a $c"; } <f
{ read a; (read b; echo "subshell: $b"); read c; echo "parent: $a $c"; } <f
exec 4<f
read x <&4; sh -c 'read y <&4; echo "child fd4: $y"'; read z <&4; echo "fd4: $x $z"
exec 4<&-
{ while read l; do echo "loop $l"; [ "$l" = l2 ] && break; done; read rest; echo "after loop: $rest"; } <f
