# Arithmetic errors: division by zero, syntax errors, bad variables; each
# ends the (sub)shell with a message.
( echo $((1 / 0)); echo not reached ) 2>&1; echo "div zero: $?"
( echo $((5 % 0)) ) 2>&1; echo "mod zero: $?"
( echo $((1 +)) ) 2>&1; echo "syntax: $?"
( v=abc; echo $((v + 1)) ) 2>&1; echo "bad value: $?"
( echo $((1 = 2)) ) 2>&1; echo "assign to constant: $?"
sh -c 'echo $((2 / 0))'; echo "child: $?"
x=$((3 / 1)); echo "fine: $x"
