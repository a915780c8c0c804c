#!/bin/sh
# build-if-stale.sh NAME [--needs FILE]... -- MAKE-ARGS...
#
# Runs `make MAKE-ARGS...` in the source tree unless nothing changed since
# the last successful run for NAME: the stamp build/stamps/NAME is newer
# than every file of the source tree (any folder called `target`, build/,
# .git/, node_modules/ and sysroot/ — built outputs — are not looked at)
# and every FILE given with
# --needs exists. The check is one `find`, a few milliseconds, where even a
# no-op cargo build of the kernel, the userspace and the tools costs over a
# second; when anything changed (or a needed file is missing) make runs and
# cargo's own fingerprints decide what to rebuild.
#
# The stamp is made before make starts, so a file edited during the build
# counts as changed next time. Concurrent runs take turns (flock). Used by
# the `./capos` script and `make run`.
# Exit status: make's (0 when nothing needed building).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
name=$1
shift
needs=""
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
    case $1 in
        --needs) needs="$needs $2"; shift 2 ;;
        *) echo "build-if-stale.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
[ $# -gt 0 ] && shift
stamp=$root/build/stamps/$name

fresh() {
    [ -f "$stamp" ] || return 1
    for file in $needs; do
        [ -e "$root/$file" ] || return 1
    done
    changed=$(cd "$root" && find . \( -name target -o -path ./build -o -path ./.git -o -name node_modules \
        -o -path ./sysroot \) -prune \
        -o -newer "$stamp" -print -quit 2>/dev/null)
    [ -z "$changed" ]
}

if fresh; then
    exit 0
fi
# Runs started at once (the C suite runs two) build one after the other:
# the second finds the tree fresh when the first is done.
mkdir -p "$root/build/stamps"
if command -v flock >/dev/null 2>&1; then
    exec 9>"$root/build/stamps/$name.lock"
    flock 9
    if fresh; then
        exit 0
    fi
fi
touch "$stamp.new"
make -C "$root" "$@"
mv "$stamp.new" "$stamp"
