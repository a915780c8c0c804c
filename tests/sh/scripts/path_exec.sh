# PATH search, exec, and programs run by name.
command -v sh >/dev/null && echo "sh is on PATH"
(PATH=/nonexistent; sh -c 'echo no'; echo "without PATH: $?")
(exec sh -c 'echo "exec replaced the subshell"; exit 6'); echo "exec status $?"
dash -c 'echo "dash by name, \$0=$0"' zero
only_here=1 dash -c 'echo "prefix assignment reaches the child: ${only_here-no}"'
echo "and stays out of the shell: ${only_here-unset}"
sh -c 'exec 3>&1; sh -c "echo through fd 3 >&3"'
(exec 2>/dev/null; no_such_program); echo "exec'd redirection: $?"
exec sh -c 'echo "the script ends in exec"; exit 9'
echo not reached
