# Leading dots need to be matched explicitly; . and .. are listed only by
# a pattern starting with a dot.
: >.dot1; : >.dot2; : >visible
echo *
echo .*
echo .d*
echo ?dot1
echo [.]dot2
echo */ 
