# Functions: arguments, return, recursion, scope.
greet() { echo "hello $1 ($# args)"; }
greet world extra
sum() {
  local total=0
  for n; do total=$((total + n)); done
  echo $total
}
sum 1 2 3 4
fact() {
  if [ "$1" -le 1 ]; then echo 1; return; fi
  echo $(( $1 * $(fact $(( $1 - 1 ))) ))
}
# (Shallow: every level is a nested $(...), a fork of a fork, and capOS
# gives a forked child a quarter of its parent's free memory, so nesting
# five deep runs out; docs/roadmap.md.)
fact 4
ret() { return "$1"; }
ret 3; echo "returned $?"
ret 0; echo "returned $?"
g=global
scope() { local g=local; echo "inside $g"; inner; }
inner() { echo "inner sees $g"; }
scope
echo "outside $g"
args() { echo "$0 is kept"; shift; echo "$@"; }
args a b c 2>&1 | { read first rest; echo "${first##*/} $rest"; read line; echo "$line"; }
set -- outer
f() { echo "in f: $1"; }
f inner
echo "after f: $1"
fib() { [ $1 -lt 2 ] && { echo $1; return; }; echo $(( $(fib $(($1-1))) + $(fib $(($1-2))) )); }
fib 4
loop_fib() { a=0 b=1 i=0; while [ $i -lt $1 ]; do t=$((a + b)); a=$b; b=$t; i=$((i + 1)); done; echo $a; }
loop_fib 40
unset -f greet
greet 2>/dev/null || echo "greet is gone: $?"
