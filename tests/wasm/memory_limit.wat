;; memory.grow: returns the old size, and -1 past the declared maximum.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1 4)
  (func (export "_start")
    (if (i32.ne (memory.grow (i32.const 2)) (i32.const 1)) (then (call $proc_exit (i32.const 10))))
    (if (i32.ne (memory.size) (i32.const 3)) (then (call $proc_exit (i32.const 11))))
    (i32.store (i32.const 196604) (i32.const 42))
    (if (i32.ne (memory.grow (i32.const 2)) (i32.const -1)) (then (call $proc_exit (i32.const 12))))
    (if (i32.ne (i32.load (i32.const 196604)) (i32.const 42)) (then (call $proc_exit (i32.const 13))))
    (call $proc_exit (i32.const 0))))
