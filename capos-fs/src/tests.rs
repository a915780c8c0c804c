//! Host tests of the tree: every operation, every error path, `..`
//! confinement, quotas, removal of open nodes, big and sparse files.

use alloc::format;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use crate::data::CHUNK_SIZE;
use crate::{
    CapError, DirHandle, Fs, Handle, MAX_HANDLES, MAX_IO, NodeKind, OpenOptions, ROOT_BADGE, Whence,
};
use CapError::*;

const R: u32 = ROOT_BADGE;
const MB: u64 = 1 << 20;

/// A tree with a writable `/tmp`, a read-only `/etc/motd`, a writable
/// boot file `/etc/writable` and a read-only boot file `/tmp/boot`.
fn boot() -> Fs {
    Fs::from_boot_files(
        &[
            ("/etc/motd", b"welcome", false),
            ("/etc/writable", b"change me", true),
            ("/tmp/boot", b"boot file", false),
            ("/share/doc/readme", b"docs", false),
        ],
        &["/tmp", "/home"],
        64 * MB,
        4096,
    )
    .unwrap()
}

fn write_opts() -> OpenOptions {
    OpenOptions { write: true, ..OpenOptions::default() }
}

fn names(fs: &Fs, dir: u32, path: &str) -> Vec<String> {
    fs.list(dir, path).unwrap().into_iter().map(|e| e.name).collect()
}

fn read_all(fs: &mut Fs, f: u32) -> Vec<u8> {
    fs.seek(f, 0, Whence::Start).unwrap();
    let mut out = Vec::new();
    loop {
        let chunk = fs.read(f, u32::MAX).unwrap();
        if chunk.is_empty() {
            return out;
        }
        out.extend_from_slice(&chunk);
    }
}

/// Opens `path` read-only, reads it whole and releases the handle.
fn contents(fs: &mut Fs, dir: u32, path: &str) -> Vec<u8> {
    let f = fs.open(dir, path, OpenOptions::default()).unwrap();
    let data = read_all(fs, f);
    fs.release(f);
    data
}

#[test]
fn boot_tree_shape_and_rights() {
    let fs = boot();
    assert_eq!(names(&fs, R, ""), ["etc", "home", "share", "tmp"]);
    assert_eq!(names(&fs, R, "/etc"), ["motd", "writable"]);
    let root = fs.stat(R, "").unwrap();
    assert_eq!((root.kind, root.size, root.writable), (NodeKind::Directory, 4, false));
    assert!(!fs.stat(R, "etc").unwrap().writable);
    assert!(!fs.stat(R, "etc/motd").unwrap().writable);
    assert!(fs.stat(R, "etc/writable").unwrap().writable);
    assert!(fs.stat(R, "tmp").unwrap().writable);
    assert!(fs.stat(R, "home").unwrap().writable);
    assert!(!fs.stat(R, "tmp/boot").unwrap().writable);
    assert!(!fs.stat(R, "share/doc").unwrap().writable);
    let motd = fs.stat(R, "/etc/motd").unwrap();
    assert_eq!((motd.kind, motd.size), (NodeKind::File, 7));
    assert_eq!(fs.used_bytes(), 7 + 9 + 9 + 4);
    // root, etc, motd, writable, tmp, boot, home, share, doc, readme
    assert_eq!(fs.used_nodes(), 10);
    let entries = fs.list(R, "etc").unwrap();
    assert_eq!((entries[0].kind, entries[0].size), (NodeKind::File, 7));
}

#[test]
fn boot_intermediate_dirs_under_writable_are_writable() {
    let fs = Fs::from_boot_files(&[("/tmp/a/b/f", b"x", false)], &["/tmp", "/x/y/z", "/x"], MB, 100).unwrap();
    assert!(fs.stat(R, "tmp/a/b").unwrap().writable);
    assert!(!fs.stat(R, "tmp/a/b/f").unwrap().writable);
    // /x is listed after /x/y/z made it: still writable, and so is /x/y.
    assert!(fs.stat(R, "x").unwrap().writable);
    assert!(fs.stat(R, "x/y").unwrap().writable);
    let ro = Fs::from_boot_files(&[], &["/a/b"], MB, 100).unwrap();
    assert!(!ro.stat(R, "a").unwrap().writable);
    assert!(ro.stat(R, "a/b").unwrap().writable);
    let all = Fs::from_boot_files(&[("/f", b"", false)], &["/"], MB, 100).unwrap();
    assert!(all.stat(R, "").unwrap().writable);
}

