# set -e: which failures end the shell and which do not (conditions, &&
# and || lists but the last, !, pipelines but the last, functions called
# in a condition).
sh -ec 'false; echo no'; echo "plain: $?"
sh -ec 'false || echo "|| spares"; false && echo no; echo "&& spares"'; echo "lists: $?"
sh -ec 'if false; then :; fi; while false; do :; done; echo "conditions spare"'; echo "$?"
sh -ec '! true; echo "! spares"'; echo "$?"
sh -ec 'false | true; echo "pipeline middle spares"'; echo "$?"
sh -ec 'true | false; echo no'; echo "pipeline last: $?"
sh -ec 'f() { false; echo "in condition the function goes on"; }; if f; then echo f-true; fi'; echo "$?"
sh -ec 'f() { false; echo no; }; f; echo no'; echo "function: $?"
sh -ec '(false); echo no'; echo "subshell: $?"
sh -ec 'x=$(false); echo no'; echo "assignment: $?"
sh -ec 'echo $(false) still; echo "argument substitution spares"'; echo "$?"
sh -ec '{ false; echo no; }'; echo "group: $?"
sh -ec 'set +e; false; echo "+e off"'; echo "$?"
sh -ec 'trap "echo exit trap \$?" EXIT; false'; echo "trap: $?"
sh -ec 'false && true; echo "&& first spares"'; echo "$?"
