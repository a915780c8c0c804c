# Background jobs: $! is set, wait for one, for all, statuses of each,
# wait for an unknown pid.
sh -c 'exit 3' & p1=$!
sh -c 'exit 4' & p2=$!
[ "$p1" != "$p2" ] && echo "distinct pids"
wait $p2; echo "second: $?"
wait $p1; echo "first: $?"
(exit 6) & wait $!; echo "subshell job: $?"
{ echo "group job"; } & wait
echo "wait all: $?"
f() { return 7; }; f & wait $!; echo "function job: $?"
for i in 1 2 3 4 5; do (exit $i) & done; wait; echo "five jobs: $?"
wait 99999 2>/dev/null; echo "unknown pid: $?"
wait; echo "nothing to wait: $?"
