# Double quotes: $, `, \ and " keep their meaning, the rest is literal.
v=val
echo "$v ${v} $(echo cmd) `echo bq` $((1 + 1))"
echo "\$ \` \" \\ \n \a \x"
echo "a  b   c" "*" "~" "'single'"
echo "line1
line2"
set -- "x y" z
echo "$1" "$#"
echo "${v}"'lit'"${v}"
echo "tab	inside" | { IFS= read -r l; echo "${#l}"; }
echo "$(echo "inner \"quotes\"")"
echo "\
joined"
