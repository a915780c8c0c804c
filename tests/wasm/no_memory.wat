;; A module that exports no memory cannot make a WASI call that needs one:
;; the run ends with a host error (status 1).
;; expect: error
(module
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
  (func (export "_start")
    (drop (call $args_sizes_get (i32.const 0) (i32.const 4)))))
