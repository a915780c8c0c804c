# EXIT traps: on normal end, on exit N, on errors, in subshells, the
# status seen by the trap and kept after it, exit inside the trap.
sh -c 'trap "echo bye" EXIT; echo body'; echo "status $?"
sh -c 'trap "echo bye \$?" EXIT; exit 5'; echo "status $?"
sh -c 'trap "echo bye \$?" 0; false'; echo "status $?"
sh -c 'trap "echo in trap; exit 9" EXIT; exit 1'; echo "trap exit: $?"
sh -c 'trap "echo err-exit" EXIT; echo ${x?unset}' 2>/dev/null; echo "error exit: $?"
sh -c 'trap "echo outer" EXIT; (trap "echo inner" EXIT; echo sub); echo after'; echo "$?"
sh -c 'trap "echo outer" EXIT; (echo "subshell does not run the trap")'
sh -c 'trap "echo set" EXIT; trap - EXIT; echo cleared'
sh -c 'f() { trap "echo from f" EXIT; }; f; echo returned'
sh -c 'trap "echo \"exit trap for \$1\"" EXIT; echo main' sh arg1
v=$(trap 'echo trapped-in-subst' EXIT; echo x); echo "[$v]"
