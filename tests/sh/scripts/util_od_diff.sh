# busybox od, diff and cmp.
printf 'ABC\001\002\377xyz\n' >bytes
od -c bytes
od -An -tx1 bytes
od -b bytes
od -An -tu1 -N 4 bytes
od -x bytes
od -An -td2 bytes
echo "-- cmp"
printf 'same\n' >s1
printf 'same\n' >s2
printf 'sane\n' >s3
cmp s1 s2; echo "equal: $?"
cmp s1 s3; echo "different: $?"
cmp -s s1 s3; echo "silent: $?"
cmp -l s1 s3
printf 'same\nmore\n' >s4
cmp s1 s4; echo "shorter: $?"
cmp s1 no_such_file; echo "missing: $?"
echo "-- diff"
printf '%s\n' one two three four five >old
printf '%s\n' one TWO three five six >new
diff old new; echo "diff status: $?"
diff old old; echo "same: $?"
diff -u old new | tail -n +3
diff -q old new; echo "brief: $?"
diff -b old old; echo "blank: $?"
printf 'a  b\n' >w1
printf 'a b\n' >w2
diff -w w1 w2; echo "ignore white: $?"
diff old no_such_file; echo "missing: $?"
