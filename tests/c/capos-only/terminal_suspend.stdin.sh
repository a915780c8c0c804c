#!/usr/bin/env bash
# The terminal input of terminal_suspend: 80 lines of 1 KiB (more than the
# 64 KiB the terminal keeps ready, so what follows stays in the device
# until the program reads), then Ctrl-Z, then the last line.
set -euo pipefail
pad=$(printf 'x%.0s' $(seq 1000))
for i in $(seq 1 80); do printf 'line %05d %s\n' "$i" "$pad"; done
printf '\032after\n'
