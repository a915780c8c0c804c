# A here-document larger than a pipe's buffer (dash then feeds it from a
# child), and one with many expansions.
n=0; body=
while [ $n -lt 2000 ]; do body="$body
line $n of a long here-document, padded to make it longer"; n=$((n + 1)); done
count=0; bytes=0
while IFS= read -r l; do count=$((count + 1)); bytes=$((bytes + ${#l})); done <<EOF2
$body
EOF2
echo "$count lines, $bytes bytes"
i=0; while IFS= read -r l; do i=$((i + 1)); last=$l; done <<EOF3
$(n=0; while [ $n -lt 3000 ]; do echo "generated $n"; n=$((n + 1)); done)
EOF3
echo "$i lines, last: $last"
