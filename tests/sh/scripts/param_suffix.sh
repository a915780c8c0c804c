# ${x%p} and ${x%%p}: shortest and longest suffix removal.
f=archive.tar.gz
echo "${f%.*} ${f%%.*} ${f%.gz} ${f%%nomatch}"
d=/a/b/c/
echo "${d%/} ${d%/*} ${d%%/*}x"
v=xyyyy
echo "${v%y} ${v%%y} ${v%y*} ${v%%y*} ${v%?} ${v%%?*}"
echo "${v%[xy]} ${v%%[!x]*}"
q='a%b%c'
echo "${q%\%*} ${q%%'%'*}"
pat='*.gz'
echo "${f%$pat} ${f%"$pat"}"
dots=a.b.c.d
while [ "${dots%.*}" != "$dots" ]; do dots=${dots%.*}; echo "$dots"; done
num=007
echo "${num%%[1-9]*}|${num##*0}"
