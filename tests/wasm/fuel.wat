;; An endless loop, stopped by --fuel.
(module
  (memory (export "memory") 1)
  (func (export "_start")
    (loop $forever (br $forever))))
