# busybox sed: substitutions, addresses, in-place edits, hold space.
printf '%s\n' "alpha beta" "gamma delta" "alpha omega" "# comment" "" "last line" >in
sed 's/alpha/ALPHA/' in
echo "-- global, numbered, case"
echo "aaa bbb aaa" | sed 's/a/x/g'
echo "aaa bbb aaa" | sed 's/a/x/2'
echo "-- delete, print, quit"
sed '/^#/d; /^$/d' in
sed -n '2p' in
sed -n '/alpha/p' in
sed '3q' in
echo "-- ranges and line numbers"
sed -n '2,4p' in
sed -n '$=' in
echo "-- groups and back-references"
echo "2024-02-29" | sed 's/\([0-9]*\)-\([0-9]*\)-\([0-9]*\)/\3.\2.\1/'
echo "hello world" | sed -E 's/(\w+) (\w+)/\2 \1/'
echo "-- append, insert, change"
printf '%s\n' one two three | sed '2a\
after two'
printf '%s\n' one two three | sed '2i\
before two'
printf '%s\n' one two three | sed '2c\
changed'
echo "-- y and hold space (tac)"
echo "abc" | sed 'y/abc/xyz/'
printf '%s\n' 1 2 3 4 | sed -n '1!G;h;$p'
echo "-- in place"
cp in edited
sed -i 's/gamma/GAMMA/; /omega/d' edited
cat edited
echo "-- multiple expressions and a script file"
echo 's/beta/BETA/' >script.sed
sed -e 's/delta/DELTA/' -f script.sed in
echo "-- missing file"
sed p no_such_file; echo "status $?"
