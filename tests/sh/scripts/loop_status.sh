# Exit status of loops, and loops in pipelines and substitutions.
for i in 1; do (exit 3); done; echo "for: $?"
while false; do :; done; echo "while none: $?"
i=0; while [ $i -lt 2 ]; do i=$((i+1)); (exit 4); done; echo "while: $?"
x=$(for i in a b c; do echo $i; done); echo $x
for i in 1 2 3; do echo $i; done | while read n; do echo "got $n"; done
total=0
for i in 1 2 3 4 5 6 7 8 9 10; do total=$((total + i)); done; echo "total=$total"
for i in 3 2 1; do echo $i; done >out; while read n; do echo "file $n"; done <out
