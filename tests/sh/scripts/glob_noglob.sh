# set -f turns pathname expansion off; set +f back on.
: >f1; : >f2
echo f*
set -f
echo f*
v=f?; echo $v
set -- f*; echo "$# $1"
set +f
echo $v
sh -fc 'echo f*'
sh -c 'set -o noglob; echo f*; set +o noglob; echo f*'
