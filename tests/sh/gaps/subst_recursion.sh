# GAP (capOS differs; kept out of the suite, run by name:
# tests/sh/run.sh subst_recursion): command substitutions nested ten
# deep, each a fork of a fork. capOS's fork carves the child's memory
# limit out of the parent's (the copy plus a quarter of the rest,
# kernel/src/fork.rs), so each level gets a quarter of the room of the
# one before and dash's fifth nested fork fails with "Cannot fork".
fact() {
  if [ "$1" -le 1 ]; then echo 1; return; fi
  echo $(( $1 * $(fact $(( $1 - 1 ))) ))
}
fact 10
nest() { if [ $1 -gt 0 ]; then echo "$1 $(nest $(($1 - 1)))"; else echo bottom; fi; }
nest 12
