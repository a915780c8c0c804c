# busybox awk: fields, patterns, arrays, printf, functions, BEGIN/END.
cat >sales <<'END'
north widget 12 2.50
south gadget 3 10.00
north gadget 7 10.00
east widget 1 2.50
south widget 20 2.50
END
awk '{ print $2, $1 }' sales
echo "-- totals by region"
awk '{ total[$1] += $3 * $4 } END { for (r in total) print r, total[r] }' sales | sort
echo "-- report"
awk 'BEGIN { printf "%-8s %5s\n", "item", "qty" }
     $2 == "widget" { n += $3 }
     END { printf "%-8s %5d\n", "widgets", n; printf "lines %d\n", NR }' sales
echo "-- field separator and NF"
echo "a:b:c:d" | awk -F : '{ print NF, $NF, $(NF-1) }'
echo "-- functions and strings"
awk 'function sq(x) { return x * x }
     BEGIN { print sq(7), length("capOS"), substr("busybox", 2, 3), index("hello", "ll"), toupper("up") }'
echo "-- gsub, split, sprintf"
echo "one two three" | awk '{ n = split($0, w, " "); gsub(/o/, "0"); print n, $0, sprintf("%05.1f", 3.14159) }'
echo "-- regex match and range"
printf '%s\n' start x y stop z | awk '/start/,/stop/ { print NR": "$0 }'
echo "-- -v and getline from a file"
awk -v greeting=hi 'BEGIN { while ((getline line < "sales") > 0) n++; print greeting, n }'
echo "-- exit status"
awk 'BEGIN { exit 3 }'; echo "awk exit: $?"
