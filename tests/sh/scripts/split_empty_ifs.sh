# IFS set to the empty string: no splitting at all; "$*" joins without a
# separator.
IFS=
v='a b	c'
set -- $v; echo "$#"
set -- x y z; echo "$*"
for w in $v; do echo "[$w]"; done
read -r a b <<EOT
  one two  
EOT
echo "[$a] [$b]"
unset IFS
set -- x y z; echo "$*"
