//! Host tests of symbolic links: making and reading them, which calls
//! follow them, relative and absolute targets, loops, escape attempts
//! through a Directory handle, and the node quota.

use crate::{CapError, Fs, LINK_MODE, MAX_FOLLOWS, MAX_TARGET, NodeKind, OpenOptions, ROOT_BADGE};
use CapError::*;

const R: u32 = ROOT_BADGE;

/// A tree with a writable `/tmp` (holding `d/f` = "data") and a read-only
/// `/etc/motd`.
fn boot() -> Fs {
    let mut fs = Fs::from_boot_files(&[("/etc/motd", b"welcome", false)], &["/tmp"], 1 << 20, 64).unwrap();
    fs.mkdir(R, "tmp/d").unwrap();
    let f = fs.create(R, "tmp/d/f").unwrap();
    fs.write(f, b"data").unwrap();
    fs
}

fn read_all(fs: &mut Fs, badge: u32, path: &str) -> Result<Vec<u8>, CapError> {
    let f = fs.open(badge, path, OpenOptions::new())?;
    fs.read(f, 100)
}

#[test]
fn make_read_and_stat_a_link() {
    let mut fs = boot();
    fs.symlink(R, "d/f", "tmp/l").unwrap();
    assert_eq!(fs.readlink(R, "tmp/l").unwrap(), "d/f");
    let link = fs.lstat(R, "tmp/l").unwrap();
    assert_eq!((link.kind, link.size, link.mode, link.links), (NodeKind::Symlink, 3, LINK_MODE, 1));
    let target = fs.stat(R, "tmp/l").unwrap();
    assert_eq!((target.kind, target.size), (NodeKind::File, 4));
    assert_eq!(target.id, fs.stat(R, "tmp/d/f").unwrap().id);
    assert_eq!(read_all(&mut fs, R, "tmp/l").unwrap(), b"data");
    // `list` reports the link itself.
    let entries = fs.list(R, "tmp").unwrap();
    let l = entries.iter().find(|e| e.name == "l").unwrap();
    assert_eq!((l.kind, l.size), (NodeKind::Symlink, 3));
    // Not a link, a link at an existing name, bad targets.
    assert_eq!(fs.readlink(R, "tmp/d/f"), Err(InvalidArgument));
    assert_eq!(fs.readlink(R, "tmp/d"), Err(InvalidArgument));
    assert_eq!(fs.readlink(R, "tmp/none"), Err(NotFound));
    assert_eq!(fs.symlink(R, "x", "tmp/l"), Err(AlreadyExists));
    assert_eq!(fs.symlink(R, "x", "tmp/d"), Err(AlreadyExists));
    assert_eq!(fs.symlink(R, "", "tmp/e"), Err(NotFound));
    assert_eq!(fs.symlink(R, "a\0b", "tmp/e"), Err(InvalidArgument));
    assert_eq!(fs.symlink(R, &"a".repeat(MAX_TARGET + 1), "tmp/e"), Err(InvalidArgument));
    fs.symlink(R, &"a".repeat(MAX_TARGET), "tmp/long").unwrap();
    assert_eq!(fs.readlink(R, "tmp/long").unwrap().len(), MAX_TARGET);
    // Read-only places.
    assert_eq!(fs.symlink(R, "x", "etc/l"), Err(ReadOnly));
    let ro = fs.open_dir(R, "tmp", true).unwrap();
    assert_eq!(fs.symlink(ro, "x", "m"), Err(ReadOnly));
    assert_eq!(fs.readlink(ro, "l").unwrap(), "d/f");
}

