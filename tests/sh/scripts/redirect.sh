# Redirections: >, >>, <, 2>&1, <>, >|, fds 3-9, exec.
show() { while IFS= read -r l; do echo "[$l]"; done <"$1"; }
echo one >f
echo two >>f
show f
{ echo out; echo err >&2; } >both 2>&1
show both
{ echo out; echo err >&2; } 2>/dev/null
echo hidden >/dev/null
exec 3>fd3
echo "via three" >&3
echo "again" >&3
exec 3>&-
show fd3
exec 4<f
read line <&4; echo "fd4: $line"
read line <&4; echo "fd4: $line"
exec 4<&-
echo abcdef >rw
exec 5<>rw
read -r x <&5
echo "rw read: $x"
exec 5>&-
set -C
echo clobber >f 2>/dev/null || echo "noclobber refused"
echo forced >|f
set +C
show f
echo "to stderr" 1>&2 2>err_file
echo "swap" 3>&1 1>&2 2>&3 3>&- 2>/dev/null
exec 6>six 7>seven 8>eight 9>nine
echo 6 >&6; echo 7 >&7; echo 8 >&8; echo 9 >&9
exec 6>&- 7>&- 8>&- 9>&-
for n in six seven eight nine; do show $n; done
cat_() { while IFS= read -r l; do printf '%s\n' "$l"; done; }
cat_ <f >g
show g
echo missing < no_such_file
echo "after missing: $?"
( exec >sub_out; echo "subshell exec" )
show sub_out
echo >&9
echo "bad fd: $?"
