# return: from functions, in loops, out of range, the last status; and
# return from a dot script.
f() { for i in 1 2 3; do [ $i = 2 ] && return $i; echo "i=$i"; done; echo no; }
f; echo "f: $?"
g() { false; return; }; g; echo "g: $?"
h() { return 256; }; h; echo "h: $?"
k() { return 255; }; k; echo "k: $?"
n() { while :; do return 7; done; }; n; echo "n: $?"
printf 'echo in dot; return 9; echo not here\n' >dot.sh
. ./dot.sh; echo "dot: $?"
m() { echo $(return 5); echo "m still runs"; }; m
(return 3) 2>/dev/null; echo "return outside function: $?"
