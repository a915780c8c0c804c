# Duplication: 2>&1 and >&2 orders, 1>&- closes, n>&m copies the current
# target.
show() { while IFS= read -r l; do echo "[$l]"; done <"$1"; }
err() { echo "E"; echo "e" >&2; }
err >f 2>&1; show f
err 2>&1 >g; show g
err 2>/dev/null
{ err 2>&1 1>&3 | while read l; do echo "pipe got $l"; done; } 3>&1
err 3>&1 1>&2 2>&3 2>/dev/null
echo to-two 1>&2 2>/dev/null
echo closed >&- 2>/dev/null; echo "write to closed: $?"
exec 3>h; echo via3 1>&3; exec 3>&-; show h
err >both 2>>both; show both
