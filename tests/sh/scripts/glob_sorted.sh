# Matches come sorted, and each is one field, whatever it holds.
for f in z10 z9 Z1 z1 'z 2' 'z*' z_; do : >"$f"; done
echo z*
printf '[%s]\n' z*
printf '[%s]\n' 'z*'
n=0; for f in *; do n=$((n + 1)); done; echo "$n files"
echo [zZ]1
