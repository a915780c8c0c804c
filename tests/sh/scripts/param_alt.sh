# ${x+w} and ${x:+w}.
v=value empty=
unset none
echo "[${v+alt}] [${v:+alt}] [${empty+alt}] [${empty:+alt}] [${none+alt}] [${none:+alt}]"
set -- a "" 
echo "[${1+one}] [${2+two}] [${2:+two}] [${3+three}]"
args() { echo "$#"; }
args ${none+x y z} ${v+x y z} "${v+x y z}"
opt=${v:+--flag=$v}
echo "$opt"
echo ${#v} ${none:+$(echo never run >&2)}
