# Assignment operators inside $((...)) and variables named without $.
x=5
echo $((x = 7)) $x
echo $((x += 3)) $((x -= 2)) $((x *= 4)) $((x /= 3)) $((x %= 5))
y=1
echo $((y <<= 4)) $((y >>= 1)) $((y |= 3)) $((y &= 10)) $((y ^= 15))
i=0
while [ $i -lt 5 ]; do i=$((i + 1)); done; echo "i=$i"
: $((j = 2)) $((k = j * 3)); echo "j=$j k=$k"
n=0; echo $((n += 1)),$((n += 1)),$((n += 1)); echo "n=$n"
ref=x; x=9; echo $(($ref + 1)); (echo $((ref))) 2>&1; echo "name holding a name: $?"
(z=$((z = 3, 4))) 2>/dev/null; echo "comma status $?"
