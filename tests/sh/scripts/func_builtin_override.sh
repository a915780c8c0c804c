# A function may take the name of a regular builtin; `command` reaches the
# builtin; special builtins win over functions.
echo() { command echo "wrapped: $*"; }
echo hi
unset -f echo
echo plain
cd() { command cd "$@" && command echo "cd'd"; }
cd .
unset -f cd
true() { return 1; }
true; command echo "function true: $?"
command true; command echo "command true: $?"
unset -f true
type=keyword
f() { :; }; command -v f
