# read: fields into variables, the rest into the last, missing fields
# empty, backslash escapes and line continuation without -r.
read a b c <<EOT
one two three four five
EOT
echo "[$a][$b][$c]"
read a b c <<EOT
only
EOT
echo "[$a][$b][$c]"
read a <<EOT
   lead and trail   
EOT
echo "[$a]"
read a b <<'EOT'
esc\ aped field\\two
EOT
echo "[$a][$b]"
read a <<'EOT'
first \
second
EOT
echo "[$a]"
read <<EOT 2>/dev/null
no name
EOT
echo "no variable: $? [${REPLY-unset}]"
