;; Hostile pointers: an iovec array past the end of memory ends the run
;; with a host error (status 1), as wasmtime ends it; nothing is written.
;; expect: error
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (drop (call $fd_write (i32.const 1) (i32.const 65532) (i32.const 1) (i32.const 8)))))
