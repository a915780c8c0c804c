# 64-bit edges: wrap-around, and the one division that traps on x86
# (INT64_MIN / -1): the child shell dies of SIGFPE (status 136).
echo $((9223372036854775807 * 2))
echo $((-9223372036854775807 - 1 - 1))
echo $((1 << 63)) $((1 << 64)) $((-1 >> 63))
sh -c 'm=-9223372036854775807; echo $(( (m - 1) / -1 )); echo not reached' 2>/dev/null
echo "trap status: $?"
sh -c 'm=-9223372036854775807; echo $(( (m - 1) % -1 ))' 2>/dev/null
echo "mod status: $?"
echo "still here"
