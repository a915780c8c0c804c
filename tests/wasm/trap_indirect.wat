;; call_indirect with the wrong signature, and to a null slot: the first traps.
(module
  (memory (export "memory") 1)
  (type $ret_i32 (func (result i32)))
  (type $noargs (func))
  (table 2 funcref)
  (elem (i32.const 0) $f)
  (func $f)
  (func (export "_start")
    (drop (call_indirect (type $ret_i32) (i32.const 0)))))
