# Single quotes: everything literal, including backslashes and newlines.
echo 'a  $HOME `x` $(y) \n \ "'
echo 'multi
line'
echo 'it'\''s' 'a''b' ''
x='$x'; echo "$x"
printf '%s|' 'one' 'two words' '' ; echo
echo '#not a comment' #a comment
echo '\\'
