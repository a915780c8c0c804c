# trap: EXIT, signals sent to self, reset, ignore, in subshells.
trap 'echo "exit trap, status $?"' EXIT
trap 'echo caught USR1' USR1
kill -USR1 $$
echo after usr1
trap 'echo caught TERM' TERM
kill -TERM $$
echo after term
trap - USR1
trap '' HUP
kill -HUP $$
echo "HUP ignored"
trap 'echo INT handler; n=$((n + 1))' INT
n=0
kill -INT $$; kill -INT $$
echo "n=$n"
trap | while IFS= read -r l; do echo "listed: $l"; done
sh -c 'trap "echo child trap" EXIT; echo child'
sh -c 'trap "" TERM; kill -TERM $$; echo "child survived TERM"'
sh -c 'kill -USR1 $$; echo unreachable'
echo "child killed by USR1: $?"
exit 3
