;; random_get into a buffer that wraps around the end of the address
;; space: the run ends with a host error (status 1).
;; expect: error
(module
  (import "wasi_snapshot_preview1" "random_get" (func $random_get (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (drop (call $random_get (i32.const -16) (i32.const 32)))))
