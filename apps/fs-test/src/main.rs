//! `fs-test`: exercises the file service through the `Directory` cap named
//! `fs` and prints one line per check (`fs-test: NAME: ok (...)` or
//! `fs-test: NAME: FAILED: ...`), then `fs-test: N checks, F failed`; it
//! exits with 0 only if every check passed. The QEMU scenario `fs`
//! (`systems/fs.cue`) reads those lines.
//!
//! ```text
//! fs-test [--wait NAME]...      the main checks; before the quota checks,
//!                               waits for /tmp/NAME.done of each writer
//! fs-test writer NAME SEED      writes /tmp/NAME.dat (1 MiB in 4 KiB
//!                               writes), reads it back, checks it, then
//!                               creates /tmp/NAME.done
//! fs-test fill                  writes /tmp/fill until the service
//!                               refuses (with a quota bigger than its
//!                               memory: OutOfMemory), then checks that
//!                               the service still works and that removing
//!                               the file gives the memory back
//! ```
//!
//! The main checks expect the tree of `systems/fs.cue`: a read-only
//! `/etc/motd`, a writable boot file `/etc/config`, writable `/tmp` and
//! `/home`, and the quotas given there (`--quota-bytes` ≥ 17 MiB,
//! `--quota-nodes` 1100).
#![no_std]
#![no_main]

extern crate alloc;

use alloc::format;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use capos::prelude::*;

capos::entry_point!(main);

/// Size of the big file.
const BIG: u64 = 16 << 20;
/// Files in the many-files directory.
const MANY: usize = 1000;
/// Size of a writer's file, and of each of its writes.
const WRITER_SIZE: usize = 1 << 20;
const WRITER_CHUNK: usize = 4096;
/// How long the main checks wait for the writers.
const WAIT_NS: u64 = 60_000_000_000;

type Check = Result<String, String>;

/// `Err(message)` unless `cond`.
macro_rules! ensure {
    ($cond:expr, $($fmt:tt)*) => {
        if !$cond {
            return Err(format!($($fmt)*));
        }
    };
}

/// Unwraps a call, turning its error into a check failure naming `what`.
fn ok<T>(r: Result<T, CapError>, what: &str) -> Result<T, String> {
    r.map_err(|e| format!("{what}: {e:?}"))
}

/// The call must fail with `want`.
fn fails<T: core::fmt::Debug>(r: Result<T, CapError>, want: CapError, what: &str) -> Result<(), String> {
    match r {
        Err(e) if e == want => Ok(()),
        other => Err(format!("{what}: expected {want:?}, got {other:?}")),
    }
}

/// FNV-1a, 64 bits.
#[derive(Clone, Copy)]
struct Fnv(u64);

