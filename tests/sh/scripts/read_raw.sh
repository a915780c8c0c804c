# read -r keeps backslashes; -r with IFS= keeps the line whole.
read -r a <<'EOT'
a\b\\c\
EOT
echo "[$a]"
IFS= read -r a <<'EOT'
  \t spaces\   
EOT
echo "[$a]"
read -r a b <<'EOT'
x\ y z
EOT
echo "[$a][$b]"
while IFS= read -r line; do printf '%s|\n' "$line"; done <<'EOT'
 a\
	b
EOT
printf 'one\\\ntwo\n' | { read -r x; read -r y; echo "[$x][$y]"; }
printf 'one\\\ntwo\n' | { read x; echo "[$x]"; }