#[test]
fn boot_errors() {
    let e = |files: &[crate::BootFile<'_>], dirs: &[&str], bytes, nodes| {
        Fs::from_boot_files(files, dirs, bytes, nodes).map(|_| ()).unwrap_err()
    };
    assert_eq!(e(&[("/a", b"", false), ("/a", b"", false)], &[], MB, 10), AlreadyExists);
    assert_eq!(e(&[("/a", b"", false), ("/a/b", b"", false)], &[], MB, 10), NotADirectory);
    assert_eq!(e(&[("/a/b", b"", false), ("/a", b"", false)], &[], MB, 10), IsADirectory);
    assert_eq!(e(&[("/tmp", b"", false)], &["/tmp"], MB, 10), IsADirectory);
    assert_eq!(e(&[("relative", b"", false)], &[], MB, 10), InvalidArgument);
    assert_eq!(e(&[("/a/../b", b"", false)], &[], MB, 10), InvalidArgument);
    assert_eq!(e(&[("/", b"", false)], &[], MB, 10), InvalidArgument);
    assert_eq!(e(&[], &["tmp"], MB, 10), InvalidArgument);
    assert_eq!(e(&[], &["/tmp/.."], MB, 10), InvalidArgument);
    assert_eq!(e(&[("/a", b"12345", false)], &[], 4, 10), NoSpace);
    assert_eq!(e(&[("/a/b", b"", false)], &[], MB, 2), NoSpace);
    assert_eq!(e(&[], &[], MB, 0), NoSpace);
    assert!(Fs::from_boot_files(&[("/a/b", b"", false)], &[], MB, 3).is_ok());
}

#[test]
fn create_write_read_seek() {
    let mut fs = boot();
    let f = fs.create(R, "/tmp/hello").unwrap();
    assert_ne!(f, R);
    assert_eq!(fs.write(f, b"hello, ").unwrap(), 7);
    assert_eq!(fs.write(f, b"world").unwrap(), 5);
    assert_eq!(fs.file_stat(f).unwrap().size, 12);
    assert!(fs.file_stat(f).unwrap().writable);
    assert!(fs.read(f, 10).unwrap().is_empty(), "at the end");
    assert_eq!(fs.seek(f, 0, Whence::Start).unwrap(), 0);
    assert_eq!(fs.read(f, 5).unwrap(), b"hello");
    assert_eq!(fs.seek(f, 2, Whence::Current).unwrap(), 7);
    assert_eq!(fs.read(f, 100).unwrap(), b"world");
    assert_eq!(fs.seek(f, -5, Whence::End).unwrap(), 7);
    assert_eq!(fs.write(f, b"W").unwrap(), 1);
    assert_eq!(fs.pread(f, 0, 100).unwrap(), b"hello, World");
    assert_eq!(fs.seek(f, 0, Whence::Current).unwrap(), 8, "pread does not move");
    assert_eq!(fs.pwrite(f, 0, b"J").unwrap(), 1);
    assert_eq!(fs.seek(f, 0, Whence::Current).unwrap(), 8, "pwrite does not move");
    assert_eq!(fs.seek(f, -1, Whence::Start), Err(InvalidArgument));
    assert_eq!(fs.seek(f, i64::MIN, Whence::End), Err(InvalidArgument));
    assert_eq!(fs.seek(f, i64::MAX, Whence::Start).unwrap(), i64::MAX as u64);
    assert_eq!(fs.seek(f, 1, Whence::Current), Err(InvalidArgument));
    assert!(fs.read(f, 1).unwrap().is_empty(), "far past the end");
    fs.sync(f).unwrap();
    assert_eq!(contents(&mut fs, R, "tmp/hello"), b"Jello, World");
    assert_eq!(fs.stat(R, "tmp/hello").unwrap().size, 12);
    // create again truncates
    let g = fs.create(R, "tmp/hello").unwrap();
    assert_eq!(fs.file_stat(g).unwrap().size, 0);
    assert_eq!(fs.pread(f, 0, 10).unwrap(), b"", "the other handle sees the same file");
}

#[test]
fn write_past_end_fills_zeros_and_truncate() {
    let mut fs = boot();
    let f = fs.create(R, "tmp/gap").unwrap();
    assert_eq!(fs.pwrite(f, 10, b"x").unwrap(), 1);
    assert_eq!(fs.pread(f, 0, 100).unwrap(), [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, b'x']);
    fs.truncate(f, 3).unwrap();
    assert_eq!(fs.file_stat(f).unwrap().size, 3);
    fs.truncate(f, 20).unwrap();
    assert_eq!(fs.pread(f, 0, 100).unwrap(), vec![0; 20]);
    assert_eq!(fs.used_bytes(), 29 + 20);
    fs.truncate(f, 0).unwrap();
    assert_eq!(fs.used_bytes(), 29);
}

#[test]
#[cfg_attr(miri, ignore = "slow under Miri; no unsafe code to check")]
fn io_is_clamped_to_max_io() {
    let mut fs = boot();
    let f = fs.create(R, "tmp/big").unwrap();
    let data = vec![1u8; MAX_IO + 100];
    assert_eq!(fs.write(f, &data).unwrap(), MAX_IO as u64);
    assert_eq!(fs.pwrite(f, MAX_IO as u64, &data).unwrap(), MAX_IO as u64);
    assert_eq!(fs.pread(f, 0, u32::MAX).unwrap().len(), MAX_IO);
    fs.seek(f, 0, Whence::Start).unwrap();
    assert_eq!(fs.read(f, (MAX_IO * 2) as u32).unwrap().len(), MAX_IO);
    assert_eq!(fs.read(f, 0).unwrap().len(), 0);
    assert_eq!(fs.write(f, b"").unwrap(), 0);
}

