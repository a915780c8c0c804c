# ${x-w} and ${x:-w}: set, empty and unset parameters; the word expanded
# only when used.
set_v=value empty=
unset none
for form in set_v empty none; do
  eval "echo \"$form: [\${$form-word}] [\${$form:-word}]\""
done
n=0
: ${set_v-$((n = n + 1))} ${none-$((n = n + 10))}
echo "word expanded: $n"
echo "${none-"quoted  word"}" ${none-unquoted  word}
echo "${none:-$set_v and more}"
echo "${1-no positional} ${1:-still none}"
set -- "" b
echo "[${1-x}] [${1:-x}] [${2:-x}] [${3-x}]"
echo "${none-~}" | { read t; case $t in '~') echo tilde-literal;; *) echo tilde-expanded;; esac; }
