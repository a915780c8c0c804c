# read with IFS and -r; field splitting.
read a b c <<EOT
  one   two three four  
EOT
echo "[$a][$b][$c]"
IFS=: read x y z <<EOT
a:b:c:d
EOT
echo "[$x][$y][$z]"
read -r raw <<'EOT'
back\slash \t kept
EOT
echo "$raw"
read cooked <<'EOT'
back\slash joined\
next line
EOT
echo "$cooked"
IFS=, read -r p q <<EOT
,leading empty
EOT
echo "[$p][$q]"
line="a  b	c"
set -- $line; echo "$# fields"
IFS=:; set -- a:b::c; echo "$# colon fields"; unset IFS
IFS=' :'; v="x : y"; set -- $v; echo "$# mixed: $1 $2"; unset IFS
v='  spaced  '; echo "[$v]" [$v]
e=""; set -- $e; echo "empty gives $#"
set -- "$e"; echo "quoted empty gives $#"
IFS= read -r whole <<EOT
   keep   spaces   
EOT
echo "[$whole]"
read -r last <<EOT
EOT
echo "eof status $? [$last]"
printf 'no newline' | { read v; echo "status $? v=$v"; }