#[test]
fn append_mode() {
    let mut fs = boot();
    let f = fs.create(R, "tmp/log").unwrap();
    fs.write(f, b"one\n").unwrap();
    let opts = OpenOptions { write: true, append: true, ..OpenOptions::default() };
    let a = fs.open(R, "tmp/log", opts).unwrap();
    assert_eq!(fs.write(f, b"ONE\n").unwrap(), 4);
    fs.seek(f, 0, Whence::Start).unwrap();
    fs.seek(a, 0, Whence::Start).unwrap();
    fs.write(a, b"two\n").unwrap();
    assert_eq!(fs.seek(a, 0, Whence::Current).unwrap(), 12);
    assert_eq!(contents(&mut fs, R, "tmp/log"), b"one\nONE\ntwo\n");
    // pwrite writes at its offset, even in append mode
    fs.pwrite(a, 0, b"0").unwrap();
    assert_eq!(contents(&mut fs, R, "tmp/log"), b"0ne\nONE\ntwo\n");
}

#[test]
fn open_flags() {
    let mut fs = boot();
    let o = |write, create, exclusive, truncate, append| OpenOptions {
        write,
        create,
        exclusive,
        truncate,
        append,
        ..OpenOptions::default()
    };
    assert_eq!(fs.open(R, "tmp/none", o(false, false, false, false, false)), Err(NotFound));
    let f = fs.open(R, "tmp/new", o(false, true, true, false, false)).unwrap();
    assert!(!fs.file_stat(f).unwrap().writable, "created without write: a read-only handle");
    assert_eq!(fs.write(f, b"x"), Err(ReadOnly));
    assert_eq!(fs.truncate(f, 0), Err(ReadOnly));
    assert_eq!(fs.pwrite(f, 0, b"x"), Err(ReadOnly));
    assert_eq!(fs.open(R, "tmp/new", o(true, true, true, false, false)), Err(AlreadyExists));
    assert_eq!(fs.open(R, "tmp", o(true, true, true, false, false)), Err(AlreadyExists));
    // exclusive without create is ignored
    assert!(fs.open(R, "tmp/new", o(false, false, true, false, false)).is_ok());
    assert_eq!(fs.open(R, "tmp/new", o(false, false, false, true, false)), Err(InvalidArgument));
    assert_eq!(fs.open(R, "tmp/new", o(false, false, false, false, true)), Err(InvalidArgument));
    let w = fs.open(R, "tmp/new", o(true, false, false, false, false)).unwrap();
    fs.write(w, b"abc").unwrap();
    let t = fs.open(R, "tmp/new", o(true, false, false, true, false)).unwrap();
    assert_eq!(fs.file_stat(t).unwrap().size, 0);
    assert_eq!(fs.open(R, "tmp", o(false, false, false, false, false)), Err(IsADirectory));
    assert_eq!(fs.open(R, "", o(false, false, false, false, false)), Err(IsADirectory));
    assert_eq!(fs.open(R, "tmp/..", o(true, true, false, false, false)), Err(IsADirectory));
    assert_eq!(fs.open(R, "tmp/new/", o(false, false, false, false, false)), Err(NotADirectory));
    assert_eq!(fs.open(R, "tmp/x/", o(true, true, false, false, false)), Err(IsADirectory));
    assert_eq!(fs.open(R, "tmp/new/x", o(true, true, false, false, false)), Err(NotADirectory));
    assert_eq!(fs.open(R, "tmp/none/x", o(true, true, false, false, false)), Err(NotFound));
    assert_eq!(fs.open(R, "tmp/a\0b", o(true, true, false, false, false)), Err(InvalidArgument));
    assert_eq!(fs.open(R, &"x".repeat(256), o(true, true, false, false, false)), Err(InvalidArgument));
}

