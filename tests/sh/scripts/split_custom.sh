# Field splitting with a custom IFS: non-whitespace delimiters make empty
# fields, whitespace in IFS collapses.
v='a:b::c:'
IFS=:; set -- $v; echo "$#"; printf '[%s]' "$@"; echo
IFS=': '; w=' x : y  z:'; set -- $w; echo "$#"; printf '[%s]' "$@"; echo
IFS=,; set -- ,a,,b; echo "$#"; printf '[%s]' "$@"; echo
IFS=ab; set -- xaybz; printf '[%s]' "$@"; echo
IFS=:; set -- "$v"; echo "quoted: $#"
IFS=-; set -- 1 2 3; echo "$*" "$@"
x="$*"; echo "$x"
unset IFS; set -- 'p  q'; set -- $1; echo "unset IFS: $#"
