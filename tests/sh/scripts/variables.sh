# Parameter expansion in its POSIX forms.
a=hello b= unset_one=x
unset unset_one
echo "$a ${a} ${#a}"
echo "[${b:-default}] [${b-default}] [${unset_one-gone}] [${unset_one:-gone}]"
echo "[${a:+set}] [${b:+set}] [${b+set}] [${unset_one+set}]"
echo "${c:=assigned} $c"
path=/usr/local/lib/file.tar.gz
echo "${path#*/} | ${path##*/} | ${path%.*} | ${path%%.*}"
echo "${path#/usr} ${path%gz}"
x=abcabc
echo "${x#a*b} ${x##a*b} ${x%b*c} ${x%%b*c}"
n=5
echo "pos: $# ${#n}"
set -- one "two words" three
echo "$# $1 $2 $3"
for w in "$@"; do echo "[$w]"; done
for w in $*; do echo "<$w>"; done
echo "${10-none}"
readonly r=fixed
echo "$r"
(r=changed) 2>/dev/null || echo "readonly refused"
unset a
echo "a is ${a-unset}"
