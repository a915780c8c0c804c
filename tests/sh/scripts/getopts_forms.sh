# getopts: grouped flags, attached and separate arguments, --, the first
# operand stops parsing, OPTIND after the loop.
parse() {
  OPTIND=1; out=
  while getopts ab:cd: o; do out="$out <$o${OPTARG+=$OPTARG}>"; unset OPTARG; done
  shift $((OPTIND - 1))
  echo "$out | OPTIND=$OPTIND | rest: $*"
}
parse -a -c
parse -ac -bval
parse -b val -d 'two words' x y
parse -abv -- -c
parse file -a
parse -
parse -a - -c
parse
parse -cb