#[test]
fn read_only_nodes_reject_changes() {
    let mut fs = boot();
    assert_eq!(fs.open(R, "etc/motd", write_opts()), Err(ReadOnly));
    assert_eq!(fs.create(R, "etc/motd"), Err(ReadOnly));
    assert_eq!(fs.create(R, "etc/new"), Err(ReadOnly));
    assert_eq!(fs.mkdir(R, "etc/new"), Err(ReadOnly));
    assert_eq!(fs.remove(R, "etc/motd"), Err(ReadOnly));
    assert_eq!(fs.rename(R, "etc/motd", "tmp/motd"), Err(ReadOnly));
    assert_eq!(fs.rename(R, "tmp/boot", "tmp/boot2"), Err(ReadOnly), "a read-only file cannot move");
    assert_eq!(fs.remove(R, "tmp/boot"), Err(ReadOnly), "nor be removed");
    let f = fs.create(R, "tmp/f").unwrap();
    fs.release(f);
    assert_eq!(fs.rename(R, "tmp/f", "tmp/boot"), Err(ReadOnly), "nor be replaced");
    assert_eq!(fs.rename(R, "tmp/f", "etc/f"), Err(ReadOnly));
    // A writable boot file in a read-only directory: its contents change,
    // its name does not.
    let w = fs.open(R, "etc/writable", write_opts()).unwrap();
    fs.write(w, b"CHANGED").unwrap();
    assert_eq!(contents(&mut fs, R, "etc/writable"), b"CHANGEDme");
    assert_eq!(fs.remove(R, "etc/writable"), Err(ReadOnly));
    // A read-only handle on a read-only file reads fine.
    assert_eq!(contents(&mut fs, R, "etc/motd"), b"welcome");
    assert_eq!(fs.used_bytes(), 29);
}

#[test]
fn read_only_dir_handles() {
    let mut fs = boot();
    let d = fs.open_dir(R, "tmp", true).unwrap();
    assert!(!fs.stat(d, "").unwrap().writable);
    let f = fs.create(R, "tmp/f").unwrap();
    fs.write(f, b"data").unwrap();
    assert_eq!(fs.create(d, "g"), Err(ReadOnly));
    assert_eq!(fs.open(d, "f", write_opts()), Err(ReadOnly));
    assert_eq!(fs.mkdir(d, "sub"), Err(ReadOnly));
    assert_eq!(fs.remove(d, "f"), Err(ReadOnly));
    assert_eq!(fs.rename(d, "f", "g"), Err(ReadOnly));
    assert!(!fs.stat(d, "f").unwrap().writable);
    assert_eq!(contents(&mut fs, d, "f"), b"data");
    // Rights only drop: a sub-directory of a read-only handle is read-only
    // even when asked for read-write.
    fs.mkdir(R, "tmp/sub").unwrap();
    let sub = fs.open_dir(d, "sub", false).unwrap();
    assert_eq!(fs.create(sub, "x"), Err(ReadOnly));
    assert_eq!(fs.handle(sub), Some(&Handle::Dir(DirHandle { node: 11, root: 11, read_only: true })));
    let rw = fs.open_dir(R, "tmp/sub", false).unwrap();
    fs.create(rw, "x").unwrap();
    assert!(fs.stat(rw, "x").unwrap().writable);
    // openDir of a file
    assert_eq!(fs.open_dir(R, "tmp/f", false), Err(NotADirectory));
    assert_eq!(fs.open_dir(R, "nothing", false), Err(NotFound));
}

#[test]
fn dot_dot_never_leaves_the_handle_root() {
    let mut fs = boot();
    fs.mkdir(R, "tmp/a").unwrap();
    fs.mkdir(R, "tmp/a/b").unwrap();
    let f = fs.create(R, "tmp/a/inside").unwrap();
    fs.write(f, b"in a").unwrap();
    let a = fs.open_dir(R, "tmp/a", false).unwrap();
    for path in ["..", "../..", "../../..", "/..", "b/../../..", "./../.", "/"] {
        assert_eq!(names(&fs, a, path), ["b", "inside"], "{path}");
    }
    assert_eq!(fs.stat(a, "../../etc/motd"), Err(NotFound));
    assert_eq!(fs.stat(a, "/etc/motd"), Err(NotFound), "a leading / is this directory");
    assert_eq!(contents(&mut fs, a, "../../../inside"), b"in a");
    assert_eq!(fs.open(a, "../tmp/boot", OpenOptions::default()), Err(NotFound));
    assert_eq!(fs.create(a, "../../escaped").map(|_| ()), Ok(()));
    assert!(fs.stat(R, "tmp/a/escaped").is_ok(), "created inside, not above");
    assert_eq!(fs.rename(a, "../../inside", "../../../../moved"), Ok(()));
    assert!(fs.stat(R, "tmp/a/moved").is_ok());
    assert_eq!(fs.mkdir(a, ".."), Err(AlreadyExists));
    assert_eq!(fs.remove(a, ".."), Err(InvalidArgument));
    assert_eq!(fs.remove(a, ""), Err(InvalidArgument));
    assert_eq!(fs.rename(a, "..", "x"), Err(InvalidArgument));
    assert_eq!(fs.rename(a, "b", "."), Err(InvalidArgument));
    // A handle on b: `..` from b's children goes to b, not a.
    let b = fs.open_dir(a, "b", false).unwrap();
    fs.mkdir(b, "c").unwrap();
    assert_eq!(names(&fs, b, "c/../.."), ["c"]);
    // The root handle: `..` of the root is the root.
    assert_eq!(names(&fs, R, "..").len(), 4);
    // `..` through a file is NotADirectory.
    assert_eq!(fs.stat(a, "moved/.."), Err(NotADirectory));
    assert_eq!(fs.stat(a, "moved/"), Err(NotADirectory));
}

