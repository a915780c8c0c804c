# Pipelines of builtins, functions and sh; their statuses.
cat_() { while IFS= read -r l; do printf '%s\n' "$l"; done; }
upper() { while read -r l; do case $l in a*) echo "A${l#a}";; *) echo "$l";; esac; done; }
printf 'apple\nbanana\navocado\n' | upper | cat_
echo one | { read x; echo "got $x"; }
echo piped | sh -c 'read y; echo "sh read $y"'
printf '%s\n' 3 1 2 | while read n; do echo $((n * n)); done
true | false; echo "status $?"
false | true; echo "status $?"
! true | false; echo "negated $?"
sh -c 'exit 3' | sh -c 'exit 4'; echo "last $?"
x=outer; echo inner | read x; echo "x=$x"
n=0; printf 'a\nb\nc\n' | while read l; do n=$((n + 1)); done; echo "n=$n"
count() { c=0; while read l; do c=$((c + 1)); done; echo "$c lines"; }
i=0; while [ $i -lt 200 ]; do echo "line $i"; i=$((i + 1)); done | count
echo a | sh -c 'read v; echo "$v b"' | sh -c 'read v; echo "$v c"' | cat_
{ echo err >&2; echo out; } 2>&1 | cat_
echo "$(echo in | cat_)"
