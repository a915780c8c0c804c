# busybox date (a fixed date, UTC), seq, expr, test, printf, basename,
# dirname, env, true/false, sleep, kill (the applets, not dash's builtins:
# those run through env). Not uname: it names the system (Linux, capOS).
date -u -d '2024-02-29 13:45:06' '+%Y-%m-%d %H:%M:%S'
date -u -d '2024-02-29 13:45:06' '+%a %b %e %j %U %w %y %p %I'
date -u -d @0 '+%s %A %B %d %m'
date -u -d @1700000000 '+%F %T %Z'
date -u -d '2001-09-09 01:46:40' +%s
date -u -d @86399 -R
date -u -d '1999-12-31 23:59:59' -I
date -u -d '2024-01-01' '+day %-d of %B'
date -u -d 'not a date' 2>/dev/null; echo "bad date: $?"
echo "-- seq"
seq 5
seq 3 7
seq 10 -3 1
seq -s , 1 5
seq -w 8 11
seq 0.5 0.5 2
echo "-- expr"
expr 6 \* 7
expr 17 / 5 \% 3
expr 5 - 8
expr length "capOS"
expr substr "busybox" 2 3
expr index "hello" l
expr "abc123" : '[a-z]*'
expr "abc123" : '[a-z]*\([0-9]*\)'
expr 3 \< 10
expr a = b; echo "expr false: $?"
expr 1 / 0 2>/dev/null; echo "division by zero: $?"
echo "-- test and [ (the applets, run through env rather than dash's builtins)"
: >afile
mkdir adir
env test 3 -lt 4 && echo "3 < 4"
env [ abc = abc ] && echo "strings equal"
env [ -z "" ] && echo "empty"
env test -f afile && echo "afile is a file"
env test -d adir && echo "adir is a directory"
env test -e no/such && echo yes || echo "no such path"
env [ 1 -eq 1 -a 2 -gt 1 ] && echo "and"
# (not its message: "bad number" after glibc's strtoll, "out of range"
# after musl's, which sets EINVAL when it finds no digits, as POSIX allows)
env test 5 -ge x 2>/dev/null; echo "bad integer: $?"
env [ 1 -eq 1; echo "missing ]: $?"
echo "-- printf, echo"
env printf '%5s|%-5s|%05d|%x|%o|%c|%.2f\n' ab cd 42 255 8 xyz 3.14159
env printf '%s\n' one two three
env echo -n "no newline"; env echo
env echo -e 'tab\there'
echo "-- basename, dirname"
basename /usr/local/bin/tool
basename /path/to/file.txt .txt
dirname /usr/local/bin/tool
dirname file
dirname /
echo "-- env, true, false, sleep"
env -i A=1 B=2 env | sort
env -i PATH="$PATH" X=y sh -c 'echo $X'
true; echo "true: $?"
false; echo "false: $?"
sleep 0.1; echo "slept: $?"
sleep x 2>/dev/null; echo "bad sleep: $?"
echo "-- kill"
env kill -l 15
env kill -l TERM
# (wait's stderr aside: whether dash reports "Terminated" depends on
# which child it reaps first, env or sleep, on Linux as on capOS)
sleep 5 &
env kill $!
wait $! 2>/dev/null; echo "killed by the kill applet: $?"
sleep 5 &
env kill -s HUP $!
wait $! 2>/dev/null; echo "SIGHUP: $?"
env kill -0 99999 2>/dev/null; echo "no such process: $?"
