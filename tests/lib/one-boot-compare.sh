# tests/lib/one-boot-compare.sh: the comparison half of the suites that run
# every script in one boot (tests/sh, tests/lua). Sourced by their run.sh
# after both drivers ran: the host's output in $out/host.txt, capOS's in
# $out/capos.txt, each script's output between `@@MARKER begin NAME` and
# `@@MARKER end` lines; the drivers' statuses in $out/host.status and
# $out/capos.status, capOS's stderr and kernel log in $out/capos.stderr and
# $out/capos.log.
#
# compare_scripts MARKER NAME...: cuts both outputs into one file per
# script ($out/split/NAME.host, NAME.capos), compares them, prints `ok -
# NAME` or `FAIL - NAME` with the difference, then `N passed, N failed`;
# returns 1 on any failure.
compare_scripts() {
  local marker=$1 rel=${out#"$root"/} side name host capos passed=0 failed=0
  shift
  mkdir -p "$out/split"
  for side in host capos; do
    awk -v dir="$out/split" -v side="$side" -v begin="@@$marker begin" -v end="@@$marker end" '
      index($0, begin " ") == 1 { file = dir "/" $3 "." side; printf "" >file; next }
      index($0, end) == 1 { print end >>file; close(file); file = ""; next }
      file != "" { print >>file }
    ' "$out/$side.txt"
  done
  for name in "$@"; do
    host=$out/split/$name.host capos=$out/split/$name.capos
    if [ ! -f "$host" ] || [ "$(tail -n 1 "$host")" != "@@$marker end" ]; then
      echo "FAIL - $name"
      echo "    the host run did not finish it ($(cat "$out/host.status")); $rel/host.txt"
      failed=$((failed + 1))
    elif [ ! -f "$capos" ] || [ "$(tail -n 1 "$capos")" != "@@$marker end" ]; then
      echo "FAIL - $name"
      echo "    the capOS run did not finish it ($(cat "$out/capos.status")); its stderr:"
      tail -n 5 "$out/capos.stderr" | sed 's/^/    /'
      echo "    kernel log: $rel/capos.log"
      failed=$((failed + 1))
    elif cmp -s "$host" "$capos"; then
      echo "ok - $name"
      passed=$((passed + 1))
    else
      echo "FAIL - $name (host < > capOS)"
      diff "$host" "$capos" | head -n 20 | sed 's/^/    /'
      failed=$((failed + 1))
    fi
  done
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}
