# INT and TERM: handlers, ignoring, default actions, sent by kill to the
# shell itself and to child shells.
trap 'echo got INT' INT
kill -INT $$; echo "after INT"
trap 'echo got TERM; t=1' TERM
kill -TERM $$; echo "after TERM t=$t"
trap - INT TERM
sh -c 'trap "echo child INT; exit 3" INT; kill -INT $$; echo no'; echo "child INT: $?"
sh -c 'trap "echo child TERM" TERM; kill -TERM $$; echo "child goes on"'; echo "$?"
sh -c 'kill -TERM $$; echo no'; echo "default TERM: $?"
sh -c 'kill -INT $$; echo no'; echo "default INT: $?"
sh -c 'trap "" INT; kill -INT $$; echo "INT ignored"'; echo "$?"
sh -c 'trap "" TERM; sh -c "kill -TERM \$\$; echo grandchild ignores too"'; echo "$?"
sh -c 'trap "echo int; exit 1" INT; trap "echo exit" EXIT; kill -INT $$'; echo "INT then EXIT: $?"
sh -c 'trap "echo a" INT TERM; trap'
