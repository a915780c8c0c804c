# set -u: unset parameters are an error in expansion, but not with -, +,
# =, ? forms, nor $@ and $*.
sh -uc 'echo "$nope"; echo no'; echo "unset: $?"
sh -uc 'echo "${nope-default} ${nope:-d2} [${nope+alt}]"'; echo "forms: $?"
sh -uc 'echo "[$@] [$*] $#"'; echo "at star: $?"
sh -uc 'echo "$1"'; echo "positional: $?"
sh -uc 'x=; echo "[$x]"'; echo "empty is set: $?"
sh -uc 'echo $((nope + 1))'; echo "arith: $?"
sh -uc 'echo ${#nope}'; echo "length: $?"
sh -uc 'unset v; f() { echo "${v:=fixed}"; }; f; echo "$v"'; echo "assign form: $?"
(set -u; : "${nope}") 2>&1; echo "subshell: $?"
