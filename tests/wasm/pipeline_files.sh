# wasm modules with redirections to and from files in the current
# directory, /dev/null, appends and 2>&1 (stdout and stderr sharing one
# open file).
wasm-host /wasm/filter.wasm gen 3 > out.txt
echo "gen status $?"
while read -r line; do echo "file: $line"; done < out.txt
wasm-host /wasm/filter.wasm upper < out.txt > upper.txt 2> err.txt
echo "upper status $?"
while read -r line; do echo "upper: $line"; done < upper.txt
while read -r line; do echo "err: $line"; done < err.txt
wasm-host /wasm/filter.wasm gen 2 >> out.txt 2>&1
wasm-host /wasm/filter.wasm count < out.txt
wasm-host /wasm/filter.wasm gen 2 > both.txt 2>&1
wasm-host /wasm/filter.wasm upper < both.txt
wasm-host /wasm/filter.wasm gen 100 > /dev/null
echo "null status $?"
wasm-host /wasm/filter.wasm count < /dev/null
{ echo before; wasm-host /wasm/filter.wasm gen 1; echo after; } > group.txt 2>/dev/null
wasm-host /wasm/filter.wasm upper < group.txt
exec 3> fd3.txt
wasm-host /wasm/filter.wasm gen 1 >&3
exec 3>&-
wasm-host /wasm/filter.wasm count < fd3.txt
