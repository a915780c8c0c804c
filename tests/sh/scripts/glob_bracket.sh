# Bracket expressions: sets, ranges, negation with !, classes, ] and -.
for f in a1 a2 a3 b1 c- 'c]' cA cz d.; do : >"$f"; done
echo a[12]
echo a[1-3]
echo [ab]1
echo a[!1]
echo [!a]?
echo c[-]
echo c[]]
echo c[[:upper:]]
echo c[[:lower:]]
echo ?[[:digit:]]
echo d[.]
echo [z-a]x
echo a[
