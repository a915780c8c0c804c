# <> opens for reading and writing without truncating; the position is
# shared by reads and writes on the fd.
show() { while IFS= read -r l; do echo "[$l]"; done <"$1"; }
printf 'line1\nline2\nline3\n' >f
exec 3<>f
read a <&3; echo "read: $a"
echo NEW! >&3
read b <&3; echo "read after write: $b"
exec 3>&-
show f
echo created 1<>fresh; show fresh
exec 4<>rw2; echo abc >&4; exec 4>&-; show rw2
{ read x; echo "X$x"; } <>f >/dev/null; show f
