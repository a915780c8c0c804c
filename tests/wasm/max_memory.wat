;; --max-memory 262144 (4 pages): growing to 3 pages works, past 4 returns
;; -1 and leaves the memory as it was.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (if (i32.ne (memory.grow (i32.const 2)) (i32.const 1)) (then (call $proc_exit (i32.const 10))))
    (if (i32.ne (memory.grow (i32.const 2)) (i32.const -1)) (then (call $proc_exit (i32.const 11))))
    (if (i32.ne (memory.size) (i32.const 3)) (then (call $proc_exit (i32.const 12))))
    (if (i32.ne (memory.grow (i32.const 1)) (i32.const 3)) (then (call $proc_exit (i32.const 13))))
    (call $proc_exit (i32.const 0))))
