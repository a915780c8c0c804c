# Pipelines of builtins and functions: each stage in its own process, the
# status of the last one, ! negation.
echo hello | { read w; echo "got $w"; }
printf '3\n1\n2\n' | while read n; do echo $((n * n)); done | while read s; do echo "sq $s"; done
f() { while read l; do echo "<$l>"; done; }
echo a | f | f | f
true | false; echo "true|false: $?"
false | true; echo "false|true: $?"
! true; echo "! true: $?"
! false | false; echo "! ...|false: $?"
echo x | (read y; exit 3); echo "subshell last: $?"
x=outer; echo inner | read x; echo "x=$x"
echo data | { cat_() { while read l; do echo "c:$l"; done; }; cat_; }
