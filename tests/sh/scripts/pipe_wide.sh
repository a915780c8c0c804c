# Pipelines of ten and more stages, all alive at once (capOS failed a
# late fork now and then while each fork carved a quarter of the shell's
# memory limit; forks now share their family's limit, kernel/src/fork.rs).
inc() { read n; echo $((n + 1)); }
echo 0 | inc | inc | inc | inc | inc | inc | inc | inc | inc | inc
echo 0 | inc | inc | inc | inc | inc | inc | inc | inc | inc | inc | inc | inc | inc | inc | inc
