# busybox find and xargs over a tree made here (find's order is the
# directory's, so its output is sorted).
mkdir -p tree/a/b tree/c
echo one >tree/a/one.txt
echo two >tree/a/b/two.txt
echo three >tree/c/three.log
echo four >tree/four.txt
: >tree/c/empty.txt
find tree | sort
echo "-- by name"
find tree -name '*.txt' | sort
echo "-- type"
find tree -type d | sort
find tree -type f | sort
echo "-- depth"
find tree -maxdepth 1 | sort
find tree -mindepth 2 -type f | sort
echo "-- empty, not, or"
find tree -empty | sort
find tree -type f ! -name '*.txt' | sort
find tree \( -name one.txt -o -name four.txt \) | sort
echo "-- size"
find tree -type f -size -1c | sort
echo "-- -exec"
find tree -name '*.log' -exec cat {} \;
find tree -name 'tw*' -exec echo found {} +
echo "-- find | xargs"
find tree -type f -name '*.txt' | sort | xargs cat
find tree -type f | sort | xargs -n 2 echo pair
find tree -type f | sort | xargs wc -c
printf '%s\n' a b c d e | xargs -n 2
printf 'x y\nz\n' | xargs -I {} echo "[{}]"
printf 'p\0q r\0' | xargs -0 -n 1 echo arg
echo "-- xargs exit status"
echo x | xargs false; echo "false via xargs: $?"
echo x | xargs no_such_command_here; echo "missing command via xargs: $?"
find tree -name four.txt -exec no_such_command_here {} \;; echo "missing command via find -exec: $?"
echo "-- remove the tree"
rm -r tree/a
find tree | sort
rm -rf tree
find tree 2>/dev/null; echo "after rm -rf: $?"
