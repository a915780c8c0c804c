# busybox on symbolic links: ln -s (relative, absolute from the working
# directory, to a directory, dangling), ls -l showing `->`, stat -c %N
# and %F, cat and ls through a link, test -L/-h/-e, find -type l,
# mv and rm of a link (the target stays), ln -sf replacing a link, a
# loop (cat fails), and readlink (the working directory's path cut
# out). Owners and dates of "now" are never printed: ls -l is cut to
# its mode and its name fields.
mkdir w && cd w || exit 1
lsl() { ls -l "$@" | grep -v '^total' | awk '{ $2 = $3 = $4 = $5 = $6 = $7 = $8 = ""; print }' | tr -s ' '; }

echo "-- make"
mkdir d
echo hello >d/f
ln -s d/f l
ln -s d dl
ln -s "$PWD/d/f" abs
ln -s nowhere dangle
lsl l dl dangle
stat -c '%F %s %N' l dl dangle
stat -L -c '%F %s %n' l dl
cat abs
for link in l dl dangle abs; do readlink "$link" | sed "s|^/.*/w/|/.../w/|"; done
readlink d/f; echo "readlink of a file: $?"
readlink -f l | awk -F/ '{ print $(NF-1) "/" $NF }'

echo "-- through"
cat l
cat dl/f
ls dl
echo more >>l
cat d/f
echo new >dangle
cat nowhere
ln -s d/f l 2>/dev/null; echo "ln -s onto an existing name: $?"
ln -sf d dl2 && ls dl2/

echo "-- tests"
[ -L l ] && echo "test -L l: yes"
[ -h dl ] && echo "test -h dl: yes"
[ -L d/f ] || echo "test -L d/f: no"
[ -d dl ] && echo "test -d dl: yes"
ln -s gone broken
[ -e broken ] || echo "test -e broken: no"
[ -L broken ] && echo "test -L broken: yes"
find . -type l | sort
find . -type f | sort
find -L . -type f -name f | sort

echo "-- change"
mv l d/moved
stat -c '%N' d/moved
cat d/moved 2>/dev/null; echo "cat moved relative link: $?"
rm dl
[ -d d ] && echo "rm of a link keeps its directory"
rm d/moved
cat d/f
ln -sf f d/l2
cat d/l2
ln -sf nothing d/l2
stat -c '%N' d/l2

echo "-- loop"
ln -s loop loop
cat loop 2>/dev/null; echo "cat loop: $?"
ls -ld loop | cut -c1
