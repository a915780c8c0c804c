# Here-documents: unquoted, quoted, <<-, in functions and loops.
name=world
cat_() { while IFS= read -r l; do printf '%s\n' "$l"; done; }
cat_ <<EOT
hello $name
sum $((2 + 3)) and $(echo sub)
\$name stays
EOT
cat_ <<'EOT'
hello $name
$(not run)
EOT
cat_ <<"EOT"
quoted "$name"
EOT
	cat_ <<-EOT
	tabs are stripped
		all leading tabs
	EOT
f() {
  cat_ <<EOF2
in function: $1
EOF2
}
f arg
for i in 1 2; do
  cat_ <<EOT
loop $i
EOT
done
read a b <<EOT
first second third
EOT
echo "$a|$b"
cat_ <<EOT | { read x; echo "piped: $x"; }
through a pipe
EOT
cat_ << EOT1; cat_ << EOT2
one
EOT1
two
EOT2
