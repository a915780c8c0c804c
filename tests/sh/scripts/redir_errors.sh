# Failing redirections: a missing file, a directory, a bad fd. For a
# plain command the command is skipped and status is 2; for a special
# builtin a non-interactive shell would exit (shown in a child).
echo x <missing; echo "missing: $?"
echo x >. ; echo "directory: $?"
echo x >missing_dir/f; echo "missing dir: $?"
echo x >&8; echo "bad fd: $?"
cat_() { while read l; do echo "$l"; done; }
cat_ <also_missing; echo "function: $?"
{ echo never; } <nope; echo "group: $?"
sh -c ': <nope; echo "special builtin survived?"'; echo "child: $?"
sh -c 'exec 3<nope; echo not reached'; echo "exec child: $?"
echo x 3<nope >&3; echo "order: $?"
