# Run by the `report` service of systems/dash-service.cue (and, for the
# comparison, by the host's dash in the `dash-service` scenario).
echo "report: $# arguments: $1, $2"
i=0; while [ $i -lt 5 ]; do i=$((i + 1)); done
echo "report: counted to $i"
echo "report: $(echo from a command substitution)"
echo "kept in a file" > /tmp/report.txt
read -r line < /tmp/report.txt
echo "report: read back: $line"
printf 'b\na\n' | while read -r w; do echo "report: piped $w"; done
( exit 4 ); echo "report: a subshell exited $?"
exit 3
