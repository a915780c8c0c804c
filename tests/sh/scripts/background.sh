# Background jobs: $!, wait, kill, statuses. dash reports a job killed
# by a signal ("Terminated") only when `wait` itself reaps it, and a
# SIGCHLD arriving before `wait` starts decides that: a race, so those
# waits send stderr away.
{ while :; do :; done; } &
pid=$!
kill $pid
wait $pid 2>/dev/null
echo "killed TERM: $?"
{ while :; do :; done; } &
pid=$!
kill -KILL $pid
wait $pid 2>/dev/null
echo "killed KILL: $?"
# (Not SIGINT: a background job of a non-interactive shell ignores it
# once it has started, so whether it ends is a race.)
sh -c 'exit 5' &
wait $!
echo "exit 5: $?"
sh -c 'exit 1' & a=$!
sh -c 'exit 2' & b=$!
wait $b; echo "b $?"
wait $a; echo "a $?"
(echo "background output") &
wait
echo "wait all: $?"
for i in 1 2 3; do (exit $i) & done
wait
echo "all done"
kill -0 $$ && echo "self exists"
sh -c 'kill -0 $PPID' && echo "child sees parent"
