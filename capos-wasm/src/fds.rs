//! The module's fd table (the POSIX adapter's table,
//! `capos_lib::fd_table`, holding WASI entries): stdio at 0–2 (what the
//! program that exec'd `wasm-host` left there, `capos_lib::fd_handover`:
//! a pipe, a file, `/dev/null`; else the terminal and stderr), the
//! preopened directories from 3 on (`--dir`), and what the module opens. A directory fd holds the
//! preopen's own `Directory` cap (opened once with `Directory.openDir`,
//! shared by every fd below it) and a path inside it, so the file service
//! itself keeps every call inside the preopen; [`resolve`] also refuses
//! `..` past the preopen and absolute paths before any call is made.

use alloc::rc::Rc;
use alloc::string::String;
use alloc::vec::Vec;
use core::cell::RefCell;

use capos_fs::path::MAX_PATH;
use capos_lib::fd_handover::{Handover, Kind};
use capos_lib::fd_table::FdError;
use capos_rt::call::PendingCall;
use capos_rt::fs::{DirEntry, Directory, File, NodeKind};
use capos_rt::pipe::Pipe;

use crate::errno::{Errno, WasiResult};

/// Most fds a module may have open.
pub const MAX_FDS: usize = 1024;

/// WASI rights bits (`__WASI_RIGHTS_*`).
#[allow(missing_docs)]
pub mod rights {
    pub const FD_DATASYNC: u64 = 1 << 0;
    pub const FD_READ: u64 = 1 << 1;
    pub const FD_SEEK: u64 = 1 << 2;
    pub const FD_FDSTAT_SET_FLAGS: u64 = 1 << 3;
    pub const FD_SYNC: u64 = 1 << 4;
    pub const FD_TELL: u64 = 1 << 5;
    pub const FD_WRITE: u64 = 1 << 6;
    pub const FD_ADVISE: u64 = 1 << 7;
    pub const FD_ALLOCATE: u64 = 1 << 8;
    pub const FD_READDIR: u64 = 1 << 14;
    pub const FD_FILESTAT_GET: u64 = 1 << 21;
    pub const FD_FILESTAT_SET_SIZE: u64 = 1 << 22;
    pub const POLL_FD_READWRITE: u64 = 1 << 27;
    /// Every right Preview 1 defines (bits 0–29).
    pub const ALL: u64 = (1 << 30) - 1;
    /// The rights that make sense on a regular file.
    pub const FILE: u64 = FD_DATASYNC
        | FD_READ
        | FD_SEEK
        | FD_FDSTAT_SET_FLAGS
        | FD_SYNC
        | FD_TELL
        | FD_WRITE
        | FD_ADVISE
        | FD_ALLOCATE
        | FD_FILESTAT_GET
        | FD_FILESTAT_SET_SIZE
        | (1 << 23)
        | POLL_FD_READWRITE;
    /// The rights that make sense on a directory.
    pub const DIRECTORY: u64 =
        ALL & !FILE | FD_FDSTAT_SET_FLAGS | FD_SYNC | FD_DATASYNC | FD_ADVISE | FD_FILESTAT_GET;
    /// Rights of stdio.
    pub const STDIO: u64 = FD_READ | FD_WRITE | FD_FDSTAT_SET_FLAGS | FD_FILESTAT_GET | POLL_FD_READWRITE;
}

/// WASI file types (`__WASI_FILETYPE_*`).
#[allow(missing_docs)]
pub mod filetype {
    pub const UNKNOWN: u8 = 0;
    pub const CHARACTER_DEVICE: u8 = 2;
    pub const DIRECTORY: u8 = 3;
    pub const REGULAR_FILE: u8 = 4;
    pub const SYMBOLIC_LINK: u8 = 7;
}

/// The WASI file type of a file-service node.
pub fn node_filetype(kind: NodeKind) -> u8 {
    match kind {
        NodeKind::File => filetype::REGULAR_FILE,
        NodeKind::Directory => filetype::DIRECTORY,
        NodeKind::Symlink => filetype::SYMBOLIC_LINK,
    }
}

/// A directory fd: the preopen's cap and a path inside it.
pub struct DirFd {
    /// The preopen's `Directory` cap (shared with every fd below it).
    pub root: Rc<Directory>,
    /// The path inside the preopen (`.` for the preopen itself).
    pub path: String,
    /// The guest's name of the preopen, for a preopened fd.
    pub preopen: Option<String>,
    /// The listing `fd_readdir` hands out (`.`, `..`, then the entries),
    /// read again when a listing starts at cookie 0.
    pub listing: Vec<DirEntry>,
}

/// A file fd: the file service's `File` cap.
pub struct FileFd {
    /// The cap (shared by the fds a shell made of one open file, such as
    /// `>f 2>&1`).
    pub file: Rc<File>,
    /// The path inside the preopen the file was opened below.
    pub path: String,
}

