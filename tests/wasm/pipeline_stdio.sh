# wasm modules and dash builtins in pipelines: wasm-host's stdio is what
# the shell made of fds 0-2 (pipes both ways, several wasm stages).
wasm-host /wasm/filter.wasm gen 4 | while read -r line; do echo "read: $line"; done
printf 'one\ntwo\nthree\n' | wasm-host /wasm/filter.wasm upper
wasm-host /wasm/filter.wasm gen 5 | wasm-host /wasm/filter.wasm upper | wasm-host /wasm/filter.wasm count
# stdout and stderr of one stage into one pipe (2>&1): the module's
# stdout is a pipe, so its C library buffers it as on the host.
wasm-host /wasm/filter.wasm gen 3 2>/dev/null | wasm-host /wasm/filter.wasm upper raw 2>&1 | while read -r l; do echo "merged: $l"; done
x=$(wasm-host /wasm/filter.wasm gen 2 2>&1)
echo "captured ${#x} characters"
echo "last line: ${x##*
}"
wasm-host /wasm/filter.wasm fail 3 | wasm-host /wasm/filter.wasm count
echo "pipeline status $?"
wasm-host /wasm/filter.wasm fail 5
echo "status $?"
wasm-host /wasm/exit_42.wasm
echo "exit_42 status $?"
# wasm, busybox and wasm again (busybox's applets inside capOS, the host's
# sort and head on the host).
export LC_ALL=C
wasm-host /wasm/filter.wasm gen 12 2>/dev/null | sort -r | head -n 4 | wasm-host /wasm/filter.wasm upper 2>/dev/null
wasm-host /wasm/filter.wasm gen 6 2>/dev/null | sort | wasm-host /wasm/filter.wasm count 2>/dev/null
