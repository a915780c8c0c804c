# Shared file positions: a subshell and a child write through the same fd.
show() { while IFS= read -r l; do echo "[$l]"; done <"$1"; }
{ echo a; (echo b); echo c; } >f
show f
{ echo 1; sh -c 'echo 2'; echo 3; } >g
show g
{ read x; sh -c 'read y; echo "child read $y"'; read z; echo "$x $z"; } <f
exec 3>h
echo first >&3
(echo second >&3)
sh -c 'echo third >&3'
exec 3>&-
show h
echo append >>h
show h
