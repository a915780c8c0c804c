# <<- strips leading tabs from the body and the delimiter line, not
# spaces.
cat_() { while IFS= read -r l; do printf '%s\n' "$l"; done; }
v=x
cat_ <<-END
	tab stripped $v
		two tabs stripped
    spaces kept
	 tab then space
	END
cat_ <<-'Q'
	quoted $v
		Q
if true; then
	cat_ <<-IN
		indented in a block
	IN
fi