#[test]
fn mkdir_and_remove() {
    let mut fs = boot();
    fs.mkdir(R, "tmp/d").unwrap();
    assert_eq!(fs.mkdir(R, "tmp/d"), Err(AlreadyExists));
    assert_eq!(fs.mkdir(R, "tmp/boot"), Err(AlreadyExists));
    assert_eq!(fs.mkdir(R, "tmp/x/y"), Err(NotFound));
    assert_eq!(fs.mkdir(R, "tmp/boot/y"), Err(NotADirectory));
    assert_eq!(fs.mkdir(R, ""), Err(AlreadyExists));
    assert_eq!(fs.mkdir(R, "tmp/e/"), Ok(()));
    let f = fs.create(R, "tmp/d/f").unwrap();
    fs.release(f);
    assert_eq!(fs.remove(R, "tmp/d"), Err(DirectoryNotEmpty));
    assert_eq!(fs.remove(R, "tmp/d/f/"), Err(NotADirectory));
    assert_eq!(fs.remove(R, "tmp/d/none"), Err(NotFound));
    fs.remove(R, "tmp/d/f").unwrap();
    fs.remove(R, "tmp/d/").unwrap();
    assert_eq!(fs.stat(R, "tmp/d"), Err(NotFound));
    assert_eq!(names(&fs, R, "tmp"), ["boot", "e"]);
    assert_eq!(fs.list(R, "tmp/boot"), Err(NotADirectory));
    assert_eq!(fs.list(R, "none"), Err(NotFound));
}

#[test]
fn removing_an_open_file_keeps_it_for_its_handles() {
    let mut fs = boot();
    let before = (fs.used_bytes(), fs.used_nodes());
    let f = fs.create(R, "tmp/f").unwrap();
    fs.write(f, b"still here").unwrap();
    let g = fs.open(R, "tmp/f", OpenOptions::default()).unwrap();
    fs.remove(R, "tmp/f").unwrap();
    assert_eq!(fs.stat(R, "tmp/f"), Err(NotFound));
    assert_eq!(fs.pread(g, 0, 100).unwrap(), b"still here");
    fs.write(f, b"!").unwrap();
    assert_eq!(fs.pread(g, 0, 100).unwrap(), b"still here!");
    assert_eq!(fs.used_bytes(), before.0 + 11, "still counted");
    // A new file under the same name is another node.
    let h = fs.create(R, "tmp/f").unwrap();
    assert_eq!(fs.file_stat(h).unwrap().size, 0);
    fs.release(h);
    fs.close(f).unwrap();
    assert_eq!(fs.used_nodes(), before.1 + 2);
    fs.release(g);
    assert_eq!((fs.used_bytes(), fs.used_nodes()), (before.0, before.1 + 1));
    fs.release(f);
    fs.remove(R, "tmp/f").unwrap();
    assert_eq!((fs.used_bytes(), fs.used_nodes()), before);
    assert_eq!(fs.handle_count(), 1);
}

#[test]
fn removed_directory_stays_usable_but_empty() {
    let mut fs = boot();
    fs.mkdir(R, "tmp/d").unwrap();
    let d = fs.open_dir(R, "tmp/d", false).unwrap();
    fs.remove(R, "tmp/d").unwrap();
    assert!(fs.list(d, "").unwrap().is_empty());
    assert_eq!(fs.create(d, "f"), Err(NotFound));
    assert_eq!(fs.mkdir(d, "sub"), Err(NotFound));
    assert_eq!(names(&fs, d, ".."), Vec::<String>::new());
    let nodes = fs.used_nodes();
    fs.release(d);
    assert_eq!(fs.used_nodes(), nodes - 1);
}

