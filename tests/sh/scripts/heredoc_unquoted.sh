# Unquoted here-documents: parameter, command and arithmetic expansion,
# backslash escapes of $ ` \ and newline; no splitting or globbing.
v=value
cat_() { while IFS= read -r l; do printf '%s\n' "$l"; done; }
cat_ <<EOF2
plain $v ${v}s $(echo cmd) `echo bq` $((2 * 3))
escaped \$v \`x\` \\ and \n \t kept
star * and "double" 'single' stay
line \
joined
  leading spaces kept
EOF2
cat_ <<END
END
echo "empty status $?"
x=$(cat_ <<E
in a substitution $v
E
); echo "$x"
