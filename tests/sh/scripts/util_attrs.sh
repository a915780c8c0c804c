# busybox on file attributes: permission bits (chmod, mkdir -m, the
# umask, ls -l's mode and link count), hard links (ln, nlink, one inode
# under two names, rm of one name), given times (touch -d, touch -r,
# stat -c %Y, find -newer) and cp -p. Dates of "now" and owners are never
# printed: ls -l is cut to its mode, links, size and name.
TZ=UTC0
export TZ
umask 022
mkdir w && cd w || exit 1
lsl() { ls -l "$@" | grep -v '^total' | awk '{print $1, $2, $5, $NF}'; }

echo "-- bits"
echo data >f
mkdir d
lsl
mkdir -m 700 private
stat -c '%a %F %n' private
umask 077
echo x >secret
stat -c '%a %n' secret
umask 022
chmod 750 f
lsl f
chmod u+s,g-x f
lsl f
chmod go+w f
stat -c '%a' f
chmod 644 f
chmod -R go-rx d
lsl -d d
chmod 999 f 2>/dev/null; echo "chmod bad mode: $?"
chmod 644 nosuch 2>/dev/null; echo "chmod missing: $?"
printf '#!/bin/sh\necho ran the script\n' >script
./script 2>/dev/null; echo "run without x: $?"
chmod a+x script
./script; echo "run with x: $?"
[ -x script ] && echo "test -x: yes"
[ -x f ] || echo "test -x f: no"
find . -perm 644 | sort

echo "-- links"
echo shared >a
ln a b
stat -c '%h %n' a b
[ "$(stat -c %i a)" = "$(stat -c %i b)" ] && echo "same inode"
echo more >>b
cat a
ln a b 2>&1; echo "ln onto an existing name: $?"
ln -f a b; echo "ln -f: $?"
ln a d/c
lsl a
ln d e 2>/dev/null; echo "ln a directory: $?"
rm a
stat -c '%h %n' b d/c
cat d/c
mkdir p p/s1 p/s2
stat -c '%h %n' p

echo "-- times"
touch -d '2001-02-03 04:05:06' old
stat -c '%Y %y %n' old
touch -d '2011-12-13 14:15:16' mid
touch -r old copy_of_old
[ "$(stat -c %Y old)" = "$(stat -c %Y copy_of_old)" ] && echo "touch -r: same mtime"
echo new >new
find . -newer mid -name 'n*' | sort
find . ! -newer mid -name '*old' | sort
touch old
find . -newer mid -name old
[ "$(stat -c %X mid)" -le "$(stat -c %Y mid)" ] && echo "atime not after mtime"

echo "-- cp -p"
printf 'keep\n' >src
chmod 640 src
touch -d '2005-06-07 08:09:10' src
cp -p src dst
stat -c '%a %Y %s %n' src dst
cp src plain
stat -c '%a %n' plain
[ "$(stat -c %Y plain)" != "$(stat -c %Y src)" ] && echo "cp without -p: a new mtime"
