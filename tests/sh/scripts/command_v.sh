# command -v and -V: builtins, special builtins, functions, aliases,
# keywords, programs on PATH (shown by their last part), missing names.
for name in echo cd : true read eval if while for case '{' ; do
  printf '%s -> ' "$name"; command -v "$name"; done
f() { :; }; command -v f
alias ll='ls -l'; command -v ll
p=$(command -v sh); echo "sh on PATH: ${p##*/}"
command -v no_such_cmd; echo "missing: $?"
command -V echo
command -V f | while read l; do echo "[$l]"; done
command -V while
command -V no_such_cmd 2>&1; echo "missing -V: $?"
command -v ./nothing; echo "path missing: $?"
command echo "command runs builtins"
command f 2>&1; echo "command skips functions: $?"
