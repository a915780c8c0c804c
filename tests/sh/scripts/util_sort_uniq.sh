# busybox sort and uniq: orders, keys, counts (the host's busybox is the reference).
printf '%s\n' pear apple fig apple banana fig apple cherry >fruit
sort fruit
echo "-- reverse"
sort -r fruit
echo "-- unique"
sort -u fruit
echo "-- counted"
sort fruit | uniq -c
echo "-- by count"
sort fruit | uniq -c | sort -rn | head -n 3
echo "-- duplicates only"
sort fruit | uniq -d
echo "-- once only"
sort fruit | uniq -u
printf '%s\n' "b 10 x" "a 2 y" "c 1 z" "a 10 w" >table
echo "-- numeric key 2"
sort -n -k 2 table
echo "-- key 1 then numeric key 2, reversed"
sort -k 1,1 -k 2,2nr table
echo "-- field separator"
printf '%s\n' "3:c" "1:a" "2:b" | sort -t : -k 1n
echo "-- check"
sort -c fruit; echo "sort -c unsorted: $?"
sort fruit | sort -c; echo "sort -c sorted: $?"
echo "-- the acceptance pipeline"
for i in 1 2 3; do echo $i; done | sort -r | head -n 1
