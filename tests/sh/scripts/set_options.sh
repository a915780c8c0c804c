# set -e, -u, -f, -x, -n and their scopes.
set -f
echo *
set +f
set -x
x=traced
echo "$x"
set +x
(set -u; echo "${undefined_var-default}"; echo "$undefined_var"; echo not reached)
echo "after -u: $?"
(set -e; false; echo not reached)
echo "after -e: $?"
(set -e; false || true; if false; then :; fi; ! true; echo "-e spares conditions")
(set -e; f() { false; echo "in function"; }; f && echo "f ok")
sh -c 'set -e; sh -c "exit 4"; echo no'
echo "nested -e: $?"
set -- a b
set -e
true
set +e
echo "options: $-" | { read l; case $l in *e*) echo has-e;; *) echo no-e;; esac; }
sh -n -c 'if then' 2>/dev/null; echo "syntax check: $?"
sh -n -c 'echo never printed'; echo "noexec: $?"
sh -ec 'false; echo no'; echo "sh -e: $?"
sh -uc 'echo $nope' 2>&1; echo "sh -u: $?"
