//! The fd table: small integers naming open file descriptions.
//!
//! An fd names a [`Description`] (shared by `dup`s, as on Linux: the file
//! position lives in the file service's `File` cap, which every dup
//! shares) plus its own close-on-exec flag. The status flags `F_SETFL`
//! changes (`O_APPEND`, `O_NONBLOCK`) of a pipe end or a file live in the
//! kernel object behind its cap (`capos_rt::syscall::cap_flags`), so a
//! forked child, an exec'd image and the parent share them as they share
//! the description on Linux. The table is one lock for the
//! whole process; it is never held across a capability call: a call takes
//! an `Arc` of the description and lets the lock go. A description's cap
//! is released when its last fd closes.

use alloc::string::String;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicU32, Ordering};

use capos_lib::fd_table::{FdError, FdTable};
use capos_rt::fs::{DirEntry, File};
use spin::Mutex;

use crate::errno::Errno;
use crate::musl;

/// Most fds a process may have open (its `RLIMIT_NOFILE`).
pub const MAX_FDS: usize = 1024;

/// What an open file description refers to.
pub enum Object {
    /// The terminal (`terminal` cap): reads and writes.
    Terminal,
    /// Standard error (`stderr` cap, a write-only console).
    Stderr,
    /// The kernel console (`console` cap), the fallback of fds 1 and 2.
    Console,
    /// `/dev/null`.
    Null,
    /// `/dev/zero`.
    Zero,
    /// `/dev/urandom` (and `/dev/random`).
    Random,
    /// A file of the file service.
    File(OpenFile),
    /// A directory of the file service.
    Dir(OpenDir),
    /// One end of a pipe.
    Pipe(OpenPipe),
}

/// An open pipe end, and the `waitReady` call `poll` left waiting on it
/// (reused by the next `poll`, so waits never pile up).
pub struct OpenPipe {
    /// The end.
    pub pipe: capos_rt::pipe::Pipe,
    /// Whether it is the write end.
    pub write: bool,
    /// A `waitReady` in flight.
    pub waiter: Mutex<Option<capos_rt::call::PendingCall>>,
}

/// An open file: the file service's `File` cap and the path it was opened
/// by (for `fstat`'s inode number).
pub struct OpenFile {
    /// The cap (owned: released when the description goes).
    pub file: File,
    /// The canonical path at open time.
    pub path: String,
}

/// An open directory: its path and where `getdents64` is in its listing.
pub struct OpenDir {
    /// The canonical path.
    pub path: String,
    /// The listing being read.
    pub cursor: Mutex<DirCursor>,
}

/// Where `getdents64` is in a directory's listing, which it reads a page
/// at a time (`Directory.listPage`), so a directory of any size can be
/// read: the entries fetched and not yet handed out (`.` and `..` come
/// first), the last name fetched (the next page starts after it), whether
/// more pages follow, how many entries were handed out (each entry's
/// `d_off` is the count after it), and how many to skip after a seek.
#[derive(Default)]
pub struct DirCursor {
    /// Whether the listing has started (false after open or a rewind).
    pub started: bool,
    /// Entries fetched and not handed out yet.
    pub buffered: alloc::collections::VecDeque<DirEntry>,
    /// The last name fetched.
    pub after: String,
    /// Whether the directory has entries after `after`.
    pub more: bool,
    /// Entries handed out (or skipped) since the start.
    pub position: u64,
    /// Entries still to skip (a seek to `d_off` N skips N).
    pub skip: u64,
}

/// An open file description.
pub struct Description {
    /// What it refers to.
    pub object: Object,
    /// Status flags: the access mode (`O_RDONLY`, `O_WRONLY`, `O_RDWR`) and
    /// `O_APPEND`, `O_NONBLOCK` (what `fcntl(F_GETFL)` reports); the
    /// changeable ones of an object with a cap are in its kernel object
    /// ([`Description::status`]).
    status: AtomicU32,
}

/// The status flags `F_SETFL` changes.
pub const CHANGEABLE: u32 = (musl::O_APPEND | musl::O_NONBLOCK) as u32;

impl Description {
    /// A description of `object` with status flags `status` (the flags of
    /// an object with a cap are set in its kernel object when any is set:
    /// a fresh object's are clear).
    pub fn new(object: Object, status: u32) -> Arc<Self> {
        let d = Arc::new(Self { object, status: AtomicU32::new(status) });
        if status & CHANGEABLE != 0 {
            d.update(CHANGEABLE, status);
        }
        d
    }

