# The case word and patterns are expanded (no splitting, no globbing of
# the word); tilde, command substitution, arithmetic in patterns.
: >file1
v='a b'
case $v in 'a b') echo "word not split";; esac
case * in '*') echo "word not globbed";; esac
case 3 in $((1 + 2))) echo "arith pattern";; esac
case hello in $(echo hel)*) echo "cmdsubst pattern";; esac
HOME=/h; case /h/x in ~/x) echo "tilde pattern";; esac
case '\' in \\) echo backslash;; esac
case '[x' in \[x) echo bracket;; esac
case 'a]' in a]) echo "close bracket";; esac
f() { case $1 in
  start) echo starting ;;
  stop) echo stopping ;;
  *) echo "usage" >&2; return 2 ;;
esac; }
f start; f stop; f x 2>&1; echo "status $?"
case x in x) ;; esac; echo "empty body $?"
