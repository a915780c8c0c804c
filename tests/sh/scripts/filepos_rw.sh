# One <> descriptor shared by the shell and its children: reads and
# writes move one position.
show() { while IFS= read -r l; do echo "[$l]"; done <"$1"; }
printf 'aaaa\nbbbb\ncccc\n' >f
exec 3<>f
read l <&3; echo "read $l"
sh -c 'echo XXXX >&3'
read l <&3; echo "read $l"
exec 3>&-
show f
