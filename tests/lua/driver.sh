# tests/lua/driver.sh: runs scripts of the differential Lua suite, one
# after the other, and prints what each did. tests/lua/run.sh runs this
# same driver twice: with the host's Lua (Debian's lua5.4) in a staged
# copy of the layout below, and with capOS's Lua (/bin/lua, ports/lua/)
# inside one `./capos run` boot; the two outputs are compared script by
# script.
#
# Usage (from the root of the layout): sh t/driver.sh NAME...
#   t/scripts/NAME.lua  the scripts
#   tmp/work/NAME/      each script's (empty, writable) working directory
#
# A script runs in its working directory as `lua ../../../t/scripts/NAME.lua`
# (so the chunk name Lua puts in error messages is the same on both sides),
# with stdin from /dev/null. For each script the driver prints a begin
# line, its stdout, its stderr and its exit status. Lines are read back
# with `read`, so the output is text; a last line without a newline is
# marked.
show() {
  while IFS= read -r line; do
    printf '%s\n' "$line"
  done <"$1"
  [ -z "$line" ] || printf '%s[no newline at end]\n' "$line"
}
root=$PWD
for name do
  echo "@@lua-test begin $name"
  cd "$root/tmp/work/$name" || { echo "@@lua-test no directory tmp/work/$name"; continue; }
  lua "../../../t/scripts/$name.lua" </dev/null >../"$name".out 2>../"$name".err
  status=$?
  cd "$root"
  echo "@@lua-test stdout"
  show "tmp/work/$name.out"
  echo "@@lua-test stderr"
  show "tmp/work/$name.err"
  echo "@@lua-test status $status"
  echo "@@lua-test end $name"
done
echo "@@lua-test done"
