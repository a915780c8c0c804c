# Quoting and expansion order.
v='a b  c'
echo $v
echo "$v"
echo '$v' "\$v" \$v
echo "tab:	end"
echo 'single "double" inside' "double 'single' inside"
echo "backslash \\ \" \` \$ \a"
echo a\ b\	c
x='*'
echo "$x" '$x'
echo "${v}x ${v%% *}"
set -- "1 2" 3
echo "$@" | { read l; echo "[$l]"; }
printf '[%s]\n' "$@"
printf '[%s]\n' "$*"
IFS=-; printf '[%s]\n' "$*"; unset IFS
printf '[%s]\n' "${1}"x
printf '<%s>\n' ''""'' "" ''
e=; printf '<%s>\n' $e x $e
echo "$(echo '"quoted"')"
echo "${unset_v:-"default with space"}"
echo ~root/x ~/y | { read a b; case $a in */x) echo tilde-user;; esac; }
