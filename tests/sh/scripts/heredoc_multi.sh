# Two here-documents on one command line, here-documents to other fds,
# in functions, loops and pipelines.
both() { while read l; do echo "0: $l"; done; while read l <&3; do echo "3: $l"; done; }
both <<A 3<<B
from a
A
from b
B
f() {
  while read w; do echo "f: $w"; done <<X
$1
second
X
}
f first
for i in 1 2; do
  read v <<L
loop $i
L
  echo "$v"
done
while read l; do echo "piped $l"; done <<E | while read m; do echo "[$m]"; done
one
two
E
