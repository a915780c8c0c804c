# Shared file position: a group, subshells, child shells and background
# jobs writing through one open file description append in order.
show() { while IFS= read -r l; do echo "[$l]"; done <"$1"; }
{ echo a; (echo b); echo c; } >f; show f
{ echo 1; (echo 2; (echo 3)); sh -c 'echo 4'; echo 5; } >g; show g
{ echo first; (echo bg) & wait; echo last; } >h; show h
exec 3>k; echo x >&3; (echo y >&3); sh -c 'echo z >&3'; echo w >&3; exec 3>&-; show k
{ echo one; } >m; { echo two; } >>m; (echo three) >>m; show m