/// A pipe end's cap, with the `waitReady` call `poll_oneoff` left in
/// flight on it (one at most, taken up again by the next poll; dropped
/// with the end).
pub struct PipeEnd {
    /// The cap.
    pub pipe: Pipe,
    /// The `waitReady` in flight, if any.
    pub wait: RefCell<Option<PendingCall>>,
}

impl core::ops::Deref for PipeEnd {
    type Target = Pipe;

    fn deref(&self) -> &Pipe {
        &self.pipe
    }
}

/// One end of a pipe the module got as stdio.
pub struct PipeFd {
    /// The end (shared by the fds made of one end, such as `2>&1`).
    pub pipe: Rc<PipeEnd>,
    /// The write end (else the read end).
    pub write: bool,
}

/// What an fd refers to.
pub enum Object {
    /// Standard input (the `terminal` cap).
    Stdin,
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
    /// `/dev/null`: reads end at once, writes go nowhere.
    Null,
    /// A pipe end.
    Pipe(PipeFd),
    /// A file.
    File(FileFd),
    /// A directory.
    Dir(DirFd),
}

/// An open fd.
pub struct Entry {
    /// What it refers to.
    pub object: Object,
    /// Rights of the fd itself.
    pub rights_base: u64,
    /// Rights of fds opened from it.
    pub rights_inheriting: u64,
    /// fd flags (`__WASI_FDFLAGS_*`): what `fd_fdstat_get` reports.
    pub flags: u16,
}

/// The fd table (`capos_lib::fd_table`, the POSIX adapter's too).
pub struct FdTable {
    table: capos_lib::fd_table::FdTable<Entry>,
}

fn errno(e: FdError) -> Errno {
    match e {
        FdError::BadFd => Errno::BADF,
        FdError::Full => Errno::MFILE,
    }
}

impl FdTable {
    /// A table with stdio at 0, 1 and 2: the terminal and stderr, or
    /// what `handover` (the fds of the program that exec'd this one) has
    /// at 0–2. Its other fds are not the module's (WASI numbers preopens
    /// from 3); a closed one of 0–2 stays there with no rights, so
    /// its calls fail with `EBADF`.
    pub fn with_stdio(handover: Option<&Handover>) -> Self {
        let mut table = capos_lib::fd_table::FdTable::new(MAX_FDS);
        let mut shared_files: Vec<(u32, Rc<File>)> = Vec::new();
        let mut shared_pipes: Vec<(u32, Rc<PipeEnd>)> = Vec::new();
        for fd in 0..3 {
            let entry = match handover {
                None => {
                    let object = match fd {
                        0 => Object::Stdin,
                        1 => Object::Stdout,
                        _ => Object::Stderr,
                    };
                    Some(object.into_entry(rights::STDIO, 0))
                }
                Some(h) => {
                    h.get(fd as i64).and_then(|e| inherited(e, fd, &mut shared_files, &mut shared_pipes))
                }
            };
            // An empty table has room for three.
            let _ = table.insert(entry.unwrap_or_else(|| Object::Null.into_entry(0, 0)), 0);
        }
        if let Some(h) = handover {
            for cap in h.dropped.iter().copied() {
                let _ = capos_rt::call::release(cap);
            }
        }
        Self { table }
    }

    /// The entry at `fd`, or `EBADF`.
    pub fn get(&self, fd: u32) -> WasiResult<&Entry> {
        self.table.get(fd as usize).ok_or(Errno::BADF)
    }

    /// The entry at `fd`, to change, or `EBADF`.
    pub fn get_mut(&mut self, fd: u32) -> WasiResult<&mut Entry> {
        self.table.get_mut(fd as usize).ok_or(Errno::BADF)
    }

    /// Puts `entry` at the lowest free fd (`EMFILE` when none is free).
    pub fn insert(&mut self, entry: Entry) -> WasiResult<u32> {
        self.table.insert(entry, 0).map(|fd| fd as u32).map_err(errno)
    }

    /// Closes `fd`: returns its entry (dropping it releases its cap).
    pub fn remove(&mut self, fd: u32) -> WasiResult<Entry> {
        self.table.remove(fd as usize).map_err(errno)
    }

    /// `fd_renumber`: moves `from` to `to`, closing what `to` held.
    pub fn renumber(&mut self, from: u32, to: u32) -> WasiResult {
        drop(self.table.renumber(from as usize, to as usize).map_err(errno)?);
        Ok(())
    }
}

impl Object {
    fn into_entry(self, rights_base: u64, flags: u16) -> Entry {
        Entry { object: self, rights_base, rights_inheriting: 0, flags }
    }
}