impl Fnv {
    fn new() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }

    fn update(&mut self, data: &[u8]) {
        for &b in data {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// A xorshift generator filling buffers with pseudo-random bytes.
struct Gen(u64);

impl Gen {
    fn fill(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            chunk.copy_from_slice(&self.0.to_le_bytes()[..chunk.len()]);
        }
    }
}

fn main(caps: Caps) -> i32 {
    let console = match Console::from_caps(&caps, "console") {
        Ok(console) => console,
        Err(e) => return fail(e),
    };
    let root = match Directory::from_caps(&caps, "fs") {
        Ok(root) => root,
        Err(e) => return fail(e),
    };
    let args: Vec<&str> = caps.args().collect();
    if args.get(1) == Some(&"writer") {
        let (Some(name), Some(seed)) = (args.get(2), args.get(3).and_then(|s| s.parse::<u64>().ok())) else {
            let _ = console.line("fs-test: usage: fs-test writer NAME SEED");
            return 2;
        };
        return match writer(&root, name, seed) {
            Ok(line) => {
                let _ = console.line(&format!("fs-test {name}: {line}"));
                0
            }
            Err(e) => {
                let _ = console.line(&format!("fs-test {name}: FAILED: {e}"));
                1
            }
        };
    }
    if args.get(1) == Some(&"fill") {
        return match fill(&root) {
            Ok(line) => {
                let _ = console.line(&format!("fs-test fill: {line}"));
                0
            }
            Err(e) => {
                let _ = console.line(&format!("fs-test fill: FAILED: {e}"));
                1
            }
        };
    }
    let waits: Vec<&str> = args.windows(2).filter(|w| w[0] == "--wait").map(|w| w[1]).collect();
    let timer = Timer::from_caps(&caps, "timer").ok();
    let mut t = Tester { console, checks: 0, failed: 0 };
    t.run("boot-tree", || boot_tree(&root));
    t.run("files", || files(&root));
    t.run("close", || close(&root));
    t.run("rename", || rename(&root));
    t.run("remove", || remove(&root));
    t.run("readdir", || readdir(&root));
    t.run("errors", || errors(&root));
    t.run("read-only", || read_only(&root));
    t.run("escape", || escape(&root));
    t.run("symlinks", || symlinks(&root));
    t.run("attrs", || attrs(&root));
    t.run("many-files", || many_files(&root, timer.as_deref()));
    t.run("big-file", || big_file(&root, timer.as_deref()));
    t.run("concurrent", || concurrent(&root, timer.as_deref(), &waits));
    t.run("nospace-bytes", || nospace_bytes(&root));
    t.run("nospace-nodes", || nospace_nodes(&root));
    t.run("cleanup", || cleanup(&root, &waits));
    let _ = t.console.line(&format!("fs-test: {} checks, {} failed", t.checks, t.failed));
    if t.failed == 0 { 0 } else { 1 }
}

struct Tester {
    console: Borrowed<'static, Console>,
    checks: u32,
    failed: u32,
}

impl Tester {
    fn run(&mut self, name: &str, check: impl FnOnce() -> Check) {
        self.checks += 1;
        let line = match check() {
            Ok(detail) => format!("fs-test: {name}: ok ({detail})"),
            Err(e) => {
                self.failed += 1;
                format!("fs-test: {name}: FAILED: {e}")
            }
        };
        let _ = self.console.line(&line);
    }
}

fn names(entries: &[DirEntry]) -> Vec<&str> {
    entries.iter().map(|e| e.name.as_str()).collect()
}

fn list_names(dir: &Directory, path: &str) -> Result<Vec<String>, String> {
    Ok(ok(dir.list(path), &format!("list {path:?}"))?.into_iter().map(|e| e.name).collect())
}

fn now_ms(timer: Option<&Timer>) -> u64 {
    timer.and_then(|t| t.now().ok()).unwrap_or(0) / 1_000_000
}

fn boot_tree(root: &Directory) -> Check {
    let top = ok(root.list(""), "list the root")?;
    ensure!(names(&top) == ["etc", "home", "tmp"], "root holds {:?}", names(&top));
    ensure!(top.iter().all(|e| e.kind == NodeKind::Directory), "not all directories: {top:?}");
    let motd = ok(root.read_file("etc/motd"), "read /etc/motd")?;
    let info = ok(root.stat("/etc/motd"), "stat /etc/motd")?;
    ensure!(
        info.kind == NodeKind::File && info.size == motd.len() as u64,
        "stat {info:?}, read {}",
        motd.len()
    );
    ensure!(!info.writable, "/etc/motd is writable");
    ensure!(motd.starts_with(b"Welcome to capOS"), "motd: {:?}", String::from_utf8_lossy(&motd));
    ensure!(ok(root.stat("tmp"), "stat tmp")?.writable, "/tmp is read-only");
    ensure!(!ok(root.stat(""), "stat the root")?.writable, "the root is writable");
    Ok(format!("etc home tmp; /etc/motd is {} read-only bytes", motd.len()))
}

fn files(root: &Directory) -> Check {
    let f = ok(root.create("tmp/a.txt"), "create")?;
    ensure!(ok(f.write(b"hello, "), "write")? == 7, "short write");
    ok(f.write(b"world"), "write")?;
    ensure!(ok(f.stat(), "stat")?.size == 12, "size after writes");
    ensure!(ok(f.read(10), "read at end")?.is_empty(), "read at the end is not empty");
    ensure!(ok(f.seek(0, Whence::Start), "seek")? == 0, "seek start");
    ensure!(ok(f.read(5), "read")? == b"hello", "read 5");
    ensure!(ok(f.seek(2, Whence::Current), "seek")? == 7, "seek current");
    ensure!(ok(f.read(100), "read")? == b"world", "read rest");
    ensure!(ok(f.seek(-5, Whence::End), "seek")? == 7, "seek end");
    ok(f.write(b"W"), "write")?;
    ensure!(ok(f.pread(0, 100), "pread")? == b"hello, World", "overwrite");
    ensure!(ok(f.seek(0, Whence::Current), "seek")? == 8, "pread moved the position");
    fails(f.seek(-1, Whence::Start), CapError::InvalidArgument, "seek before the start")?;
    // A write past the end leaves a zero gap.
    ensure!(ok(f.pwrite(20, b"!"), "pwrite")? == 1, "pwrite count");
    ensure!(ok(f.pread(12, 100), "pread")? == b"\0\0\0\0\0\0\0\0!", "gap is not zeros");
    ensure!(ok(f.seek(0, Whence::Current), "seek")? == 8, "pwrite moved the position");
    ok(f.truncate(5), "truncate down")?;
    ensure!(ok(root.read_file("tmp/a.txt"), "read back")? == b"hello", "after truncate down");
    ok(f.truncate(8), "truncate up")?;
    ensure!(ok(root.read_file("tmp/a.txt"), "read back")? == b"hello\0\0\0", "after truncate up");
    ok(f.sync(), "sync")?;
    // Append mode: writes go to the end whatever the position.
    let a = ok(root.open("tmp/a.txt", &OpenOptions::new().write(true).append(true)), "open append")?;
    ok(a.seek(0, Whence::Start), "seek")?;
    ok(a.write(b"!!"), "append")?;
    ensure!(ok(a.seek(0, Whence::Current), "seek")? == 10, "append position");
    ensure!(ok(root.read_file("tmp/a.txt"), "read back")? == b"hello\0\0\0!!", "after append");
    // Flags.
    fails(
        root.open("tmp/a.txt", &OpenOptions::new().write(true).create(true).exclusive(true)),
        CapError::AlreadyExists,
        "exclusive create",
    )?;
    fails(root.open("tmp/none", &OpenOptions::new()), CapError::NotFound, "open a missing file")?;
    fails(
        root.open("tmp/a.txt", &OpenOptions::new().truncate(true)),
        CapError::InvalidArgument,
        "truncate without write",
    )?;
    let r = ok(root.open("tmp/a.txt", &OpenOptions::new()), "open read-only")?;
    fails(r.write(b"x"), CapError::ReadOnly, "write through a read-only File")?;
    ensure!(!ok(r.stat(), "stat")?.writable, "read-only File says writable");
    // create empties an existing file.
    let c = ok(root.create("tmp/a.txt"), "create again")?;
    ensure!(ok(c.stat(), "stat")?.size == 0, "create did not truncate");
    ok(root.remove("tmp/a.txt"), "remove")?;
    Ok(String::from("create, write, read, seek, pread, pwrite gap, truncate, append, flags"))
}

fn close(root: &Directory) -> Check {
    let f = ok(root.create("tmp/c"), "create")?;
    ok(f.write(b"data"), "write")?;
    let copy = ok(f.try_clone(), "try_clone")?;
    ensure!(copy.id() != f.id(), "try_clone gave the same id");
    ok(f.close(), "close")?;
    fails(f.read(1), CapError::InvalidCap, "read after close")?;
    fails(f.write(b"x"), CapError::InvalidCap, "write after close")?;
    fails(copy.read(1), CapError::InvalidCap, "read through a copy after close")?;
    fails(f.close(), CapError::InvalidCap, "second close")?;
    let id = f.id();
    ok(f.release(), "release")?;
    fails(Borrowed::<File>::from_id(id).read(1), CapError::StaleCap, "read after release")?;
    ensure!(ok(root.read_file("tmp/c"), "read back")? == b"data", "data lost on close");
    ok(root.remove("tmp/c"), "remove")?;
    Ok(String::from("calls after close fail with InvalidCap"))
}

fn rename(root: &Directory) -> Check {
    ok(root.write_file("tmp/r1", b"one"), "write r1")?;
    ok(root.rename("tmp/r1", "tmp/r2"), "rename")?;
    fails(root.stat("tmp/r1"), CapError::NotFound, "old name")?;
    ensure!(ok(root.read_file("tmp/r2"), "read r2")? == b"one", "renamed contents");
    ok(root.write_file("tmp/r3", b"three"), "write r3")?;
    let open = ok(root.open("tmp/r2", &OpenOptions::new()), "open r2")?;
    ok(root.rename("tmp/r3", "tmp/r2"), "rename over a file")?;
    ensure!(ok(root.read_file("tmp/r2"), "read r2")? == b"three", "replaced contents");
    ensure!(ok(open.read(10), "read the replaced file")? == b"one", "an open replaced file lost its data");
    ok(root.mkdir("tmp/d"), "mkdir")?;
    ok(root.mkdir("tmp/d/e"), "mkdir")?;
    fails(root.rename("tmp/d", "tmp/d/e/x"), CapError::InvalidArgument, "a directory into itself")?;
    fails(root.rename("tmp/r2", "tmp/d"), CapError::IsADirectory, "a file over a directory")?;
    fails(root.rename("tmp/d", "tmp/r2"), CapError::NotADirectory, "a directory over a file")?;
    ok(root.mkdir("tmp/empty"), "mkdir")?;
    fails(root.rename("tmp/empty", "tmp/d"), CapError::DirectoryNotEmpty, "over a non-empty directory")?;
    ok(root.rename("tmp/d", "tmp/empty"), "a directory over an empty one")?;
    ensure!(list_names(root, "tmp/empty")? == ["e"], "moved directory contents");
    let f = ok(root.open("tmp/r2", &OpenOptions::new()), "open r2")?;
    ok(root.rename("tmp/r2", "tmp/empty/e/r2"), "move a file into a subdirectory")?;
    ensure!(ok(f.read(10), "read through the moved file")? == b"three", "open file across rename");
    fails(root.rename("tmp/none", "tmp/x"), CapError::NotFound, "a missing source")?;
    ok(root.rename("tmp/empty/e/r2", "tmp/empty/e/./r2"), "onto itself")?;
    ok(root.remove("tmp/empty/e/r2"), "remove")?;
    ok(root.remove("tmp/empty/e"), "remove")?;
    ok(root.remove("tmp/empty"), "remove")?;
    Ok(String::from("rename, replace, directories, into itself refused, open files follow"))
}

fn remove(root: &Directory) -> Check {
    ok(root.mkdir("tmp/rd"), "mkdir")?;
    ok(root.write_file("tmp/rd/f", b"x"), "write")?;
    fails(root.remove("tmp/rd"), CapError::DirectoryNotEmpty, "a non-empty directory")?;
    ok(root.remove("tmp/rd/f"), "remove a file")?;
    ok(root.remove("tmp/rd"), "remove an empty directory")?;
    fails(root.stat("tmp/rd"), CapError::NotFound, "stat a removed directory")?;
    fails(root.remove("tmp/rd"), CapError::NotFound, "remove twice")?;
    fails(root.remove(""), CapError::InvalidArgument, "remove the root")?;
    // Unlink while open: the data stays for the open File.
    let f = ok(root.create("tmp/u"), "create")?;
    ok(f.write(b"still here"), "write")?;
    ok(root.remove("tmp/u"), "remove an open file")?;
    fails(root.stat("tmp/u"), CapError::NotFound, "stat a removed file")?;
    ensure!(ok(f.pread(0, 100), "pread")? == b"still here", "removed open file lost its data");
    ok(f.write(b"!"), "write to a removed open file")?;
    Ok(String::from("files, empty directories, non-empty refused, an open file lives on"))
}

fn readdir(root: &Directory) -> Check {
    ok(root.mkdir("tmp/ls"), "mkdir")?;
    for (name, size) in [("c", 3), ("a", 1), ("b", 2)] {
        ok(root.write_file(&format!("tmp/ls/{name}"), &vec![b'x'; size]), "write")?;
    }
    ok(root.mkdir("tmp/ls/z"), "mkdir")?;
    ok(root.write_file("tmp/ls/z/inner", b""), "write")?;
    let entries = ok(root.list("tmp/ls"), "list")?;
    let got: Vec<(&str, NodeKind, u64)> = entries.iter().map(|e| (e.name.as_str(), e.kind, e.size)).collect();
    let want = [
        ("a", NodeKind::File, 1),
        ("b", NodeKind::File, 2),
        ("c", NodeKind::File, 3),
        ("z", NodeKind::Directory, 1),
    ];
    ensure!(got == want, "listing {got:?}");
    ensure!(ok(root.stat("tmp/ls"), "stat")?.size == 4, "directory size");
    fails(root.list("tmp/ls/a"), CapError::NotADirectory, "list a file")?;
    ensure!(list_names(root, "tmp/ls/z/..")? == ["a", "b", "c", "z"], "list through ..");
    for name in ["a", "b", "c", "z/inner", "z", ""] {
        ok(root.remove(&format!("tmp/ls/{name}")), "remove")?;
    }
    Ok(String::from("sorted names, kinds and sizes"))
}

fn errors(root: &Directory) -> Check {
    fails(root.mkdir("tmp"), CapError::AlreadyExists, "mkdir an existing directory")?;
    fails(root.open("tmp", &OpenOptions::new()), CapError::IsADirectory, "open a directory")?;
    fails(root.stat("etc/motd/x"), CapError::NotADirectory, "a file as a directory")?;
    fails(root.stat("nothing"), CapError::NotFound, "stat a missing path")?;
    fails(root.mkdir("tmp/no/such"), CapError::NotFound, "mkdir under a missing directory")?;
    fails(root.create(&format!("tmp/{}", "n".repeat(256))), CapError::InvalidArgument, "a 256-byte name")?;
    fails(root.create("tmp/a\0b"), CapError::InvalidArgument, "a NUL in a name")?;
    fails(root.stat(&"a/".repeat(2049)), CapError::InvalidArgument, "a path over 4096 bytes")?;
    fails(root.open_dir("etc/motd", false), CapError::NotADirectory, "openDir a file")?;
    Ok(String::from("AlreadyExists, IsADirectory, NotADirectory, NotFound, InvalidArgument"))
}

fn read_only(root: &Directory) -> Check {
    fails(
        root.open("etc/motd", &OpenOptions::new().write(true)),
        CapError::ReadOnly,
        "write-open /etc/motd",
    )?;
    fails(root.create("etc/motd"), CapError::ReadOnly, "create over /etc/motd")?;
    fails(root.create("etc/new"), CapError::ReadOnly, "create in /etc")?;
    fails(root.mkdir("etc/new"), CapError::ReadOnly, "mkdir in /etc")?;
    fails(root.remove("etc/motd"), CapError::ReadOnly, "remove /etc/motd")?;
    fails(root.rename("etc/motd", "tmp/motd"), CapError::ReadOnly, "move /etc/motd")?;
    // A writable boot file: its contents change, its name does not.
    let c = ok(root.open("etc/config", &OpenOptions::new().write(true)), "write-open /etc/config")?;
    ok(c.pwrite(0, b"#"), "write /etc/config")?;
    fails(root.remove("etc/config"), CapError::ReadOnly, "remove /etc/config")?;
    // A read-only Directory cap on /tmp.
    ok(root.write_file("tmp/ro-file", b"readable"), "write")?;
    ok(root.mkdir("tmp/ro-sub"), "mkdir")?;
    let ro = ok(root.open_dir("tmp", true), "openDir read-only")?;
    ensure!(
        !ok(ro.stat(""), "stat")?.writable && !ok(ro.stat("ro-file"), "stat")?.writable,
        "stat says writable"
    );
    fails(ro.create("x"), CapError::ReadOnly, "create")?;
    fails(ro.mkdir("x"), CapError::ReadOnly, "mkdir")?;
    fails(ro.remove("ro-file"), CapError::ReadOnly, "remove")?;
    fails(ro.rename("ro-file", "x"), CapError::ReadOnly, "rename")?;
    fails(ro.open("ro-file", &OpenOptions::new().write(true)), CapError::ReadOnly, "write-open")?;
    ensure!(ok(ro.read_file("ro-file"), "read")? == b"readable", "read through a read-only cap");
    // Rights only drop: a sub-directory opened read-write through it is
    // still read-only.
    let sub = ok(ro.open_dir("ro-sub", false), "openDir through a read-only cap")?;
    fails(sub.create("x"), CapError::ReadOnly, "create through a sub-directory of a read-only cap")?;
    ok(root.remove("tmp/ro-file"), "remove")?;
    ok(root.remove("tmp/ro-sub"), "remove")?;
    Ok(String::from("/etc/motd and a read-only /tmp cap refuse every change with ReadOnly; rights only drop"))
}

fn symlinks(root: &Directory) -> Check {
    ok(root.mkdir("tmp/sl"), "mkdir")?;
    ok(root.write_file("tmp/sl/f", b"through"), "write")?;
    ok(root.symlink("f", "tmp/sl/l"), "symlink")?;
    ok(root.symlink("/etc/motd", "tmp/sl/abs"), "symlink absolute")?;
    ok(root.symlink("loop", "tmp/sl/loop"), "symlink loop")?;
    ensure!(ok(root.readlink("tmp/sl/l"), "readlink")? == "f", "readlink target");
    ensure!(ok(root.read_file("tmp/sl/l"), "read through")? == b"through", "read through the link");
    ensure!(ok(root.stat_follow("tmp/sl/l", false), "lstat")?.kind == NodeKind::Symlink, "lstat kind");
    ensure!(ok(root.stat("tmp/sl/l"), "stat")?.kind == NodeKind::File, "stat follows");
    fails(root.stat("tmp/sl/loop"), CapError::TooManyLinks, "stat of a loop")?;
    fails(root.open("tmp/sl/l", &OpenOptions::new().no_follow(true)), CapError::TooManyLinks, "noFollow")?;
    let jail = ok(root.open_dir("tmp/sl", false), "openDir")?;
    fails(jail.stat("abs"), CapError::NotFound, "an absolute link stays in the cap")?;
    ok(root.remove("tmp/sl/l"), "remove the link")?;
    ensure!(root.stat("tmp/sl/f").is_ok(), "remove of a link kept its target");
    for name in ["f", "abs", "loop", ""] {
        ok(root.remove(&format!("tmp/sl/{name}")), "remove")?;
    }
    Ok(String::from("symlink, readlink, stat with and without follow, loops, noFollow, confined to the cap"))
}

fn escape(root: &Directory) -> Check {
    ok(root.mkdir("tmp/jail"), "mkdir")?;
    ok(root.mkdir("tmp/jail/inner"), "mkdir")?;
    let jail = ok(root.open_dir("tmp/jail", false), "openDir")?;
    for path in ["..", "../..", "../../..", "/", "/..", "inner/../../.."] {
        ensure!(list_names(&jail, path)? == ["inner"], "list {path:?} left the jail");
    }
    fails(jail.stat("../../etc/motd"), CapError::NotFound, "stat ../../etc/motd")?;
    fails(jail.stat("/etc/motd"), CapError::NotFound, "stat /etc/motd")?;
    fails(jail.open("../../../etc/motd", &OpenOptions::new()), CapError::NotFound, "open ../../../etc/motd")?;
    ok(jail.write_file("../../escaped", b"x"), "create ../../escaped")?;
    ensure!(root.stat("tmp/jail/escaped").is_ok(), "../../escaped is not inside the jail");
    fails(root.stat("escaped"), CapError::NotFound, "escaped at the top")?;
    fails(root.stat("tmp/escaped"), CapError::NotFound, "escaped in /tmp")?;
    ok(jail.rename("../../escaped", "../../../../../moved"), "rename with ..")?;
    ensure!(root.stat("tmp/jail/moved").is_ok(), "rename left the jail");
    let inner = ok(jail.open_dir("inner", false), "openDir inner")?;
    ensure!(list_names(&inner, "../..")?.is_empty(), "inner's .. left inner");
    fails(inner.rename("../moved", "x"), CapError::NotFound, "rename from above")?;
    ok(root.remove("tmp/jail/moved"), "remove")?;
    ok(root.remove("tmp/jail/inner"), "remove")?;
    ok(root.remove("tmp/jail"), "remove")?;
    Ok(String::from("`..` stops at the cap's directory for list, stat, open, create, rename"))
}

/// Permission bits, times and hard links through the service (the tree's
/// host tests cover every rule; this checks they cross the wire).
fn attrs(root: &Directory) -> Check {
    let f = ok(root.open("tmp/at", &OpenOptions::new().write(true).create(true).mode(0o640)), "create 0640")?;
    let st = ok(f.stat(), "stat")?;
    ensure!(st.mode == 0o640 && st.links == 1, "mode {:o}, links {}", st.mode, st.links);
    ensure!(st.mtime.seconds > 1_000_000_000, "mtime {:?} is not the wall clock's", st.mtime);
    ok(root.mkdir_mode("tmp/atd", 0o700), "mkdir 0700")?;
    ensure!(ok(root.stat("tmp/atd"), "stat")?.mode == 0o700, "directory mode");
    let old = Timestamp { seconds: 1000, nanos: 5 };
    let change = AttrChange { mode: Some(0o4751), atime: TimeChange::At(old), mtime: TimeChange::At(old) };
    ok(root.set_attrs("tmp/at", &change), "setAttrs")?;
    let st = ok(root.stat("tmp/at"), "stat")?;
    ensure!(st.mode == 0o4751 && st.atime == old && st.mtime == old, "after setAttrs: {st:?}");
    ensure!(st.ctime.seconds > 1_000_000_000, "ctime {:?} is not now", st.ctime);
    ok(f.write(b"x"), "write")?;
    ensure!(ok(f.stat(), "stat")?.mtime > old, "a write moves mtime");
    ok(f.set_attrs(&AttrChange { mtime: TimeChange::At(old), ..AttrChange::default() }), "File.setAttrs")?;
    ensure!(ok(f.stat(), "stat")?.mtime == old, "File.setAttrs sets mtime");
    ok(root.link("tmp/at", "tmp/atd/again"), "link")?;
    let (a, b) = (ok(root.stat("tmp/at"), "stat")?, ok(root.stat("tmp/atd/again"), "stat")?);
    ensure!(a.id == b.id && a.links == 2, "two names of one node: {a:?} {b:?}");
    fails(root.link("tmp/at", "tmp/atd/again"), CapError::AlreadyExists, "link onto a name")?;
    fails(root.link("tmp/atd", "tmp/atd2"), CapError::IsADirectory, "link a directory")?;
    fails(root.link("etc/motd", "tmp/motd"), CapError::ReadOnly, "link a read-only node")?;
    fails(root.set_attrs("etc/motd", &change), CapError::ReadOnly, "setAttrs on a read-only node")?;
    ok(root.remove("tmp/at"), "remove one name")?;
    ensure!(ok(root.read_file("tmp/atd/again"), "read")? == b"x", "the other name keeps the data");
    ok(root.remove("tmp/atd/again"), "remove")?;
    ok(root.remove("tmp/atd"), "remove")?;
    Ok(String::from("modes, given times, mtime on write, links, read-only refused"))
}

fn many_name(i: usize) -> String {
    format!("f{i:04}")
}

fn many_files(root: &Directory, timer: Option<&Timer>) -> Check {
    let start = now_ms(timer);
    ok(root.mkdir("tmp/many"), "mkdir")?;
    for i in (0..MANY).rev() {
        let name = many_name(i);
        let f = ok(root.create(&format!("tmp/many/{name}")), "create")?;
        ok(f.write(name.as_bytes()), "write")?;
    }
    let entries = ok(root.list("tmp/many"), "list")?;
    ensure!(entries.len() == MANY, "listed {} entries", entries.len());
    for (i, e) in entries.iter().enumerate() {
        ensure!(e.name == many_name(i) && e.size == 5, "entry {i}: {e:?}");
    }
    ensure!(ok(root.read_file("tmp/many/f0500"), "read")? == b"f0500", "f0500 contents");
    Ok(format!("{MANY} files created and listed back in order in {} ms", now_ms(timer) - start))
}

fn big_file(root: &Directory, timer: Option<&Timer>) -> Check {
    let f = ok(root.create("tmp/big"), "create")?;
    let mut rng = Gen(0x9E37_79B9_7F4A_7C15);
    let mut written = Fnv::new();
    let mut buf = vec![0u8; capos::fs::MAX_IO];
    let start = now_ms(timer);
    let mut pos = 0u64;
    while pos < BIG {
        let n = (BIG - pos).min(buf.len() as u64) as usize;
        rng.fill(&mut buf[..n]);
        written.update(&buf[..n]);
        ok(f.write_all(&buf[..n]), "write")?;
        pos += n as u64;
    }
    let write_ms = now_ms(timer) - start;
    ensure!(ok(f.stat(), "stat")?.size == BIG, "size");
    ok(f.seek(0, Whence::Start), "seek")?;
    let mut read = Fnv::new();
    let mut total = 0u64;
    loop {
        let data = ok(f.read(capos::fs::MAX_IO as u32), "read")?;
        if data.is_empty() {
            break;
        }
        total += data.len() as u64;
        read.update(&data);
    }
    let read_ms = now_ms(timer) - start - write_ms;
    ensure!(total == BIG, "read back {total} bytes");
    ensure!(read.0 == written.0, "checksum {:#x} read back, {:#x} written", read.0, written.0);
    ok(root.remove("tmp/big"), "remove")?;
    Ok(format!(
        "{BIG} bytes written in {write_ms} ms, read back in {read_ms} ms, checksum {:#018x} matches",
        read.0
    ))
}

fn concurrent(root: &Directory, timer: Option<&Timer>, waits: &[&str]) -> Check {
    let Some(timer) = timer else { return Err(String::from("no timer cap to wait with")) };
    ensure!(!waits.is_empty(), "no writers to wait for (--wait NAME)");
    let deadline = ok(timer.now(), "now")? + WAIT_NS;
    for name in waits {
        while root.stat(&format!("tmp/{name}.done")).is_err() {
            ensure!(ok(timer.now(), "now")? < deadline, "{name} did not finish");
            ok(timer.sleep(20_000_000), "sleep")?;
        }
        let size = ok(root.stat(&format!("tmp/{name}.dat")), "stat")?.size;
        ensure!(size == WRITER_SIZE as u64, "{name}.dat is {size} bytes");
    }
    Ok(format!("{} done, each file {WRITER_SIZE} bytes", waits.join(" and ")))
}

/// Runs in a writer process: its own file, written in small pieces while
/// the other writer does the same.
fn writer(root: &Directory, name: &str, seed: u64) -> Result<String, String> {
    let path = format!("tmp/{name}.dat");
    let f = ok(root.create(&path), "create")?;
    let mut rng = Gen(seed | 1);
    let mut sum = Fnv::new();
    let mut buf = [0u8; WRITER_CHUNK];
    for _ in 0..WRITER_SIZE / WRITER_CHUNK {
        rng.fill(&mut buf);
        sum.update(&buf);
        ensure!(ok(f.write(&buf), "write")? == WRITER_CHUNK as u64, "short write");
    }
    let r = ok(root.open(&path, &OpenOptions::new()), "open")?;
    let mut back = Fnv::new();
    let mut total = 0;
    loop {
        let data = ok(r.read(capos::fs::MAX_IO as u32), "read")?;
        if data.is_empty() {
            break;
        }
        total += data.len();
        back.update(&data);
    }
    ensure!(total == WRITER_SIZE, "read back {total} bytes");
    ensure!(back.0 == sum.0, "checksum {:#x} read back, {:#x} written", back.0, sum.0);
    ok(root.write_file(&format!("tmp/{name}.done"), b""), "done marker")?;
    Ok(format!(
        "wrote {WRITER_SIZE} bytes in {} writes; read back, checksum {:#018x} matches",
        WRITER_SIZE / WRITER_CHUNK,
        sum.0
    ))
}

fn nospace_bytes(root: &Directory) -> Check {
    let f = ok(root.create("tmp/fill"), "create")?;
    // Find the largest size that still fits (growing is sparse: no memory).
    let (mut lo, mut hi) = (0u64, 1u64 << 40);
    fails(f.truncate(hi), CapError::NoSpace, "a 1 TiB file")?;
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        match f.truncate(mid) {
            Ok(()) => lo = mid,
            Err(CapError::NoSpace) => hi = mid,
            Err(e) => return Err(format!("truncate {mid}: {e:?}")),
        }
    }
    ok(f.truncate(lo), "truncate to the limit")?;
    fails(f.pwrite(lo, b"x"), CapError::NoSpace, "one byte past the quota")?;
    ensure!(ok(f.pwrite(lo - 1, b"y"), "write inside")? == 1, "write inside");
    fails(f.truncate(lo + 1), CapError::NoSpace, "grow by one byte")?;
    let g = ok(root.create("tmp/fill2"), "create")?;
    fails(g.write(b"z"), CapError::NoSpace, "a byte in another file")?;
    drop(g);
    ok(f.truncate(lo - 100), "shrink")?;
    ok(root.write_file("tmp/fill2", &[1; 100]), "the freed bytes are usable")?;
    ok(root.remove("tmp/fill"), "remove")?;
    ok(root.remove("tmp/fill2"), "remove")?;
    Ok(format!("the quota left room for a {lo}-byte file; one byte more is NoSpace"))
}

