# eval with syntax errors (the shell exits, shown in children and
# subshells), eval inside functions and with redirections.
sh -c 'eval "if then"; echo no' 2>&1; echo "syntax: $?"
(eval 'case') 2>&1; echo "subshell: $?"
f() { eval "echo in f \$1"; }; f arg
eval 'echo to-stderr >&2' 2>/dev/null; echo "redirected eval: $?"
eval 'exit 5' & wait $!; echo "exit in eval: $?"
sh -c 'eval "x=1; unset x; echo \${x-gone}"'
