# tests/sh/driver.sh: runs scripts of the differential shell suite, one
# after the other, and prints what each did. tests/sh/run.sh runs this same
# driver twice: with the host's dash in a staged copy of the layout below,
# and with capOS's dash inside one `./capos run` boot; the two outputs are
# compared script by script.
#
# Usage (from the root of the layout): sh t/driver.sh NAME...
#   t/scripts/NAME.sh   the scripts
#   tmp/work/NAME/      each script's (empty, writable) working directory
#
# A script runs in its working directory as `sh ../../../t/scripts/NAME.sh`
# (so its $0, which dash puts in error messages, is the same on both
# sides), with stdin from /dev/null. For each script the driver prints a
# begin line, its stdout, its stderr and its exit status. Lines are read
# back with `read`, so the output is text; a last line without a newline
# is marked.
show() {
  while IFS= read -r line; do
    printf '%s\n' "$line"
  done <"$1"
  [ -z "$line" ] || printf '%s[no newline at end]\n' "$line"
}
root=$PWD
for name do
  echo "@@sh-test begin $name"
  cd "$root/tmp/work/$name" || { echo "@@sh-test no directory tmp/work/$name"; continue; }
  sh "../../../t/scripts/$name.sh" </dev/null >../"$name".out 2>../"$name".err
  status=$?
  cd "$root"
  echo "@@sh-test stdout"
  show "tmp/work/$name.out"
  echo "@@sh-test stderr"
  show "tmp/work/$name.err"
  echo "@@sh-test status $status"
  echo "@@sh-test end $name"
done
echo "@@sh-test done"