fn nospace_nodes(root: &Directory) -> Check {
    let mut made = 0usize;
    loop {
        match root.create(&format!("tmp/n{made}")) {
            Ok(_file) => made += 1,
            Err(CapError::NoSpace) => break,
            Err(e) => return Err(format!("create n{made}: {e:?}")),
        }
        ensure!(made < 10_000, "no node quota");
    }
    fails(root.mkdir("tmp/nd"), CapError::NoSpace, "mkdir at the node quota")?;
    ensure!(made > 0, "no room at all");
    ok(root.remove("tmp/n0"), "remove")?;
    ok(root.mkdir("tmp/nd"), "mkdir after a remove")?;
    ok(root.remove("tmp/nd"), "remove")?;
    for i in 1..made {
        ok(root.remove(&format!("tmp/n{i}")), "remove")?;
    }
    Ok(format!("{made} more files fitted next to the {MANY}, then NoSpace (create and mkdir)"))
}

fn cleanup(root: &Directory, waits: &[&str]) -> Check {
    for i in 0..MANY {
        ok(root.remove(&format!("tmp/many/{}", many_name(i))), "remove")?;
    }
    ok(root.remove("tmp/many"), "remove")?;
    for name in waits {
        ok(root.remove(&format!("tmp/{name}.dat")), "remove")?;
        ok(root.remove(&format!("tmp/{name}.done")), "remove")?;
    }
    let left = list_names(root, "tmp")?;
    ensure!(left.is_empty(), "/tmp still holds {left:?}");
    Ok(String::from("everything removed; /tmp is empty"))
}

