# test and [ on strings, numbers and files.
t() { if "$@"; then echo "yes: $*"; else echo "no($?): $*"; fi; }
t [ abc = abc ]
t [ abc != abd ]
t [ -z "" ]
t [ -n "x" ]
t [ 3 -lt 10 ]
t [ 10 -ge 10 ]
t [ -5 -gt -6 ]
t [ ! -z x ]
t [ a = a -a b = c ]
t [ a = a -o b = c ]
t [ "(" 1 -eq 1 ")" ]
t test x
t test ""
: >empty_file
echo data >full_file
t [ -e empty_file ]
t [ -f empty_file ]
t [ -s empty_file ]
t [ -s full_file ]
t [ -d . ]
t [ -d full_file ]
t [ -e missing ]
t [ -r full_file ]
t [ -w full_file ]
t [ full_file -nt missing ]
t [ abc \< abd ]
t [ 1 -eq x ]
t [ a = ]
