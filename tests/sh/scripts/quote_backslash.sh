# Backslash outside quotes: escapes one character; before a newline it
# joins lines.
echo \$v \* \\ \" \' \  end
echo a\
b
echo \a\b\c
echo \# \; \& \| \< \>
e\
cho continued
x=a\ b; echo "$x"
case '*' in \*) echo escaped-star;; esac
echo "x\\y" 'x\\y' x\\y
