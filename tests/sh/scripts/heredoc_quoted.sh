# Quoted delimiters ('EOF', "EOF", \EOF, partly quoted) keep the body
# literal.
cat_() { while IFS= read -r l; do printf '%s\n' "$l"; done; }
v=value
cat_ <<'E1'
$v $(echo no) `no` $((1+1)) \$ \\
E1
cat_ <<"E2"
$v \
not joined
E2
cat_ <<\E3
$v
E3
cat_ <<E"4"
$v
E4