/// Linux's `O_ACCMODE` and `O_APPEND` in a handed-over fd's flags.
const O_ACCMODE: u32 = 3;
const O_APPEND: u32 = 0o2000;

/// The WASI entry of handed-over stdio fd `fd`, its caps shared with the
/// earlier fds of the same open file or pipe end; `None` for what a
/// module cannot use as stdio (a directory).
fn inherited(
    e: &capos_lib::fd_handover::Entry,
    fd: usize,
    files: &mut Vec<(u32, Rc<File>)>,
    pipes: &mut Vec<(u32, Rc<PipeEnd>)>,
) -> Option<Entry> {
    let access = match e.flags & O_ACCMODE {
        0 => rights::FD_READ,
        1 => rights::FD_WRITE,
        _ => rights::FD_READ | rights::FD_WRITE,
    };
    let stream = rights::STDIO & !(rights::FD_READ | rights::FD_WRITE) | access;
    let object = match e.kind {
        Kind::Terminal if fd == 0 => Object::Stdin,
        Kind::Terminal | Kind::Console => Object::Stdout,
        Kind::Stderr => Object::Stderr,
        Kind::Null | Kind::Zero | Kind::Random => Object::Null,
        Kind::Dir => return None,
        Kind::File => {
            let file = match files.iter().find(|(cap, _)| *cap == e.cap) {
                Some((_, file)) => file.clone(),
                None => {
                    let file = Rc::new(File::from_id(e.cap));
                    files.push((e.cap, file.clone()));
                    file
                }
            };
            let flags = if e.flags & O_APPEND != 0 { crate::wasi::fd::FDFLAGS_APPEND } else { 0 };
            let entry = Object::File(FileFd { file, path: e.path.clone() });
            return Some(
                entry.into_entry(rights::FILE & !(rights::FD_READ | rights::FD_WRITE) | access, flags),
            );
        }
        Kind::PipeRead | Kind::PipeWrite => {
            let pipe = match pipes.iter().find(|(cap, _)| *cap == e.cap) {
                Some((_, pipe)) => pipe.clone(),
                None => {
                    let pipe = Rc::new(PipeEnd { pipe: Pipe::from_id(e.cap), wait: RefCell::new(None) });
                    pipes.push((e.cap, pipe.clone()));
                    pipe
                }
            };
            Object::Pipe(PipeFd { pipe, write: e.kind == Kind::PipeWrite })
        }
    };
    let rights_base = match object {
        Object::Pipe(PipeFd { write: true, .. }) => stream & !rights::FD_READ,
        Object::Pipe(PipeFd { write: false, .. }) => stream & !rights::FD_WRITE,
        _ => stream,
    };
    Some(object.into_entry(rights_base, 0))
}

/// A path a WASI call names, resolved below directory fd `dir`: the
/// preopen's cap and the path inside it, never above it.
pub struct Resolved {
    /// The preopen's cap.
    pub root: Rc<Directory>,
    /// The path inside it (`.` for the preopen itself).
    pub path: String,
}

/// Resolves `path` below `dir`. An absolute path, and a `..` that would
/// leave the preopen, are `EPERM` (what wasmtime answers). Each
/// directory a `..` leaves must exist (`ENOENT`, `ENOTDIR` otherwise), as a
/// real walk would find.
pub fn resolve(dir: &DirFd, path: &str) -> WasiResult<Resolved> {
    if path.is_empty() {
        return Err(Errno::NOENT);
    }
    if path.len() > MAX_PATH {
        return Err(Errno::NAMETOOLONG);
    }
    if path.starts_with('/') {
        return Err(Errno::PERM);
    }
    let mut names: Vec<&str> = dir.path.split('/').filter(|c| !c.is_empty() && *c != ".").collect();
    for component in path.split('/') {
        match component {
            "" | "." => {}
            ".." => {
                if names.is_empty() {
                    return Err(Errno::PERM);
                }
                let here = join(&names);
                match dir.root.stat(&here) {
                    Ok(info) if info.kind == NodeKind::Directory => {}
                    Ok(_) => return Err(Errno::NOTDIR),
                    Err(e) => return Err(e.into()),
                }
                names.pop();
            }
            name => names.push(name),
        }
    }
    let mut joined = join(&names);
    // A path ending in `/` must name a directory; the file service checks
    // that when it sees the slash.
    if path.ends_with('/') && joined != "." {
        joined.push('/');
    }
    Ok(Resolved { root: dir.root.clone(), path: joined })
}

fn join(names: &[&str]) -> String {
    if names.is_empty() {
        return String::from(".");
    }
    let mut out = String::new();
    for (i, name) in names.iter().enumerate() {
        if i > 0 {
            out.push('/');
        }
        out.push_str(name);
    }
    out
}
