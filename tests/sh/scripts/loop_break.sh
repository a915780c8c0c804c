# break and break N out of nested loops, in while, for and until.
for i in 1 2 3; do
  for j in a b c; do
    [ $j = b ] && break
    echo "$i$j"
  done
done
for i in 1 2 3; do
  for j in a b c; do
    [ $i$j = 2b ] && break 2
    echo "$i$j"
  done
done
echo "after break 2: $i$j"
for i in 1; do for j in 2; do for k in 3; do echo $i$j$k; break 3; done; echo no; done; echo no; done
n=0; while :; do until false; do n=$((n + 1)); break 2; done; done; echo "n=$n"
for i in 1 2; do for j in 1 2; do break 10; done; done; echo "break 10: $i$j"
(for i in 1 2; do break 0; done) 2>&1; echo "break 0: $?"
