;; A module without `_start`: nothing can run.
;; expect: error
(module
  (memory (export "memory") 1)
  (func (export "main")))
