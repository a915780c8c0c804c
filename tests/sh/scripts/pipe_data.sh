# Data through pipes: many lines, long lines, a writer outliving a reader
# that stopped reading.
i=0; while [ $i -lt 5000 ]; do echo "line $i"; i=$((i + 1)); done | {
  n=0; while read -r a b; do n=$((n + 1)); last=$b; done; echo "$n lines, last $last"; }
long=x; i=0; while [ $i -lt 14 ]; do long=$long$long; i=$((i + 1)); done
echo "$long" | { read -r l; echo "${#l} bytes"; }
i=0; while [ $i -lt 100000 ]; do echo "spam $i"; i=$((i + 1)); done | { read first; echo "first: $first"; }
echo "pipeline status: $?"