#[test]
fn intermediate_and_final_links_are_followed() {
    let mut fs = boot();
    fs.symlink(R, "d", "tmp/dl").unwrap();
    fs.symlink(R, "/tmp/d", "tmp/abs").unwrap();
    assert_eq!(read_all(&mut fs, R, "tmp/dl/f").unwrap(), b"data");
    assert_eq!(read_all(&mut fs, R, "tmp/abs/f").unwrap(), b"data");
    assert_eq!(fs.list(R, "tmp/dl").unwrap().len(), 1);
    assert_eq!(fs.stat(R, "tmp/dl").unwrap().kind, NodeKind::Directory);
    assert_eq!(fs.stat(R, "tmp/dl/").unwrap().kind, NodeKind::Directory);
    assert_eq!(fs.lstat(R, "tmp/dl").unwrap().kind, NodeKind::Symlink);
    // A trailing slash follows the link even for lstat.
    assert_eq!(fs.lstat(R, "tmp/dl/").unwrap().kind, NodeKind::Directory);
    // Made and opened through links; mkdir's parent is followed.
    fs.mkdir(R, "tmp/dl/sub").unwrap();
    assert_eq!(fs.stat(R, "tmp/d/sub").unwrap().kind, NodeKind::Directory);
    fs.create(R, "tmp/abs/g").unwrap();
    assert!(fs.stat(R, "tmp/d/g").is_ok());
    let dir = fs.open_dir(R, "tmp/dl", false).unwrap();
    assert_eq!(read_all(&mut fs, dir, "f").unwrap(), b"data");
    // `..` after a link goes to the parent of its target (physical).
    fs.symlink(R, "d/sub", "tmp/sl").unwrap();
    assert_eq!(fs.stat(R, "tmp/sl/..").unwrap().id, fs.stat(R, "tmp/d").unwrap().id);
    // A link through a file is NotADirectory; a link to a file with `/`.
    fs.symlink(R, "d/f", "tmp/fl").unwrap();
    assert_eq!(fs.stat(R, "tmp/fl/x"), Err(NotADirectory));
    assert_eq!(fs.stat(R, "tmp/fl/"), Err(NotADirectory));
    // Chains of links.
    fs.symlink(R, "fl", "tmp/fl2").unwrap();
    fs.symlink(R, "./fl2", "tmp/fl3").unwrap();
    assert_eq!(read_all(&mut fs, R, "tmp/fl3").unwrap(), b"data");
}

#[test]
fn dangling_links_and_create_through_them() {
    let mut fs = boot();
    fs.symlink(R, "new", "tmp/dangle").unwrap();
    assert_eq!(fs.stat(R, "tmp/dangle"), Err(NotFound));
    assert_eq!(fs.lstat(R, "tmp/dangle").unwrap().kind, NodeKind::Symlink);
    assert_eq!(fs.open(R, "tmp/dangle", OpenOptions::new()), Err(NotFound));
    // O_CREAT through a dangling link makes its target; O_EXCL refuses.
    let excl = OpenOptions::new().write(true).create(true).exclusive(true);
    assert_eq!(fs.open(R, "tmp/dangle", excl), Err(AlreadyExists));
    let f = fs.open(R, "tmp/dangle", OpenOptions::new().write(true).create(true)).unwrap();
    fs.write(f, b"x").unwrap();
    assert_eq!(fs.stat(R, "tmp/new").unwrap().size, 1);
    // A dangling link into a missing directory.
    fs.symlink(R, "nodir/x", "tmp/deep").unwrap();
    assert_eq!(fs.open(R, "tmp/deep", OpenOptions::new().write(true).create(true)), Err(NotFound));
    // mkdir at a link's name is AlreadyExists even when it dangles.
    assert_eq!(fs.mkdir(R, "tmp/deep"), Err(AlreadyExists));
}

#[test]
fn no_follow_remove_rename_and_link_act_on_the_link() {
    let mut fs = boot();
    fs.symlink(R, "d/f", "tmp/l").unwrap();
    let nofollow = OpenOptions::new().no_follow(true);
    assert_eq!(fs.open(R, "tmp/l", nofollow), Err(TooManyLinks));
    assert!(fs.open(R, "tmp/d/f", nofollow).is_ok());
    fs.symlink(R, "d", "tmp/dl").unwrap();
    assert!(fs.open(R, "tmp/dl/f", nofollow).is_ok(), "only the final name counts");
    // link(2) does not follow: a second name of the link itself.
    fs.link(R, "tmp/l", "tmp/l2").unwrap();
    assert_eq!(fs.lstat(R, "tmp/l2").unwrap().kind, NodeKind::Symlink);
    assert_eq!(fs.lstat(R, "tmp/l").unwrap().links, 2);
    // rename moves the link, not its target.
    fs.rename(R, "tmp/l2", "tmp/d/moved").unwrap();
    assert_eq!(fs.readlink(R, "tmp/d/moved").unwrap(), "d/f");
    // Now relative to /tmp/d: d/f is missing from there.
    assert_eq!(fs.stat(R, "tmp/d/moved"), Err(NotFound));
    // rename onto a link replaces the link; a link onto a directory fails.
    fs.create(R, "tmp/other").unwrap();
    fs.rename(R, "tmp/other", "tmp/d/moved").unwrap();
    assert_eq!(fs.lstat(R, "tmp/d/moved").unwrap().kind, NodeKind::File);
    assert_eq!(fs.rename(R, "tmp/l", "tmp/d"), Err(IsADirectory));
    fs.mkdir(R, "tmp/e").unwrap();
    assert_eq!(fs.rename(R, "tmp/e", "tmp/l"), Err(NotADirectory));
    // remove takes the link away, never its target; `link/` is no link.
    assert_eq!(fs.remove(R, "tmp/dl/"), Err(NotADirectory));
    fs.remove(R, "tmp/dl").unwrap();
    assert_eq!(fs.stat(R, "tmp/d").unwrap().kind, NodeKind::Directory);
    fs.remove(R, "tmp/l").unwrap();
    assert_eq!(fs.stat(R, "tmp/d/f").unwrap().size, 4);
    assert_eq!(fs.lstat(R, "tmp/l"), Err(NotFound));
}

