# Recursion with results passed through variables and through the exit
# status (deep recursion through nested command substitutions is in
# tests/sh/gaps/subst_recursion.sh).
fact() {
  if [ "$1" -le 1 ]; then result=1; return; fi
  fact $(( $1 - 1 ))
  result=$(( $1 * result ))
}
fact 10; echo "10! = $result"
fact 20; echo "20! = $result"
fib() {
  if [ $1 -lt 2 ]; then return $1; fi
  fib $(( $1 - 1 )); local a=$?
  fib $(( $1 - 2 )); local b=$?
  return $((a + b))
}
fib 10; echo "fib 10 = $?"
depth() { [ $1 -gt 0 ] && depth $(($1 - 1)) || echo "bottom"; }
depth 200
count=0
down() { count=$((count + 1)); [ $1 -eq 0 ] || down $(($1 - 1)); }
down 100; echo "count=$count"