    /// The cap whose kernel object keeps the changeable flags.
    fn flags_cap(&self) -> Option<u32> {
        match &self.object {
            Object::File(f) => Some(f.file.id()),
            Object::Pipe(p) => Some(p.pipe.id()),
            _ => None,
        }
    }

    /// The status flags (`fcntl(F_GETFL)`).
    pub fn status(&self) -> u32 {
        let local = self.status.load(Ordering::Relaxed);
        match self.flags_cap().map(|cap| capos_rt::syscall::cap_flags(cap, 0, 0)) {
            Some(word) if word >= 0 => (local & !CHANGEABLE) | (word as u32 & CHANGEABLE),
            _ => local,
        }
    }

    /// Replaces the changeable flags of `mask` with those of `value`
    /// (`fcntl(F_SETFL)`), for every holder of the description.
    pub fn update(&self, mask: u32, value: u32) {
        let mask = mask & CHANGEABLE;
        let old = self.status.load(Ordering::Relaxed);
        self.status.store((old & !mask) | (value & mask), Ordering::Relaxed);
        if let Some(cap) = self.flags_cap() {
            // A cap without a word (or gone) keeps the flags here alone.
            let _ = capos_rt::syscall::cap_flags(cap, mask, value);
        }
    }

    /// Whether `O_NONBLOCK` is set.
    pub fn nonblocking(&self) -> bool {
        self.status() & musl::O_NONBLOCK as u32 != 0
    }

    /// Whether reads are allowed (`O_RDONLY` or `O_RDWR`).
    pub fn readable(&self) -> bool {
        let mode = self.status.load(Ordering::Relaxed) & musl::O_ACCMODE as u32;
        mode == musl::O_RDONLY as u32 || mode == musl::O_RDWR as u32
    }

    /// Whether writes are allowed (`O_WRONLY` or `O_RDWR`).
    pub fn writable(&self) -> bool {
        let mode = self.status.load(Ordering::Relaxed) & musl::O_ACCMODE as u32;
        mode == musl::O_WRONLY as u32 || mode == musl::O_RDWR as u32
    }
}

struct Slot {
    description: Arc<Description>,
    cloexec: bool,
}

/// The table (`capos_lib::fd_table`, shared with the WASI host).
static TABLE: Mutex<FdTable<Slot>> = Mutex::new(FdTable::new(MAX_FDS));

fn index(fd: i64) -> Result<usize, Errno> {
    usize::try_from(fd).ok().filter(|&i| i < MAX_FDS).ok_or(Errno::EBADF)
}

fn errno(e: FdError) -> Errno {
    match e {
        FdError::BadFd => Errno::EBADF,
        FdError::Full => Errno::EMFILE,
    }
}

/// The description `fd` names, or `EBADF`.
pub fn get(fd: i64) -> Result<Arc<Description>, Errno> {
    let i = index(fd)?;
    let table = TABLE.lock();
    table.get(i).map(|s| s.description.clone()).ok_or(Errno::EBADF)
}

/// Puts `description` at the lowest free fd not below `min`; returns it
/// (`EMFILE` when none is free).
pub fn insert(description: Arc<Description>, cloexec: bool, min: usize) -> Result<i64, Errno> {
    let mut table = TABLE.lock();
    table.insert(Slot { description, cloexec }, min).map(|fd| fd as i64).map_err(errno)
}

/// Puts `description` at exactly `fd`, replacing what was there (returned,
/// for the caller to drop after the lock).
pub fn place(
    fd: i64,
    description: Arc<Description>,
    cloexec: bool,
) -> Result<Option<Arc<Description>>, Errno> {
    let i = index(fd)?;
    let mut table = TABLE.lock();
    Ok(table.place(i, Slot { description, cloexec }).map_err(errno)?.map(|s| s.description))
}

/// Closes `fd`; returns its description (dropped by the caller, outside
/// the lock: the last drop releases a cap).
pub fn remove(fd: i64) -> Result<Arc<Description>, Errno> {
    let i = index(fd)?;
    let mut table = TABLE.lock();
    table.remove(i).map(|s| s.description).map_err(errno)
}

/// `fd`'s close-on-exec flag.
pub fn cloexec(fd: i64) -> Result<bool, Errno> {
    let i = index(fd)?;
    let table = TABLE.lock();
    table.get(i).map(|s| s.cloexec).ok_or(Errno::EBADF)
}

