# ${#x}: lengths of values, positionals, special parameters.
a=hello empty= sp="  two  spaces "
unset none
echo "${#a} ${#empty} ${#sp} ${#none}"
set -- one two three four five six seven eight nine ten eleven
echo "$# ${#1} ${#11} ${#10}"
echo "${#}"
x=$(printf 'a\tb')
echo "${#x}"
n=12345; echo "${#n}"
long=abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz
long=$long$long$long$long
echo "${#long}"
(set -u; echo "${#none}") 2>&1
echo "status $?"