#[test]
fn rename_cases() {
    let mut fs = boot();
    let f = fs.create(R, "tmp/a").unwrap();
    fs.write(f, b"A").unwrap();
    // plain rename, keeps the open handle working
    fs.rename(R, "tmp/a", "tmp/b").unwrap();
    assert_eq!(names(&fs, R, "tmp"), ["b", "boot"]);
    fs.write(f, b"B").unwrap();
    assert_eq!(contents(&mut fs, R, "tmp/b"), b"AB");
    // onto itself: nothing
    fs.rename(R, "tmp/b", "tmp/./b").unwrap();
    assert_eq!(contents(&mut fs, R, "tmp/b"), b"AB");
    // replace a file
    let c = fs.create(R, "tmp/c").unwrap();
    fs.write(c, b"C").unwrap();
    fs.release(c);
    let nodes = fs.used_nodes();
    fs.rename(R, "tmp/c", "tmp/b").unwrap();
    assert_eq!(contents(&mut fs, R, "tmp/b"), b"C");
    assert_eq!(fs.used_nodes(), nodes, "the replaced file lives on while open");
    assert_eq!(fs.pread(f, 0, 10).unwrap(), b"AB");
    fs.release(f);
    assert_eq!(fs.used_nodes(), nodes - 1);
    // directories
    fs.mkdir(R, "tmp/d").unwrap();
    fs.mkdir(R, "tmp/d/e").unwrap();
    fs.mkdir(R, "tmp/empty").unwrap();
    assert_eq!(fs.rename(R, "tmp/d", "tmp/d/e/x"), Err(InvalidArgument), "into itself");
    assert_eq!(fs.rename(R, "tmp/d", "tmp/d/x"), Err(InvalidArgument));
    assert_eq!(fs.rename(R, "tmp/d", "tmp/b"), Err(NotADirectory));
    assert_eq!(fs.rename(R, "tmp/b", "tmp/d"), Err(IsADirectory));
    assert_eq!(fs.rename(R, "tmp/empty", "tmp/d"), Err(DirectoryNotEmpty));
    assert_eq!(fs.rename(R, "tmp/b", "tmp/b2/"), Err(NotADirectory));
    assert_eq!(fs.rename(R, "tmp/none", "tmp/x"), Err(NotFound));
    assert_eq!(fs.rename(R, "tmp/b", "tmp/none/x"), Err(NotFound));
    assert_eq!(fs.rename(R, "tmp/b", "tmp/b/x"), Err(NotADirectory));
    fs.rename(R, "tmp/d", "tmp/empty").unwrap();
    assert_eq!(names(&fs, R, "tmp"), ["b", "boot", "empty"]);
    assert_eq!(names(&fs, R, "tmp/empty"), ["e"]);
    // a directory moves with its contents; `..` follows the new parent
    fs.mkdir(R, "home/user").unwrap();
    fs.rename(R, "tmp/empty", "home/user/moved").unwrap();
    assert_eq!(names(&fs, R, "home/user/moved/e/../.."), ["moved"]);
    // moving a directory up out of a subtree is fine
    fs.rename(R, "home/user/moved/e", "home/e").unwrap();
    assert_eq!(names(&fs, R, "home"), ["e", "user"]);
    // a handle rooted in a moved directory keeps working
    let e = fs.open_dir(R, "home/e", false).unwrap();
    fs.rename(R, "home/e", "tmp/e2").unwrap();
    fs.create(e, "z").unwrap();
    assert!(fs.stat(R, "tmp/e2/z").is_ok());
}

#[test]
fn byte_quota() {
    let mut fs = Fs::from_boot_files(&[("/etc/f", &[1; 100], false)], &["/tmp"], 1000, 100).unwrap();
    let f = fs.create(R, "tmp/f").unwrap();
    assert_eq!(fs.write(f, &[2; 900]).unwrap(), 900);
    assert_eq!(fs.used_bytes(), 1000);
    assert_eq!(fs.write(f, b"x"), Err(NoSpace));
    assert_eq!(fs.file_stat(f).unwrap().size, 900, "a failed write writes nothing");
    assert_eq!(fs.pwrite(f, 1000, b"x"), Err(NoSpace));
    assert_eq!(fs.truncate(f, 901), Err(NoSpace));
    // overwriting inside the file needs no space
    assert_eq!(fs.pwrite(f, 0, &[3; 900]).unwrap(), 900);
    let g = fs.create(R, "tmp/g").unwrap();
    assert_eq!(fs.write(g, b"x"), Err(NoSpace));
    fs.truncate(f, 899).unwrap();
    assert_eq!(fs.write(g, b"x").unwrap(), 1);
    // huge offsets
    assert_eq!(fs.pwrite(g, u64::MAX - 1, b"xx"), Err(InvalidArgument));
    assert_eq!(fs.pwrite(g, u64::MAX / 2, b"x"), Err(NoSpace));
    assert_eq!(fs.truncate(g, u64::MAX), Err(NoSpace));
    // removing frees the bytes once the last handle is gone
    fs.remove(R, "tmp/f").unwrap();
    assert_eq!(fs.used_bytes(), 1000);
    fs.release(f);
    assert_eq!(fs.used_bytes(), 101);
}

#[test]
fn node_quota() {
    let mut fs = Fs::from_boot_files(&[], &["/tmp"], MB, 10).unwrap();
    // root + tmp
    assert_eq!(fs.used_nodes(), 2);
    for i in 0..8 {
        let f = fs.create(R, &format!("tmp/{i}")).unwrap();
        fs.release(f);
    }
    assert_eq!(fs.create(R, "tmp/x"), Err(NoSpace));
    assert_eq!(fs.mkdir(R, "tmp/x"), Err(NoSpace));
    // opening existing files needs no node
    let f = fs.open(R, "tmp/0", write_opts()).unwrap();
    fs.release(f);
    fs.remove(R, "tmp/0").unwrap();
    fs.mkdir(R, "tmp/x").unwrap();
    assert_eq!(fs.create(R, "tmp/x/y"), Err(NoSpace));
}

