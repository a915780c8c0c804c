# Functions: definition forms, positional parameters, $0, status.
f() { echo "f: $# [$*]"; }
g()
{
  echo "g body"
}
h() ( echo "subshell body"; x=inner )
f; f a 'b c'; g; x=outer; h; echo "x=$x"
k() { return 3; }; k; echo "k: $?"
l() { false; }; l; echo "l: $?"
m() { (exit 4); }; m; echo "m: $?"
set -- outer1 outer2
p() { echo "$1"; shift; echo "$1"; }; p in1 in2; echo "$1"
q() { echo "${0##*/}"; }; q
r() { echo "def $1"; }; r() { echo "redef $1"; }; r x
s() if true; then echo "if body"; fi; s
t() for i in 1 2; do echo "for $i"; done; t
u() case $1 in a) echo A;; *) echo other;; esac; u a; u b
