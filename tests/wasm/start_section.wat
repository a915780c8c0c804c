;; A start function runs before `_start`, and its proc_exit is the status.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "in the start function\n")
  (func $init
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 22))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (call $proc_exit (i32.const 5)))
  (start $init)
  (func (export "_start") unreachable))
