# while and until: conditions, status, loops reading input.
i=0
while [ $i -lt 3 ]; do echo "while $i"; i=$((i + 1)); done
until [ $i -eq 0 ]; do echo "until $i"; i=$((i - 1)); done
while false; do :; done; echo "never ran: $?"
n=0; while n=$((n + 1)); [ $n -le 2 ]; do echo "multi-cond $n"; done
printf 'a\nb\nc\n' | while read l; do echo "read $l"; done
k=0; while :; do k=$((k + 1)); [ $k -ge 5 ] && break; done; echo "k=$k"
printf '1 2\n3 4\n' >pairs
while read x y; do echo $((x * y)); done <pairs
until false; do echo once; break; done
