# Every fd from 3 to 9: open, write, read back, duplicate, close.
show() { while IFS= read -r l; do echo "[$l]"; done <"$1"; }
for n in 3 4 5 6 7 8 9; do eval "exec $n>file$n"; done
for n in 3 4 5 6 7 8 9; do eval "echo fd $n >&$n"; done
for n in 3 4 5 6 7 8 9; do eval "exec $n>&-"; done
for n in 3 4 5 6 7 8 9; do show file$n; done
exec 5<file5 6<&5
read a <&5; echo "5: $a"
read b <&6; echo "6 shares 5: [${b}]"
exec 5<&- 6<&-
echo x >&7; echo "closed 7: $?"
{ echo inner >&8; } 8>file8b; show file8b
(exec 9>file9b; echo sub >&9); show file9b
echo "9 closed again: $(echo y 2>&1 >&9)"
