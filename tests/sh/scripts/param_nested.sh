# Expansions inside expansions, and quoting of the words.
unset a b
c=deep
echo "${a:-${b:-$c}}"
echo "${a-${b-"${c}er"}}"
x=/path/to/file.txt
base=${x##*/}; echo "${base%.*}"
echo "${x%/${base}}"
v="a b"
set -- ${a:-$v}; echo "$#"
set -- "${a:-$v}"; echo "$#"
set -- ${a:-"$v"}; echo "$#"
e='$c'
echo "${a:-$e}" "${a:-'$c'}" "${a:-\$c}"
echo "${a:-$(echo cmd)}" "${a:-$((2 * 21))}"
w=word
echo "${w:+${w}s ${w}y}"
echo "${#x}-${x#${x%/*}}"
