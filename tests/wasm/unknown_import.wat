;; An import no WASI host provides: linking fails before anything runs.
;; expect: error
(module
  (import "env" "no_such_function" (func $f))
  (memory (export "memory") 1)
  (func (export "_start") (call $f)))
