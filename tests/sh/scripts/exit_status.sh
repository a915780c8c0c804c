# Exit statuses of commands, sh -c, signals and missing programs.
true; echo "true $?"
false; echo "false $?"
sh -c 'exit 7'; echo "sh exit 7: $?"
sh -c 'exit 255'; echo "sh exit 255: $?"
sh -c 'exit 256'; echo "sh exit 256: $?"
sh -c 'kill -TERM $$'; echo "TERM: $?"
sh -c 'kill -KILL $$'; echo "KILL: $?"
sh -c 'kill -INT $$'; echo "INT: $?"
no_such_command_here 2>/dev/null; echo "missing: $?"
./not_here 2>/dev/null; echo "missing path: $?"
sh -c 'false; true'; echo "last wins: $?"
sh -c ''; echo "empty: $?"
(false); echo "subshell: $?"
f() { return 42; }; f; echo "function: $?"
x=$(false); echo "assignment keeps: $?"
echo "$(sh -c 'exit 9')$?"
sh -c 'echo to stderr >&2; exit 2' 2>&1; echo "with stderr: $?"
sh -c 'no_such_cmd'
echo "inner missing: $?"
sh -c 'syntax error (' 
echo "syntax: $?"
exit 42
