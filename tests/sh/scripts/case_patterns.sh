# case: alternatives, globs, brackets, quoted and variable patterns, the
# first match wins, no match leaves status 0.
for w in apple banana cherry 'a*' '' x1 X 'two words' -opt; do
  case $w in
    apple|cherry) echo "$w: fruit list" ;;
    b*) echo "$w: starts with b" ;;
    'a*') echo "$w: literal a-star" ;;
    '') echo "empty" ;;
    [a-z][0-9]) echo "$w: letter digit" ;;
    [!a-z]) echo "$w: not lowercase" ;;
    *' '*) echo "$w: has a space" ;;
    -*) echo "$w: option" ;;
  esac
done
p='b*'
case banana in $p) echo "unquoted variable is a pattern";; esac
case banana in "$p") echo no;; *) echo "quoted variable is literal";; esac
case x in y) echo no;; esac; echo "no match: $?"
case x in x) false;; esac; echo "last status: $?"
case a in (a) echo "leading paren";; esac
case "" in *) echo "star matches empty";; esac
case ab in a) echo no;; a?) echo "question";; ab) echo "not reached";; esac
