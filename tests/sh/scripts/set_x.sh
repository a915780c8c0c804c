# set -x: the trace on stderr with PS4, for commands, assignments,
# expansions, functions and pipelines.
exec 2>&1
set -x
a=1
echo "a is $a" $((a + 1))
f() { echo "in f $1"; }
f arg
b=$(echo sub)
{ read y; } <<EOT
heredoc
EOT
: "quoted  spaces" 'and $single'
set +x
echo "trace off"
PS4='+trace: '
set -x
echo with-ps4
set +x
sh -xc 'echo child trace'
