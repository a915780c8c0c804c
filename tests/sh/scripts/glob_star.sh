# Globbing with *, in the script's own scratch directory (empty at start
# but for .keep).
for f in apple apricot banana cherry 'with space' .hidden; do : >"$f"; done
echo *
echo a*
echo *y
echo *an*
echo *' '*
echo b*a
set -- *; echo "$#"
for f in *; do echo "[$f]"; done
echo "quoted: *" '*'
echo ./a*
echo ../glob_star/a*t
