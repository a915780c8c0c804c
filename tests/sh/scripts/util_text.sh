# busybox wc, head, tail, cut, tr, cat, tee, grep on a file made here.
i=1
while [ $i -le 30 ]; do echo "line $i: field$i,value$((i * 3)),end"; i=$((i + 1)); done >data
wc data
wc -l data
wc -w <data
wc -c data
printf 'no newline' | wc -c
echo "-- head and tail"
head -n 3 data
head -c 12 data; echo
tail -n 2 data
tail -n +29 data
tail -c 8 data
head -n -27 data
echo "-- cut"
cut -d , -f 2 data | head -n 3
cut -d , -f 1,3 data | tail -n 2
cut -c 1-6 data | head -n 2
cut -d : -f 2- data | head -n 1
echo "-- tr"
echo "Hello, World" | tr a-z A-Z
echo "Hello, World" | tr -d lo
echo "aaabbbccc" | tr -s abc
echo "a b  c" | tr ' ' '\n'
echo "Mixed 123 Text" | tr -cd '0-9\n'
echo "-- cat"
printf 'a\nb\n' >ab
cat ab ab
cat -n ab
cat - ab <<END
from stdin
END
echo "-- tee"
echo teed | tee copy1 copy2
cat copy1 copy2
echo more | tee -a copy1 >/dev/null
cat copy1
echo "-- grep"
grep 'line 1[0-2]:' data
grep -c value data
grep -v 'line [0-9]*[0-8]:' data
grep -n -E 'field(7|17),' data
grep -i 'LINE 30' data
grep -l line data ab
grep -w 'line' ab; echo "no match: $?"
grep -q 'line 5:' data && echo "quiet match"
grep -F 'field3,' data
grep -e 'line 2:' -e 'line 3:' data
egrep -o 'value[0-9]+' data | tail -n 1
fgrep -x 'a' ab
grep missing no_such_file; echo "missing file: $?"
