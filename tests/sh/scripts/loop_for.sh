# for loops: lists, "$@", globs, empty lists, the variable after the loop.
for i in 1 2 3; do echo "i=$i"; done
for i in; do echo never; done; echo "empty list: $?"
set -- a 'b c'
for i in "$@"; do echo "[$i]"; done
for i do echo "implicit: $i"; done
: >g1; : >g2
for f in g*; do echo "glob $f"; done
for i in x y; do :; done; echo "after: $i"
for i in $(echo 1 2 3); do printf '%s ' "$i"; done; echo
for i in 1 2
do
  for j in a b; do printf '%s%s ' $i $j; done
done; echo
for in in in; do echo "keyword-like $in"; done
for i in 1 2 3; do false; done; echo "status $?"
