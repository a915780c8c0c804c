# cd and pwd within the working directory.
start=$(pwd)
[ "$start" = "$PWD" ] && echo "pwd matches PWD"
cd ..
echo "up: ${PWD##*/}"
cd "$start"
echo "back: ${PWD##*/}"
cd /
pwd
echo "OLDPWD ends in ${OLDPWD##*/}"
cd - >/dev/null
[ "$(pwd)" = "$start" ] && echo "cd - returns"
cd /tmp && pwd
cd /tmp/.. && pwd
cd nope_dir
echo "cd missing: $?"
cd "$start"
cd ./. && [ "$PWD" = "$start" ] && echo "dot stays"
cd //
pwd
cd /tmp/./
pwd
cd -P / && pwd -P
HOME=/tmp
cd
pwd
(cd /; pwd); pwd