#[test]
#[cfg_attr(miri, ignore = "slow under Miri; no unsafe code to check")]
fn a_thousand_files_in_a_directory() {
    let mut fs = Fs::from_boot_files(&[], &["/tmp"], MB, 1100).unwrap();
    fs.mkdir(R, "tmp/many").unwrap();
    for i in (0..1000).rev() {
        let f = fs.create(R, &format!("tmp/many/file-{i:04}")).unwrap();
        fs.write(f, format!("{i}").as_bytes()).unwrap();
        fs.close(f).unwrap();
        fs.release(f);
    }
    let entries = fs.list(R, "tmp/many").unwrap();
    assert_eq!(entries.len(), 1000);
    for (i, e) in entries.iter().enumerate() {
        assert_eq!(e.name, format!("file-{i:04}"), "sorted by name");
        assert_eq!(e.size, format!("{i}").len() as u64);
    }
    assert_eq!(fs.stat(R, "tmp/many").unwrap().size, 1000);
    assert_eq!(fs.handle_count(), 1);
    assert_eq!(contents(&mut fs, R, "tmp/many/file-0999"), b"999");
}

#[test]
#[cfg_attr(miri, ignore = "slow under Miri; no unsafe code to check")]
fn big_file_with_sparse_write() {
    let mut fs = Fs::from_boot_files(&[], &["/tmp"], 20 * MB, 10).unwrap();
    let f = fs.create(R, "tmp/big").unwrap();
    let size = 16 * MB;
    // Write the last byte first: everything before it is a zero gap.
    assert_eq!(fs.pwrite(f, size - 1, &[0xAB]).unwrap(), 1);
    assert_eq!(fs.file_stat(f).unwrap().size, size);
    assert_eq!(fs.pread(f, 8 * MB, 16).unwrap(), [0; 16]);
    // Then fill it in 60 KiB writes with a pattern and read it all back.
    let pattern = |pos: u64| (pos.wrapping_mul(31) >> 3) as u8;
    let mut pos = 0;
    while pos < size {
        let n = (size - pos).min(MAX_IO as u64);
        let chunk: Vec<u8> = (pos..pos + n).map(pattern).collect();
        assert_eq!(fs.write(f, &chunk).unwrap(), n);
        pos += n;
    }
    assert_eq!(fs.used_bytes(), size);
    fs.seek(f, 0, Whence::Start).unwrap();
    let mut pos = 0;
    loop {
        let data = fs.read(f, MAX_IO as u32).unwrap();
        if data.is_empty() {
            break;
        }
        assert!(data.iter().enumerate().all(|(i, &b)| b == pattern(pos + i as u64)), "at {pos}");
        pos += data.len() as u64;
    }
    assert_eq!(pos, size);
    // Over the quota
    assert_eq!(fs.pwrite(f, 20 * MB, b"x"), Err(NoSpace));
    // Unaligned chunk boundaries read correctly.
    let edge = CHUNK_SIZE as u64 - 3;
    let got = fs.pread(f, edge, 6).unwrap();
    let want: Vec<u8> = (edge..edge + 6).map(pattern).collect();
    assert_eq!(got, want);
}

#[test]
fn handles_close_release_and_badges() {
    let mut fs = boot();
    let f = fs.create(R, "tmp/f").unwrap();
    fs.close(f).unwrap();
    assert_eq!(fs.handle(f), Some(&Handle::Closed));
    assert_eq!(fs.read(f, 1), Err(InvalidCap));
    assert_eq!(fs.write(f, b"x"), Err(InvalidCap));
    assert_eq!(fs.close(f), Err(InvalidCap));
    assert_eq!(fs.sync(f), Err(InvalidCap));
    assert_eq!(fs.file_stat(f), Err(InvalidCap));
    // the closed badge is not reused before its release
    let g = fs.create(R, "tmp/g").unwrap();
    assert_ne!(g, f);
    fs.release(f);
    assert_eq!(fs.handle(f), None);
    // a file badge is not a directory and the other way round
    assert_eq!(fs.list(g, ""), Err(InvalidCap));
    assert_eq!(fs.read(R, 1), Err(InvalidCap));
    assert_eq!(fs.list(12345, ""), Err(InvalidCap));
    assert!(fs.is_dir_handle(R) && !fs.is_dir_handle(g));
    // the root handle cannot be released
    fs.release(R);
    assert!(fs.list(R, "").is_ok());
    fs.release(777);
}

#[test]
#[cfg_attr(miri, ignore = "slow under Miri; no unsafe code to check")]
fn handle_table_limit() {
    let mut fs = Fs::from_boot_files(&[("/f", b"", false)], &[], MB, 10).unwrap();
    let mut badges = Vec::new();
    for _ in 1..MAX_HANDLES {
        badges.push(fs.open(R, "f", OpenOptions::default()).unwrap());
    }
    assert_eq!(fs.open(R, "f", OpenOptions::default()), Err(QuotaExceeded));
    assert_eq!(fs.open_dir(R, "", true), Err(QuotaExceeded));
    fs.close(badges[0]).unwrap();
    assert_eq!(fs.open(R, "f", OpenOptions::default()), Err(QuotaExceeded), "closed still holds its badge");
    fs.release(badges[0]);
    assert!(fs.open(R, "f", OpenOptions::default()).is_ok());
}

