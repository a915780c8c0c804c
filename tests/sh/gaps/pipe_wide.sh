# GAP (capOS differs now and then; kept out of the suite, run by name:
# tests/sh/run.sh pipe_wide): pipelines of ten and more stages, all alive
# at once. Each fork carves the child's memory limit out of the shell's
# (the copy plus a quarter of the rest, kernel/src/fork.rs), so the shell
# has (3/4)^N of its room left after N forks and, unless earlier stages
# have ended by then, a late fork fails with "Cannot fork".
inc() { read n; echo $((n + 1)); }
echo 0 | inc | inc | inc | inc | inc | inc | inc | inc | inc | inc
echo 0 | inc | inc | inc | inc | inc | inc | inc | inc | inc | inc | inc | inc | inc | inc | inc
