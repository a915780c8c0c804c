# poll_oneoff on a pipe: the module's poll of stdin waits until the pipe
# has data (or reaches its end), or until its timeout when the data comes
# much later. The margins (1 s against 20 s; 300 ms against 6 s) leave
# room for a slow start of either side.
(sleep 1; echo late) | wasm-host /wasm/poll_stdin.wasm 20000
(sleep 6; echo much later) | wasm-host /wasm/poll_stdin.wasm 300
echo at once | wasm-host /wasm/poll_stdin.wasm 20000
(sleep 1; exec >&-) | wasm-host /wasm/poll_stdin.wasm 20000
# Two modules: the first writes a line, waits, writes another.
wasm-host /wasm/filter.wasm gen 2 | wasm-host /wasm/poll_stdin.wasm 20000
