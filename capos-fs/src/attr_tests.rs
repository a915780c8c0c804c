//! Host tests of the attributes: permission bits, the three times (with
//! a clock the test sets) and hard links.

use crate::{
    AttrChange, CapError, DEFAULT_DIR_MODE, DEFAULT_FILE_MODE, Fs, NodeKind, OpenOptions, ROOT_BADGE,
    TimeChange, Timestamp,
};
use CapError::*;

const R: u32 = ROOT_BADGE;

fn t(seconds: i64) -> Timestamp {
    Timestamp { seconds, nanos: 0 }
}

/// A tree with a writable `/tmp` and a read-only `/etc/motd`, the clock
/// at 100 s.
fn boot() -> Fs {
    let mut fs = Fs::from_boot_files(&[("/etc/motd", b"welcome", false)], &["/tmp"], 1 << 20, 64).unwrap();
    fs.set_clock(t(100));
    fs
}

fn create(fs: &mut Fs, path: &str, mode: u16) -> u32 {
    fs.open(R, path, OpenOptions::new().write(true).create(true).mode(mode)).unwrap()
}

#[test]
fn modes_are_stored_and_reported() {
    let mut fs = boot();
    assert_eq!(fs.stat(R, "etc/motd").unwrap().mode, 0o555, "read-only boot file");
    assert_eq!(fs.stat(R, "tmp").unwrap().mode, 0o755, "writable boot directory");
    let f = create(&mut fs, "tmp/a", 0o640);
    assert_eq!(fs.stat(R, "tmp/a").unwrap().mode, 0o640);
    assert_eq!(fs.file_stat(f).unwrap().mode, 0o640);
    // Opening an existing file keeps its bits whatever `mode` says.
    fs.open(R, "tmp/a", OpenOptions::new().write(true).create(true).mode(0o777)).unwrap();
    assert_eq!(fs.stat(R, "tmp/a").unwrap().mode, 0o640);
    // Defaults, and only the 12 low bits count.
    fs.open(R, "tmp/b", OpenOptions::new().write(true).create(true)).unwrap();
    assert_eq!(fs.stat(R, "tmp/b").unwrap().mode, DEFAULT_FILE_MODE);
    fs.mkdir(R, "tmp/d").unwrap();
    assert_eq!(fs.stat(R, "tmp/d").unwrap().mode, DEFAULT_DIR_MODE);
    fs.mkdir_mode(R, "tmp/e", 0o170_700).unwrap();
    assert_eq!(fs.stat(R, "tmp/e").unwrap().mode, 0o700);
    // chmod by path and by handle, set-id and sticky bits kept.
    let change = AttrChange { mode: Some(0o4751), ..AttrChange::default() };
    fs.set_attrs(R, "tmp/a", &change).unwrap();
    assert_eq!(fs.stat(R, "tmp/a").unwrap().mode, 0o4751);
    fs.file_set_attrs(f, &AttrChange { mode: Some(0o1600), ..AttrChange::default() }).unwrap();
    assert_eq!(fs.stat(R, "tmp/a").unwrap().mode, 0o1600);
    // A read-only node or handle changes nothing.
    assert_eq!(fs.set_attrs(R, "etc/motd", &change), Err(ReadOnly));
    let ro = fs.open_dir(R, "tmp", true).unwrap();
    assert_eq!(fs.set_attrs(ro, "a", &change), Err(ReadOnly));
    let through_ro = fs.open(ro, "a", OpenOptions::new()).unwrap();
    assert_eq!(fs.file_set_attrs(through_ro, &change), Err(ReadOnly));
    // A handle opened without write may still change attributes (as
    // fchmod on an O_RDONLY descriptor).
    let plain = fs.open(R, "tmp/a", OpenOptions::new()).unwrap();
    fs.file_set_attrs(plain, &change).unwrap();
    assert_eq!(fs.set_attrs(R, "tmp/none", &change), Err(NotFound));
    // Asking for no change is allowed even on a read-only node.
    assert_eq!(fs.set_attrs(R, "etc/motd", &AttrChange::default()), Ok(()));
}

