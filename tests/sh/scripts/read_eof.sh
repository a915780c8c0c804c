# read at end of input: status 1, a last line without newline is still
# assigned; read from a file in a loop; read -p is not in dash's POSIX
# mode tested here.
printf 'last' | { read v; echo "status $? [$v]"; }
printf '' | { read v; echo "empty status $? [$v]"; }
printf 'a\nb' >f
n=0; while read l || [ -n "$l" ]; do n=$((n + 1)); echo "$n: $l"; done <f
read v </dev/null; echo "dev null: $? [$v]"
exec 3<f; read x <&3; read y <&3; read z <&3; echo "3: $? [$x][$y][$z]"; exec 3<&-
