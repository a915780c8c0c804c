# Recursion with return values through stdout and through status.
fact() {
  if [ "$1" -le 1 ]; then echo 1; return; fi
  echo $(( $1 * $(fact $(( $1 - 1 ))) ))
}
fact 10
fib() {
  if [ $1 -lt 2 ]; then return $1; fi
  fib $(( $1 - 1 )); a=$?
  fib $(( $1 - 2 )); b=$?
  return $((a + b))
}
fib 10; echo "fib 10 = $?"
depth() { [ $1 -gt 0 ] && depth $(($1 - 1)) || echo "bottom"; }
depth 200
count=0
down() { count=$((count + 1)); [ $1 -eq 0 ] || down $(($1 - 1)); }
down 100; echo "count=$count"
