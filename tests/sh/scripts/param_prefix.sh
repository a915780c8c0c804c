# ${x#p} and ${x##p}: shortest and longest prefix removal.
p=/usr/local/share/doc/readme.txt
echo "${p#/}"
echo "${p#*/}"
echo "${p##*/}"
echo "${p#/usr}"
echo "${p#nomatch}"
s=aaaab
echo "${s#a} ${s##a} ${s#a*} ${s##a*} ${s#*a} ${s##*a}"
echo "${s#?} ${s##??} ${s#[ab]} ${s##[!b]*a}"
star='*x*'
echo "${star#\*} ${star#'*'} ${star#"*"}"
pat='a*'
echo "${s#$pat} ${s##$pat} ${s#"$pat"}"
set -- leading-dash -x
echo "${1#leading-} ${2#-}"
e=
echo "[${e#x}] [${unset_v##*}]"
