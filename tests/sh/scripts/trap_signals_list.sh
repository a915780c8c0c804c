# Signal names and numbers: trap by number and name, kill -l, and the
# statuses 128+N of children killed by each of several signals.
trap 'echo by number' 10 2>/dev/null
trap >traps; while read l; do echo "$l"; done <traps
trap - 10
kill -l 9; kill -l 15; kill -l 130
for s in HUP INT QUIT KILL USR1 USR2 PIPE ALRM TERM; do
  sh -c "kill -$s \$\$; echo no" 2>/dev/null
  echo "$s -> $?"
done
(kill -l BOGUS) 2>&1; echo "bad name: $?"
