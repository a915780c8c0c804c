# Output redirections: > truncates, >> appends, creation, several on one
# command (the last wins), redirections before the command word.
show() { while IFS= read -r l; do echo "[$l]"; done <"$1"; }
echo one >f; echo two >f; show f
echo three >>f; echo four >>f; show f
>empty; show empty; echo "empty made: $?"
>a >b echo "last wins"; show a; show b
echo "x" >>new_by_append; show new_by_append
2>err echo "stderr file made"; show err
echo cmd-sub >"$(echo named)"; show named
v=dest; echo to-var >$v; show dest
