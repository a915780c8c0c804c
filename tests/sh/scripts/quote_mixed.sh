# Quotes in command substitutions, nested expansions and assignments.
a="$(echo "one  two")"; echo "$a"
b=$(echo 'it'"'"'s'); echo "$b"
c=`echo \`echo nested\``; echo "$c"
d="`echo "bq quotes"`"; echo "$d"
echo "$(echo "$(echo "three levels")")"
e='x"y'; echo "$e" "${e%\"*}"
f="a'b"; echo "$f" "${f#*\'}"
eval 'g="evaluated $a"'; echo "$g"
echo "${unset_var:-'single in double'}"
echo ${unset_var:-"double in plain"}
printf '%s\n' "$(printf '%s' '"')"
