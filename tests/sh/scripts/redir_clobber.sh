# set -C (noclobber): > refuses an existing file, >| overrides, >> and new
# files still work, /dev/null is not a regular file.
show() { while IFS= read -r l; do echo "[$l]"; done <"$1"; }
echo orig >f
set -C
echo over >f; echo "status $?"
show f
echo forced >|f; show f
echo more >>f; show f
echo new >g; show g
echo x >/dev/null; echo "dev null: $?"
(echo sub >f) 2>/dev/null; echo "subshell: $?"
set +C
echo again >f; show f
set -o noclobber; echo z >f 2>/dev/null || echo "-o noclobber refused"; set +o noclobber
