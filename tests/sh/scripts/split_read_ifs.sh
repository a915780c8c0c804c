# IFS in read: the last variable takes the rest; leading and trailing IFS
# whitespace is dropped, other delimiters are kept.
IFS=: read a b c <<EOT
1:2:3:4:5
EOT
echo "[$a][$b][$c]"
IFS=: read a b <<EOT
only
EOT
echo "[$a][$b]"
IFS=' :' read a b c <<EOT
  x : y :z  
EOT
echo "[$a][$b][$c]"
IFS=: read a b c <<EOT
:::
EOT
echo "[$a][$b][$c]"
IFS=: read a <<EOT
 keep : spaces 
EOT
echo "[$a]"
case $IFS in " 	
"|?*) echo "IFS back to the default";; esac
unset IFS
read a b <<EOT
	tab	separated	words
EOT
echo "[$a][$b]"
