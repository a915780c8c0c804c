# Forms of command substitution: nesting, trailing newlines, quoting,
# backslashes in backquotes, substitutions with case and here-documents.
echo "$(echo "$(echo "$(echo deep)")")"
echo `echo \`echo old nested\``
v=$(printf 'a\n\n\n'); echo "[$v]"
v=$(printf '\n\na'); echo "[$v]"
v=$(printf ''); echo "[$v]"
echo "$(case x in x) echo case-in-subst;; esac)"
echo $(case y in (y) echo paren-case;; esac)
v=$(while read l; do echo "h:$l"; done <<EOF2
one
EOF2
); echo "$v"
echo `echo '\$HOME'` "`echo "\\\\"`"
echo $(echo '$(not run)')
echo "$( echo ')' )"
echo $((  $(echo 3) + $(echo 4) ))