#[test]
fn times_follow_writes_reads_and_changes() {
    let mut fs = boot();
    let f = create(&mut fs, "tmp/a", 0o644);
    let st = fs.stat(R, "tmp/a").unwrap();
    assert_eq!((st.atime, st.mtime, st.ctime), (t(100), t(100), t(100)));
    assert_eq!(fs.stat(R, "tmp").unwrap().mtime, t(100), "the directory changed");

    fs.set_clock(t(200));
    fs.write(f, b"").unwrap();
    assert_eq!(fs.stat(R, "tmp/a").unwrap().mtime, t(100), "an empty write changes nothing");
    fs.write(f, b"data").unwrap();
    let st = fs.stat(R, "tmp/a").unwrap();
    assert_eq!((st.atime, st.mtime, st.ctime), (t(100), t(200), t(200)));
    assert_eq!(fs.stat(R, "tmp").unwrap().mtime, t(100), "writing a file leaves its directory");

    // relatime: a read sets atime when it is not newer than mtime...
    fs.set_clock(t(300));
    fs.pread(f, 0, 4).unwrap();
    assert_eq!(fs.stat(R, "tmp/a").unwrap().atime, t(300));
    // ...and leaves it when it is, until a day has passed.
    fs.set_clock(t(400));
    fs.seek(f, 0, crate::Whence::Start).unwrap();
    fs.read(f, 4).unwrap();
    assert_eq!(fs.stat(R, "tmp/a").unwrap().atime, t(300));
    fs.set_clock(t(300 + 24 * 3600));
    fs.read(f, 4).unwrap();
    assert_eq!(fs.stat(R, "tmp/a").unwrap().atime, t(300 + 24 * 3600));
    let before = fs.stat(R, "tmp/a").unwrap();
    fs.set_clock(t(400_000));
    fs.read(f, 0).unwrap();
    assert_eq!(fs.stat(R, "tmp/a").unwrap(), before, "a read of nothing touches nothing");

    // Truncation (also by open) changes mtime and ctime.
    fs.set_clock(t(500_000));
    fs.truncate(f, 1).unwrap();
    let st = fs.stat(R, "tmp/a").unwrap();
    assert_eq!((st.mtime, st.ctime), (t(500_000), t(500_000)));
    fs.set_clock(t(600_000));
    fs.open(R, "tmp/a", OpenOptions::new().write(true).truncate(true)).unwrap();
    assert_eq!(fs.stat(R, "tmp/a").unwrap().mtime, t(600_000));

    // utimensat: given times, now, or kept; ctime is always now.
    fs.set_clock(t(700_000));
    let at = Timestamp::new(-5, 999_999_999).unwrap();
    let change = AttrChange { atime: TimeChange::At(at), mtime: TimeChange::Keep, mode: None };
    fs.set_attrs(R, "tmp/a", &change).unwrap();
    let st = fs.stat(R, "tmp/a").unwrap();
    assert_eq!((st.atime, st.mtime, st.ctime), (at, t(600_000), t(700_000)));
    fs.set_clock(t(800_000));
    let change = AttrChange { atime: TimeChange::Keep, mtime: TimeChange::Now, mode: None };
    fs.file_set_attrs(f, &change).unwrap();
    let st = fs.stat(R, "tmp/a").unwrap();
    assert_eq!((st.atime, st.mtime, st.ctime), (at, t(800_000), t(800_000)));
    assert_eq!(Timestamp::new(0, 1_000_000_000), Err(InvalidArgument));

    // chmod changes ctime only.
    fs.set_clock(t(900_000));
    fs.set_attrs(R, "tmp/a", &AttrChange { mode: Some(0o600), ..AttrChange::default() }).unwrap();
    let st = fs.stat(R, "tmp/a").unwrap();
    assert_eq!((st.mtime, st.ctime), (t(800_000), t(900_000)));

    // mkdir, rename and remove change the directories involved.
    fs.set_clock(t(1_000_000));
    fs.mkdir(R, "tmp/d").unwrap();
    assert_eq!(fs.stat(R, "tmp").unwrap().mtime, t(1_000_000));
    fs.set_clock(t(1_100_000));
    fs.rename(R, "tmp/a", "tmp/d/a").unwrap();
    assert_eq!(fs.stat(R, "tmp").unwrap().mtime, t(1_100_000));
    assert_eq!(fs.stat(R, "tmp/d").unwrap().mtime, t(1_100_000));
    let st = fs.stat(R, "tmp/d/a").unwrap();
    assert_eq!((st.mtime, st.ctime), (t(800_000), t(1_100_000)), "rename is a change of the node");
    fs.set_clock(t(1_200_000));
    fs.remove(R, "tmp/d/a").unwrap();
    assert_eq!(fs.stat(R, "tmp/d").unwrap().ctime, t(1_200_000));
    assert_eq!(fs.file_stat(f).unwrap().ctime, t(1_200_000), "the open, removed file changed");
}

