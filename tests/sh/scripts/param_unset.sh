# unset of variables and functions, unset -v/-f, and readonly.
a=1 b=2
unset a; echo "a=${a-unset} b=$b"
f() { echo f; }
unset -f f; (f) 2>/dev/null || echo "function gone"
g=var; g() { echo func; }
unset g; echo "g var=${g-unset}"; g
unset -v nope; echo "unset nothing: $?"
readonly r=1
(unset r) 2>&1; echo "unset readonly: $?"
export e=exported; unset e
sh -c 'echo "child sees ${e-nothing}"'
x=1 y=2 z=3; unset x y z; echo "${x-u}${y-u}${z-u}"
