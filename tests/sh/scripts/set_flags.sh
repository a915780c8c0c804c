# The option letters in $-, set -o/+o by name, set -- resetting, and
# options given to sh.
show() { case $- in *"$1"*) echo "$1 on";; *) echo "$1 off";; esac; }
show f; set -f; show f; set +f; show f
set -o noglob; show f; set +o noglob
set -o errexit; show e; set +o errexit; show e
set -o nounset; show u; set +o nounset
set -o xtrace; set +o xtrace 2>/dev/null
set -a; v=auto; sh -c 'echo "allexport: ${v-no}"'; set +a
set -C; show C; set +C
sh -c 'case $- in *u*) echo "-u given";; esac' 2>/dev/null
sh -u -c 'case $- in *u*) echo "-u given";; esac'
set -o | while read name value; do case $name in errexit|noglob|nounset|xtrace) echo "$name $value";; esac; done
set +o | while read s o name; do case $name in noglob|nounset) echo "$s $o $name";; esac; done
(set -q) 2>&1; echo "bad option: $?"