/// Fills the service's memory: the refusal must be a typed error, and the
/// service must carry on.
fn fill(root: &Directory) -> Result<String, String> {
    let f = ok(root.create("tmp/fill"), "create")?;
    let mut rng = Gen(7);
    let mut buf = vec![0u8; capos::fs::MAX_IO];
    rng.fill(&mut buf);
    let mut total = 0u64;
    let error = loop {
        match f.write(&buf) {
            Ok(n) => total += n,
            Err(e) => break e,
        }
        ensure!(total < 1 << 30, "wrote 1 GiB without an error");
    };
    ensure!(error == CapError::OutOfMemory, "the write past memory failed with {error:?}");
    ensure!(ok(f.stat(), "stat after the error")?.size == total, "size after the error");
    // Closed and removed, the file's memory is freed.
    drop(f);
    ok(root.remove("tmp/fill"), "remove")?;
    // The memory is back: a file of half that size fits again.
    let g = ok(root.create("tmp/again"), "create again")?;
    let mut again = 0u64;
    while again < total / 2 {
        again += ok(g.write(&buf), "write again")?;
    }
    ok(root.remove("tmp/again"), "remove")?;
    Ok(format!(
        "{} MiB written, then {error:?}; the service still works and {} MiB fit again after removing it",
        total >> 20,
        again >> 20
    ))
}
