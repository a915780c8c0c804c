#!/usr/bin/env bash
# Fuzz smoke run: every target in this folder for N seconds each (N is the
# first argument, default 20). Installs cargo-fuzz if it is missing. Fails
# (non-zero exit) as soon as a target crashes, panics, leaks or times out;
# the input that did it is left in fuzz/artifacts/<target>/.
#
#   fuzz/smoke.sh        # 20 s per target
#   fuzz/smoke.sh 300    # 5 min per target
set -euo pipefail

seconds="${1:-20}"
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [ "$seconds" -eq 0 ]; then
    echo "usage: $0 [seconds-per-target]" >&2
    exit 2
fi

cd "$(dirname "$0")"

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "smoke: installing cargo-fuzz"
    cargo install cargo-fuzz --locked
fi

# Build every target once up front so a compile error fails fast and the
# timed runs measure fuzzing only.
cargo +nightly fuzz build

targets=$(cargo +nightly fuzz list)
failed=()
for target in $targets; do
    echo "smoke: $target for ${seconds}s"
    mkdir -p "corpus/$target"
    # -max_len keeps inputs small enough to stay fast; -timeout flags a
    # single input that runs longer than 10 s (a hang) as a failure.
    if ! cargo +nightly fuzz run "$target" "corpus/$target" -- \
        -max_total_time="$seconds" -max_len=4096 -timeout=10 -print_final_stats=1; then
        failed+=("$target")
        echo "smoke: $target FAILED (reproducer in fuzz/artifacts/$target/)" >&2
        break
    fi
done

if [ "${#failed[@]}" -ne 0 ]; then
    exit 1
fi
echo "smoke: all targets ran ${seconds}s without a crash"
