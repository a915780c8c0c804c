# A pattern matching nothing stays as it is; quoting and escaping turn
# globbing off; patterns in variables glob when unquoted.
: >real
echo nomatch*
echo no?match
echo no[ab]match
p='r*'; echo $p "$p"
echo \r* 'r'* "r"*
set -- zz*; echo "$# $1"
case real in r*) echo "case pattern";; esac
v='[' ; echo $v
