# Pipelines of several stages, and pipelines in substitutions, lists and
# loops (ten stages and more: tests/sh/gaps/pipe_wide.sh).
inc() { read n; echo $((n + 1)); }
echo 0 | inc | inc | inc | inc | inc
v=$(echo 5 | inc | inc); echo "v=$v"
echo a | { read x; echo "$x"; } && echo b | { read y; echo "and $y"; }
false | true && echo "status of last decides"
for i in 1 2 3; do echo $i | inc; done
echo "$(echo q | { read l; echo "[$l]"; })"
( echo sub | inc ) 2>/dev/null; echo "inc of text: $?"
