# Functions with redirections on the definition, on the call, and
# functions in pipelines.
show() { while IFS= read -r l; do echo "[$l]"; done <"$1"; }
f() { echo "to file"; echo "err" >&2; } >fout 2>&1
f; show fout
g() { echo "g out"; }
g >gout; show gout
h() { read a; read b; echo "$b $a"; }
printf '1\n2\n' | h
up() { while read l; do echo "up:$l"; done; }
printf 'x\ny\n' | up | up
i() { echo "$1"; } 
i piped | { read v; echo "got $v"; }
j() { cat_; } ; cat_() { while read -r l; do echo "$l"; done; }
echo late-bound | j
