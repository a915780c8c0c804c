# getopts, eval, command, type of builtins.
parse() {
  OPTIND=1
  while getopts "ab:c" opt; do
    case $opt in
      a) echo "flag a" ;;
      b) echo "b=$OPTARG" ;;
      c) echo "flag c" ;;
      \?) echo "bad option" ;;
    esac
  done
  shift $((OPTIND - 1))
  echo "rest: $*"
}
parse -a -b value -c file1 file2
parse -ab inline -- -notopt
parse -x 2>&1
parse -b 2>&1
cmd='echo evaluated $((1+1))'
eval "$cmd"
eval 'v=1; w=2'; echo "$v$w"
name=dyn; eval "$name=value"; eval echo "\$$name"
command -v echo
command -v cd
command -v no_such_thing || echo "not found $?"
command echo "command echo"
f() { echo "function f"; }
command -v f
alias ll='echo aliased'
eval ll
unalias ll
type f | { read a b c; echo "$a $b $c"; }
