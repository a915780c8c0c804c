# if, while, until, for, case.
if true; then echo then; else echo else; fi
if false; then echo then; elif true; then echo elif; else echo else; fi
i=0
while [ $i -lt 3 ]; do echo "while $i"; i=$((i + 1)); done
until [ $i -eq 0 ]; do echo "until $i"; i=$((i - 1)); done
for x in a b c; do echo "for $x"; done
for x; do echo never; done
for word in apple banana cherry 42 "" x.txt; do
  case $word in
    a*) echo "$word: starts with a" ;;
    b*|c*) echo "$word: b or c" ;;
    [0-9]*) echo "$word: number" ;;
    '') echo "empty" ;;
    *.txt) echo "$word: text" ;;
    *) echo "$word: other" ;;
  esac
done
case x in (x) echo "paren form";; esac
case "a b" in "a b") echo quoted-match ;; esac
case '*' in \*) echo star ;; esac
for i in 1 2 3 4 5; do
  for j in 1 2 3; do
    [ $j -eq 2 ] && continue
    [ $i -eq 2 ] && continue 2
    [ $i -eq 4 ] && break 2
    echo "$i.$j"
  done
done
echo "status of empty for: $(for x in; do :; done; echo $?)"
! false && echo "negated"
true && false || echo "and-or"
