# Scripts written at run time, run with sh and sourced with `.`.
w() { printf '%s\n' "$@"; }
w 'echo "script args: $# $1"' 'x=from_script' 'exit 4' >child.sh
sh child.sh one two
echo "sh child.sh: $? x=${x-unset}"
w 'y=sourced' 'echo "sourced sees $1"' 'return 2' >lib.sh
set -- outer
. ./lib.sh
echo ". status $? y=$y"
w 'echo "in $0"' >named.sh
sh ./named.sh
w 'for i in 1 2 3; do' '  echo "loop $i"' 'done' 'echo "$(( 2 + 2 ))"' >loop.sh
sh loop.sh
w 'echo before' 'if then' >broken.sh
sh broken.sh
echo "broken: $?"
sh missing.sh
echo "missing: $?"
w 'read a; read b; echo "$b $a"' >reader.sh
printf 'first\nsecond\n' | sh reader.sh
sh -s arg1 arg2 <<'EOT'
echo "from stdin: $1 $2"
EOT
sh <<'EOT'
echo "heredoc script"; exit 3
EOT
echo "heredoc script status $?"
