# tests/lib/script-driver.sh: runs the scripts of a one-boot differential
# suite (tests/sh, tests/lua), one after the other, and prints what each
# did. The suite's run.sh copies it to t/driver.sh and runs it twice: with
# the host's interpreter in a staged copy of the layout below, and with
# capOS's inside one `./capos run` boot; tests/lib/one-boot-compare.sh then
# compares the two outputs script by script.
#
# Usage (from the root of the layout): sh t/driver.sh MARKER PROGRAM EXT NAME...
#   t/scripts/NAME.EXT  the scripts, each run as `PROGRAM ../../../t/scripts/NAME.EXT`
#   tmp/work/NAME/      each script's (empty, writable) working directory
#
# A script runs in its working directory by that relative path (so the name
# dash puts in error messages as $0, or Lua as the chunk name, is the same
# on both sides), with stdin from /dev/null. For each script the driver
# prints `@@MARKER begin NAME`, its stdout, its stderr and its exit status.
# Lines are read back with `read`, so the output is text; a last line
# without a newline is marked.
show() {
  while IFS= read -r line; do
    printf '%s\n' "$line"
  done <"$1"
  [ -z "$line" ] || printf '%s[no newline at end]\n' "$line"
}
mark=$1 program=$2 ext=$3
shift 3
root=$PWD
for name do
  echo "@@$mark begin $name"
  cd "$root/tmp/work/$name" || { echo "@@$mark no directory tmp/work/$name"; continue; }
  "$program" "../../../t/scripts/$name.$ext" </dev/null >../"$name".out 2>../"$name".err
  status=$?
  cd "$root"
  echo "@@$mark stdout"
  show "tmp/work/$name.out"
  echo "@@$mark stderr"
  show "tmp/work/$name.err"
  echo "@@$mark status $status"
  echo "@@$mark end $name"
done
echo "@@$mark done"
