# $! follows the last background job, not foreground commands; a
# background job's output and stdin (/dev/null for a non-interactive
# shell).
echo "unset before: ${!:-none}"
: & a=$!
true; [ "$!" = "$a" ] && echo "foreground keeps \$!"
: & b=$!
[ "$a" != "$b" ] && echo "new job new \$!"
wait
{ read x; echo "bg read status $? [$x]"; } & wait $!
echo "out of order" >o & wait; while read l; do echo "[$l]"; done <o
sh -c '[ "$PPID" = "$1" ] && echo "the job'"'"'s PPID is the shell"' sh $$ & wait
