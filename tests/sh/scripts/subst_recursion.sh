# Command substitutions nested ten deep, each a fork of a fork (capOS
# failed the fifth while each fork carved a quarter of its parent's
# memory limit; forks now share their family's limit, kernel/src/fork.rs).
fact() {
  if [ "$1" -le 1 ]; then echo 1; return; fi
  echo $(( $1 * $(fact $(( $1 - 1 ))) ))
}
fact 10
nest() { if [ $1 -gt 0 ]; then echo "$1 $(nest $(($1 - 1)))"; else echo bottom; fi; }
nest 12
