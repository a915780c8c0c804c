# exec with redirections only: they stay for the rest of the shell;
# exec >file in a subshell stays there.
show() { while IFS= read -r l; do echo "[$l]"; done <"$1"; }
exec 3>&1
exec >out
echo "goes to out"
echo "also out"
exec >&3 3>&-
show out
exec 2>errs
echo "an error" >&2
exec 2>&1
show errs
exec <out
read first; echo "stdin from file: $first"
exec </dev/null
read none; echo "dev null read: $?"
(exec >sub; echo "sub only"); echo "back"; show sub
exec 4<out; (read l <&4; echo "child reads $l"); exec 4<&-
exec 7>seven; sh -c 'echo "exec child writes" >&7'; exec 7>&-; show seven
