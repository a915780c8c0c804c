# local: dynamic scoping, restoring on return, local without a value.
x=global y=global
f() { local x; x=in-f; y=changed-by-f; g; }
g() { echo "g sees x=$x y=$y"; }
f; echo "after f: x=$x y=$y"
h() { local x=h-local; local z; echo "z=${z-unset}"; x=$x!; echo "$x"; }
h; echo "x=$x z=${z-unset}"
rec() { local n=$1; [ $n -gt 0 ] && rec $((n - 1)); echo "n=$n"; }
rec 3
i() { local IFS=:; set -- a:b; echo "$#"; }
i; set -- a:b; echo "outside: $#"
j() { local -; set -f; echo j*; }; : >jfile; j; echo j*
