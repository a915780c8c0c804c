# Traps in subshells: caught signals reset to default, ignored ones stay
# ignored; `trap` in a subshell lists the parent's until changed.
trap 'echo parent USR1' USR1
trap '' USR2
( sh -c 'kill -USR1 $PPID'; echo "not reached" ); echo "caught USR1 is default in a subshell: $?"
( sh -c 'kill -USR2 $PPID'; echo "USR2 ignored in subshell" )
( trap ) | while read l; do echo "sub lists: $l"; done
( trap 'echo sub handler' USR1; sh -c 'kill -USR1 $PPID'; echo "sub continues" )
kill -USR1 $$
trap - USR1 USR2
