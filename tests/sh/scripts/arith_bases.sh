# Numeric constants: decimal, octal, hexadecimal, and invalid ones.
echo $((010)) $((0x10)) $((0X1f)) $((0)) $((00)) $((0777))
o=017; h=0xA; echo $((o)) $((h)) $((o + h))
echo $((9223372036854775807)) $((-9223372036854775807 - 1))
echo $((9223372036854775807 + 1))
( echo $((08)) ) 2>&1; echo "bad octal: $?"
( echo $((0x)) ) 2>&1; echo "bad hex: $?"
( echo $((12abc)) ) 2>&1; echo "bad number: $?"
v=0x20; echo $((v / 2))
