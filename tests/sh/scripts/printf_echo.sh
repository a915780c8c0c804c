# printf and echo builtins.
printf '%d %i %x %X %o %c %s %%\n' 42 -7 255 255 8 z str
printf '%5d|%-5d|%05d|%+d\n' 42 42 42 42
printf '%.3s|%10s|%-10s|\n' abcdef right left
printf '%s\n' a b c
printf '%s %s\n' 1 2 3
printf 'no args\n'
printf '%b\n' 'tab\tnew\nline' 'oct\101'
printf '\101\102\n'
printf '%d\n' 0x10 010 "'A"
printf '%d\n' notanumber 2>&1
echo -n "no newline"; echo
echo 'escapes: \t|\n|\c dropped'
echo -e 'dash -e: \x41'
printf '%s\n' "-n"