#[test]
fn loops_end_with_too_many_links() {
    let mut fs = boot();
    fs.symlink(R, "self", "tmp/self").unwrap();
    assert_eq!(fs.stat(R, "tmp/self"), Err(TooManyLinks));
    assert_eq!(fs.open(R, "tmp/self", OpenOptions::new().write(true).create(true)), Err(TooManyLinks));
    fs.symlink(R, "b", "tmp/a").unwrap();
    fs.symlink(R, "a", "tmp/b").unwrap();
    assert_eq!(fs.stat(R, "tmp/a/x"), Err(TooManyLinks));
    assert_eq!(fs.list(R, "tmp/b"), Err(TooManyLinks));
    // lstat, readlink and remove do not follow.
    assert_eq!(fs.lstat(R, "tmp/a").unwrap().kind, NodeKind::Symlink);
    assert_eq!(fs.readlink(R, "tmp/a").unwrap(), "b");
    // Exactly MAX_FOLLOWS links in a chain resolve; one more does not.
    fs.create(R, "tmp/end").unwrap();
    let mut prev = String::from("end");
    for i in 0..MAX_FOLLOWS {
        let name = format!("c{i}");
        fs.symlink(R, &prev, &format!("tmp/{name}")).unwrap();
        prev = name;
    }
    assert_eq!(fs.stat(R, &format!("tmp/{prev}")).unwrap().kind, NodeKind::File);
    fs.symlink(R, &prev, "tmp/over").unwrap();
    assert_eq!(fs.stat(R, "tmp/over"), Err(TooManyLinks));
    fs.remove(R, "tmp/self").unwrap();
}

#[test]
fn links_never_leave_the_handle_root() {
    let mut fs = boot();
    fs.mkdir(R, "tmp/jail").unwrap();
    fs.mkdir(R, "tmp/jail/in").unwrap();
    fs.symlink(R, "/etc/motd", "tmp/jail/abs").unwrap();
    fs.symlink(R, "../../../etc/motd", "tmp/jail/up").unwrap();
    fs.symlink(R, "../d/f", "tmp/jail/sibling").unwrap();
    fs.symlink(R, "/", "tmp/jail/root").unwrap();
    fs.symlink(R, "..", "tmp/jail/in/parent").unwrap();
    // Through the root handle they reach what they name.
    assert_eq!(read_all(&mut fs, R, "tmp/jail/abs").unwrap(), b"welcome");
    assert_eq!(read_all(&mut fs, R, "tmp/jail/up").unwrap(), b"welcome");
    assert_eq!(read_all(&mut fs, R, "tmp/jail/sibling").unwrap(), b"data");
    // Through a handle rooted at /tmp/jail, `/` and `..` stop at the jail.
    let jail = fs.open_dir(R, "tmp/jail", false).unwrap();
    let jail_id = fs.stat(jail, "").unwrap().id;
    assert_eq!(fs.stat(jail, "abs"), Err(NotFound), "/etc/motd inside the jail");
    assert_eq!(fs.stat(jail, "up"), Err(NotFound));
    assert_eq!(fs.stat(jail, "sibling"), Err(NotFound));
    assert_eq!(fs.stat(jail, "root").unwrap().id, jail_id);
    assert_eq!(fs.stat(jail, "root/..").unwrap().id, jail_id);
    assert_eq!(fs.stat(jail, "in/parent/..").unwrap().id, jail_id);
    assert_eq!(fs.stat(jail, "in/parent/../../..").unwrap().id, jail_id);
    // Creating through an escaping link stays inside too.
    fs.symlink(jail, "/etc/new", "mk").unwrap();
    assert_eq!(fs.open(jail, "mk", OpenOptions::new().write(true).create(true)), Err(NotFound));
    fs.mkdir(jail, "etc").unwrap();
    fs.open(jail, "mk", OpenOptions::new().write(true).create(true)).unwrap();
    assert!(fs.stat(R, "tmp/jail/etc/new").is_ok());
    assert_eq!(fs.stat(R, "etc/new"), Err(NotFound));
    // A directory opened through a link is rooted at the target.
    let via = fs.open_dir(R, "tmp/jail/in/parent", false).unwrap();
    assert_eq!(fs.stat(via, "..").unwrap().id, jail_id);
}

