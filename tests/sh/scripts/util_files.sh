# busybox file commands: mkdir, touch, cp, mv, rm, rmdir, ls, pwd, cat.
mkdir d1
mkdir -p d2/sub/deeper
mkdir d1 2>/dev/null; echo "mkdir existing: $?"
touch f1 f2
echo content >d1/inside
ls
ls -1 d2
ls -R d2
ls -p
ls -a d1
ls -d d1 d2
echo "-- cp"
cp d1/inside copy
cat copy
cp -r d1 d3
ls d3
cat d3/inside
cp no_such_file x 2>/dev/null; echo "cp missing: $?"
echo "-- mv"
mv copy moved
ls
mv moved d2/sub/
ls d2/sub
mv d3 d4
ls -d d4
echo "-- rm, rmdir"
rm f1
rm f1 2>/dev/null; echo "rm missing: $?"
rm -f f1; echo "rm -f missing: $?"
rmdir d2/sub/deeper
rmdir d2 2>/dev/null; echo "rmdir non-empty: $?"
rm -r d2
ls
echo "-- pwd"
cd d1 && pwd | sed 's|.*/||' && env pwd | sed 's|.*/||'