#[test]
fn lookup_errors_come_before_read_only() {
    let mut fs = boot();
    assert_eq!(fs.mkdir(R, "tmp"), Err(AlreadyExists), "the root is read-only, tmp exists");
    assert_eq!(fs.mkdir(R, "etc/motd"), Err(AlreadyExists));
    assert_eq!(fs.remove(R, "etc/none"), Err(NotFound));
    assert_eq!(fs.rename(R, "etc/none", "tmp/x"), Err(NotFound));
    assert_eq!(fs.open(R, "etc/none", OpenOptions::default()), Err(NotFound));
    let ro = fs.open_dir(R, "tmp", true).unwrap();
    assert_eq!(fs.mkdir(ro, "boot"), Err(AlreadyExists));
    assert_eq!(fs.remove(ro, "none"), Err(NotFound));
    assert_eq!(fs.mkdir(ro, "new"), Err(ReadOnly));
}

#[test]
fn boot_tree_streams_files_in_chunks() {
    let big: Vec<u8> = (0..3 * CHUNK_SIZE + 17).map(|i| (i * 7 % 251) as u8).collect();
    let mut tree = crate::BootTree::new(&["/tmp"], 64 * MB, 100, crate::Timestamp::default()).unwrap();
    let file = tree.add_file("/data/big", false).unwrap();
    for piece in big.chunks(1000) {
        tree.append(file, piece).unwrap();
    }
    let empty = tree.add_file("/tmp/empty", true).unwrap();
    tree.append(empty, b"").unwrap();
    assert_eq!(tree.add_file("/data/big", true), Err(AlreadyExists));
    assert_eq!(tree.add_file("/data", true), Err(IsADirectory));
    assert_eq!(tree.add_file("data/rel", true), Err(InvalidArgument));
    let mut fs = tree.finish();
    let h = fs.open(R, "/data/big", OpenOptions::new()).unwrap();
    assert_eq!(fs.pread(h, 0, big.len() as u32 + 10).unwrap(), big);
    assert_eq!(fs.stat(R, "/tmp/empty").unwrap().size, 0);
    assert_eq!(fs.used_bytes(), big.len() as u64);

    // A file that outgrows the byte quota stops with NoSpace mid-way.
    let mut small = crate::BootTree::new(&[], 1000, 100, crate::Timestamp::default()).unwrap();
    let f = small.add_file("/f", false).unwrap();
    small.append(f, &[1; 600]).unwrap();
    assert_eq!(small.append(f, &[2; 600]), Err(NoSpace));
}

#[test]
#[cfg_attr(miri, ignore = "slow under Miri; no unsafe code to check")]
fn list_page_reads_a_big_directory_in_pages_that_resume_after_a_name() {
    let mut fs = boot();
    fs.mkdir(R, "tmp/big").unwrap();
    for i in 0..3000 {
        let f = fs
            .open(R, &format!("tmp/big/entry-{i:05}"), OpenOptions { create: true, ..write_opts() })
            .unwrap();
        fs.release(f);
    }
    let mut seen = Vec::new();
    let mut after = String::new();
    let mut pages = 0;
    loop {
        let (page, more) = fs.list_page(R, "tmp/big", &after, 0, 16 * 1024).unwrap();
        let used: usize = page.iter().map(|e| crate::entry_encoded_size(&e.name)).sum();
        assert!(used <= 16 * 1024);
        pages += 1;
        after = page.last().map(|e| e.name.clone()).unwrap_or_default();
        seen.extend(page.into_iter().map(|e| e.name));
        if !more {
            break;
        }
    }
    assert!(pages > 5);
    assert_eq!(seen, names(&fs, R, "tmp/big"));
    assert_eq!(seen.len(), 3000);
    // A count limit, a start after the last name, a missing directory.
    let (page, more) = fs.list_page(R, "tmp/big", "entry-00009", 3, usize::MAX).unwrap();
    let got: Vec<&str> = page.iter().map(|e| e.name.as_str()).collect();
    assert_eq!((got, more), (vec!["entry-00010", "entry-00011", "entry-00012"], true));
    assert_eq!(fs.list_page(R, "tmp/big", "entry-02999", 0, 100).unwrap(), (Vec::new(), false));
    assert_eq!(fs.list_page(R, "tmp/none", "", 0, 100), Err(NotFound));
    // An entry bigger than the budget still comes, one at a time.
    let (page, more) = fs.list_page(R, "tmp/big", "", 0, 1).unwrap();
    assert_eq!((page.len(), more), (1, true));
}