#[test]
fn hard_links() {
    let mut fs = boot();
    let boot_bytes = fs.used_bytes();
    let f = create(&mut fs, "tmp/a", 0o644);
    fs.write(f, b"shared").unwrap();
    fs.mkdir(R, "tmp/d").unwrap();
    let nodes = fs.used_nodes();
    fs.set_clock(t(200));
    fs.link(R, "tmp/a", "tmp/d/b").unwrap();
    assert_eq!(fs.used_nodes(), nodes, "a link is no new node");
    let (a, b) = (fs.stat(R, "tmp/a").unwrap(), fs.stat(R, "tmp/d/b").unwrap());
    assert_eq!(a, b, "two names of one node");
    assert_eq!((a.links, a.ctime, a.mtime), (2, t(200), t(100)));
    assert_eq!(fs.stat(R, "tmp/d").unwrap().mtime, t(200));
    let listed = fs.list(R, "tmp/d").unwrap();
    assert_eq!(listed[0].id, a.id, "the listing reports the node's number");

    // A write through one name shows through the other.
    let g = fs.open(R, "tmp/d/b", OpenOptions::new().write(true).append(true)).unwrap();
    fs.write(g, b"!").unwrap();
    assert_eq!(fs.pread(f, 0, 16).unwrap(), b"shared!");

    // Removing one name keeps the data.
    fs.remove(R, "tmp/a").unwrap();
    assert_eq!(fs.stat(R, "tmp/d/b").unwrap().links, 1);
    let h = fs.open(R, "tmp/d/b", OpenOptions::new()).unwrap();
    assert_eq!(fs.read(h, 16).unwrap(), b"shared!");
    // Renaming a name onto another name of the same node does nothing.
    fs.link(R, "tmp/d/b", "tmp/c").unwrap();
    fs.rename(R, "tmp/c", "tmp/d/b").unwrap();
    assert_eq!(fs.stat(R, "tmp/c").unwrap().links, 2);
    // The node is freed once every name and handle is gone.
    fs.remove(R, "tmp/c").unwrap();
    fs.remove(R, "tmp/d/b").unwrap();
    assert_eq!(fs.used_nodes(), nodes, "still open");
    for badge in [f, g, h] {
        fs.close(badge).unwrap();
    }
    assert_eq!(fs.used_nodes(), nodes - 1);
    assert_eq!(fs.used_bytes(), boot_bytes);
}

#[test]
fn link_errors() {
    let mut fs = boot();
    create(&mut fs, "tmp/a", 0o644);
    fs.mkdir(R, "tmp/d").unwrap();
    assert_eq!(fs.link(R, "tmp/none", "tmp/x"), Err(NotFound));
    assert_eq!(fs.link(R, "tmp/a", "tmp/none/x"), Err(NotFound));
    assert_eq!(fs.link(R, "tmp/a", "tmp/a/x"), Err(NotADirectory));
    assert_eq!(fs.link(R, "tmp/a", "tmp/d"), Err(AlreadyExists));
    assert_eq!(fs.link(R, "tmp/a", "tmp/a"), Err(AlreadyExists));
    assert_eq!(fs.link(R, "tmp/a", "tmp"), Err(AlreadyExists));
    assert_eq!(fs.link(R, "tmp/d", "tmp/e"), Err(IsADirectory));
    assert_eq!(fs.link(R, "tmp/a", "tmp/e/"), Err(NotADirectory));
    assert_eq!(fs.link(R, "etc/motd", "tmp/motd"), Err(ReadOnly), "a read-only node");
    assert_eq!(fs.link(R, "tmp/a", "etc/a"), Err(ReadOnly), "a read-only directory");
    let ro = fs.open_dir(R, "tmp", true).unwrap();
    assert_eq!(fs.link(ro, "a", "b"), Err(ReadOnly));
    // `..` never leaves the handle's tree.
    let d = fs.open_dir(R, "tmp/d", false).unwrap();
    assert_eq!(fs.link(d, "../a", "a"), Err(NotFound));
    assert_eq!(fs.link(d, "x", "../../a"), Err(NotFound));
    assert_eq!(fs.stat(R, "tmp/a").unwrap().links, 1, "no failed call linked anything");
    assert_eq!(fs.link(12345, "a", "b"), Err(InvalidCap));
}

#[test]
fn directory_links_count_subdirectories() {
    let mut fs = boot();
    fs.mkdir(R, "tmp/d").unwrap();
    assert_eq!(fs.stat(R, "tmp/d").unwrap().links, 2);
    fs.mkdir(R, "tmp/d/e").unwrap();
    fs.mkdir(R, "tmp/d/f").unwrap();
    create(&mut fs, "tmp/d/g", 0o644);
    let st = fs.stat(R, "tmp/d").unwrap();
    assert_eq!((st.kind, st.links), (NodeKind::Directory, 4));
    fs.remove(R, "tmp/d/e").unwrap();
    assert_eq!(fs.stat(R, "tmp/d").unwrap().links, 3);
}

#[test]
fn node_numbers_tell_nodes_apart() {
    let mut fs = boot();
    create(&mut fs, "tmp/a", 0o644);
    create(&mut fs, "tmp/b", 0o644);
    let (a, b) = (fs.stat(R, "tmp/a").unwrap(), fs.stat(R, "tmp/b").unwrap());
    assert_ne!(a.id, b.id);
    fs.rename(R, "tmp/a", "tmp/c").unwrap();
    assert_eq!(fs.stat(R, "tmp/c").unwrap().id, a.id, "a rename keeps the number");
}
