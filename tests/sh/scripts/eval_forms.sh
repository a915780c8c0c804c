# eval: arguments joined with spaces, reparsed; dynamic variable names,
# building commands, quoting through eval, eval of nothing.
eval echo one   two
eval 'echo "$((1 + 2))"'
set -- a b c
eval "last=\${$#}"; echo "last=$last"
for i in 1 2 3; do eval "var_$i=$((i * i))"; done
eval echo '$var_1 $var_2 $var_3'
cmd='for w in x y; do echo loop-$w; done'; eval "$cmd"
v='it'"'"'s'; (eval "q='$v'") 2>/dev/null; echo "bad quoting: $?"; eval "q=\$v"; echo "$q"
eval; echo "empty eval: $?"
eval 'false'; echo "status of eval: $?"
eval 'f() { echo "defined in eval"; }'; f
x='$y'; y=deeper; eval eval echo "$x"
eval 'a=1
b=2'; echo "$a$b"
