# continue and continue N.
for i in 1 2 3 4; do
  [ $i = 2 ] && continue
  echo "i=$i"
done
for i in 1 2 3; do
  for j in a b c; do
    [ $j = b ] && continue 2
    echo "$i$j"
  done
  echo never
done
i=0
while [ $i -lt 5 ]; do
  i=$((i + 1))
  case $i in 2|4) continue;; esac
  echo "while $i"
done
for a in x y; do for b in 1 2; do for c in p q; do [ $c = q ] && continue 3; echo $a$b$c; done; done; done
for i in 1 2; do continue 9; echo no; done; echo "continue 9: $i"
