# Assignments are not field-split or globbed; arguments are.
: >aa; : >ab
v=*; echo "$v"
w=$v; echo "$w"
x="a    b"; y=$x; echo "$y"
set -- $y; echo "$#"
z=a*; echo $z "$z"
list="1 2 3"; n=0
for i in $list; do n=$((n + 1)); done; echo "$n"
for i in "$list"; do echo "[$i]"; done
HOME=/home/user; t=~; echo "$t"; t=~/x:~; echo "$t"