/// Sets `fd`'s close-on-exec flag.
pub fn set_cloexec(fd: i64, on: bool) -> Result<(), Errno> {
    let i = index(fd)?;
    let mut table = TABLE.lock();
    let slot = table.get_mut(i).ok_or(Errno::EBADF)?;
    slot.cloexec = on;
    Ok(())
}

/// In a forked child: the fd table as the parent had it (its caps are the
/// child's own copies, at the same ids), without the parent's calls in
/// flight (a `poll`'s `waitReady`s were the parent's).
pub fn after_fork_in_child() {
    if TABLE.is_locked() {
        // SAFETY: only the calling thread exists in the child.
        unsafe { TABLE.force_unlock() };
    }
    let table = TABLE.lock();
    for (_, slot) in table.iter() {
        if let Object::Pipe(p) = &slot.description.object {
            if p.waiter.is_locked() {
                // SAFETY: as above.
                unsafe { p.waiter.force_unlock() };
            }
            if let Some(call) = p.waiter.lock().take() {
                core::mem::forget(call);
            }
        }
    }
}

/// The fd table as the next image gets it through `exec`
/// (`capos_lib::fd_handover`): every fd without close-on-exec, then the
/// caps of the close-on-exec fds, which the new image releases (so a
/// failed `exec` leaves every fd as it was).
pub fn exec_handover() -> String {
    use capos_lib::fd_handover::{Entry, Handover, Kind};
    let table = TABLE.lock();
    let mut handover = Handover::default();
    for (fd, slot) in table.iter() {
        let d = &slot.description;
        let flags = d.status();
        let (kind, cap, path) = match &d.object {
            Object::Terminal => (Kind::Terminal, 0, String::new()),
            Object::Stderr => (Kind::Stderr, 0, String::new()),
            Object::Console => (Kind::Console, 0, String::new()),
            Object::Null => (Kind::Null, 0, String::new()),
            Object::Zero => (Kind::Zero, 0, String::new()),
            Object::Random => (Kind::Random, 0, String::new()),
            Object::File(f) => (Kind::File, f.file.id(), f.path.clone()),
            Object::Dir(dir) => (Kind::Dir, 0, dir.path.clone()),
            Object::Pipe(p) => {
                (if p.write { Kind::PipeWrite } else { Kind::PipeRead }, p.pipe.id(), String::new())
            }
        };
        if slot.cloexec {
            handover.dropped.push(cap);
        } else {
            handover.kept.push(Entry { fd: fd as i64, kind, flags, cap, path });
        }
    }
    handover.format()
}

/// Rebuilds the fd table from an [`exec_handover`] (at program start);
/// `false` when there is none or it is malformed (then fds 0–2 are opened
/// as usual).
pub fn take_handover(text: &str) -> bool {
    use capos_lib::fd_handover::{Handover, Kind};
    let Some(handover) = Handover::parse(text) else { return false };
    let mut shared: alloc::collections::BTreeMap<u32, Arc<Description>> = alloc::collections::BTreeMap::new();
    for entry in handover.kept {
        let cap = entry.cap;
        let description = match shared.get(&cap).filter(|_| cap != 0) {
            Some(d) => d.clone(),
            None => {
                let object = match entry.kind {
                    Kind::Terminal => Object::Terminal,
                    Kind::Stderr => Object::Stderr,
                    Kind::Console => Object::Console,
                    Kind::Null => Object::Null,
                    Kind::Zero => Object::Zero,
                    Kind::Random => Object::Random,
                    Kind::File => Object::File(OpenFile { file: File::from_id(cap), path: entry.path }),
                    Kind::Dir => Object::Dir(OpenDir {
                        path: if entry.path.is_empty() { String::from("/") } else { entry.path },
                        cursor: Mutex::new(DirCursor::default()),
                    }),
                    Kind::PipeRead | Kind::PipeWrite => Object::Pipe(OpenPipe {
                        pipe: capos_rt::pipe::Pipe::from_id(cap),
                        write: entry.kind == Kind::PipeWrite,
                        waiter: Mutex::new(None),
                    }),
                };
                let d = Description::new(object, entry.flags);
                if cap != 0 {
                    shared.insert(cap, d.clone());
                }
                d
            }
        };
        if place(entry.fd, description, false).is_err() {
            return false;
        }
    }
    for cap in handover.dropped {
        let _ = capos_rt::call::release(cap);
    }
    true
}
