# kill of a background job: its status 128+N from wait, kill -0, signals
# by name and number, killing a job that already ended.
sh -c 'while :; do :; done' & p=$!
kill -0 $p && echo "alive"
kill -TERM $p; wait $p 2>/dev/null; echo "TERM: $?"
sh -c 'while :; do :; done' & p=$!
kill -9 $p; wait $p 2>/dev/null; echo "KILL: $?"
sh -c 'while :; do :; done' & p=$!
kill -s HUP $p; wait $p 2>/dev/null; echo "HUP: $?"
sh -c 'trap "exit 42" TERM; : >ready; while :; do :; done' & p=$!
until [ -e ready ]; do :; done
kill $p; wait $p; echo "trapped TERM: $?"
(exit 0) & p=$!; wait $p
kill $p 2>/dev/null; echo "kill ended job: $?"
kill -0 $p 2>/dev/null; echo "kill -0 ended: $?"
(kill -BOGUS $$) 2>&1; echo "bad signal: $?"