#[test]
fn links_count_as_nodes() {
    let mut fs = Fs::from_boot_files(&[], &["/tmp"], 1 << 20, 4).unwrap();
    // The root and /tmp take two of four.
    fs.symlink(R, "a", "tmp/l1").unwrap();
    fs.symlink(R, "b", "tmp/l2").unwrap();
    assert_eq!(fs.used_nodes(), 4);
    assert_eq!(fs.symlink(R, "c", "tmp/l3"), Err(NoSpace));
    assert_eq!(fs.used_bytes(), 0);
    fs.remove(R, "tmp/l1").unwrap();
    assert_eq!(fs.used_nodes(), 3);
    fs.symlink(R, "c", "tmp/l3").unwrap();
}

#[test]
fn boot_tree_links() {
    let mut tree = crate::BootTree::new(&["/tmp"], 1 << 20, 64, crate::Timestamp::default()).unwrap();
    let busybox = tree.add_file("/bin/busybox", false).unwrap();
    tree.append(busybox, b"ELF").unwrap();
    tree.add_symlink("/bin/cat", "busybox").unwrap();
    tree.add_symlink("/usr/bin/cat", "/bin/cat").unwrap();
    tree.add_symlink("/etc/dangling", "none").unwrap();
    assert_eq!(tree.add_symlink("/bin/cat", "x"), Err(AlreadyExists));
    assert_eq!(tree.add_symlink("/bin", "x"), Err(IsADirectory));
    assert_eq!(tree.add_symlink("bin/rel", "x"), Err(InvalidArgument));
    assert_eq!(tree.add_symlink("/bin/e", ""), Err(NotFound));
    assert_eq!(tree.add_symlink("/bin/e", "a\0b"), Err(InvalidArgument));
    assert_eq!(tree.add_file("/bin/cat", false), Err(AlreadyExists));
    let mut fs = tree.finish();
    assert_eq!(fs.readlink(R, "bin/cat").unwrap(), "busybox");
    assert_eq!(fs.lstat(R, "bin/cat").unwrap().kind, NodeKind::Symlink);
    assert_eq!(read_all(&mut fs, R, "bin/cat").unwrap(), b"ELF");
    assert_eq!(read_all(&mut fs, R, "usr/bin/cat").unwrap(), b"ELF");
    assert_eq!(read_all(&mut fs, R, "etc/dangling"), Err(NotFound));
    // Boot links live in read-only directories: not removed or replaced.
    assert_eq!(fs.remove(R, "bin/cat"), Err(ReadOnly));
}

#[test]
fn a_links_own_times_change_without_following() {
    use crate::{AttrChange, TimeChange, Timestamp};
    let mut fs = boot();
    fs.symlink(R, "d/f", "tmp/l").unwrap();
    let at = |seconds| TimeChange::At(Timestamp { seconds, nanos: 0 });
    let change = AttrChange { mtime: at(1_000), atime: at(900), ..AttrChange::default() };
    fs.set_attrs_no_follow(R, "tmp/l", &change).unwrap();
    let link = fs.lstat(R, "tmp/l").unwrap();
    assert_eq!((link.mtime.seconds, link.atime.seconds), (1_000, 900));
    assert_ne!(fs.stat(R, "tmp/d/f").unwrap().mtime.seconds, 1_000);
    // Followed, the file changes and the link keeps its times.
    fs.set_attrs(R, "tmp/l", &AttrChange { mtime: at(2_000), ..AttrChange::default() }).unwrap();
    assert_eq!(fs.stat(R, "tmp/d/f").unwrap().mtime.seconds, 2_000);
    assert_eq!(fs.lstat(R, "tmp/l").unwrap().mtime.seconds, 1_000);
    // A link's bits cannot change; a plain file's can, without following.
    let bits = AttrChange { mode: Some(0o600), ..AttrChange::default() };
    assert_eq!(fs.set_attrs_no_follow(R, "tmp/l", &bits), Err(Unsupported));
    fs.set_attrs_no_follow(R, "tmp/d/f", &bits).unwrap();
    assert_eq!(fs.stat(R, "tmp/d/f").unwrap().mode, 0o600);
    // A dangling link, a missing name, a read-only handle.
    fs.symlink(R, "none", "tmp/dangling").unwrap();
    fs.set_attrs_no_follow(R, "tmp/dangling", &change).unwrap();
    assert_eq!(fs.set_attrs(R, "tmp/dangling", &change), Err(NotFound));
    assert_eq!(fs.set_attrs_no_follow(R, "tmp/none", &change), Err(NotFound));
    let ro = fs.open_dir(R, "tmp", true).unwrap();
    assert_eq!(fs.set_attrs_no_follow(ro, "l", &change), Err(ReadOnly));
}
