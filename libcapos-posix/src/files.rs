//! Files and directories: `openat` and the calls on paths and fds, over
//! the file service's `Directory` (the `fs` cap, the root of every path)
//! and `File` caps (`docs/posix-abi.md` lists what each call does).
//!
//! Paths: an absolute path is read from the `fs` root; a relative one from
//! the current directory (a path string kept here) or from a directory
//! fd's path. The file service resolves `..` and symbolic links itself,
//! never above the root (`links.rs` holds the link calls). `/dev/null`, `/dev/zero`, `/dev/random`, `/dev/urandom`,
//! `/dev/tty`, `/dev/stdin`, `/dev/stdout` and `/dev/stderr` are served
//! here.
//!
//! `stat` reports what the file service keeps: permission bits, links,
//! the three times and the node's number (`st_ino`); it keeps no owners,
//! so uid and gid are 0. The bits are not enforced (docs/posix-abi.md);
//! `open` and `mkdir` apply the umask to the mode they are given.

use alloc::string::String;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU32, Ordering};

use capos_abi::error::CapError;
use capos_fs::path::{join, normalize};
use capos_rt::Borrowed;
use capos_rt::fs::{DirEntry, Directory, MAX_IO, NodeInfo, NodeKind, OpenOptions, Whence};
use spin::Mutex;

use crate::errno::{Errno, SysResult};
use crate::fd::{self, Description, DirCursor, Object, OpenDir, OpenFile};
use crate::musl;
use crate::user;

/// The current directory (canonical, absolute).
static CWD: Mutex<String> = Mutex::new(String::new());
/// The file-mode creation mask (`umask`).
static UMASK: AtomicU32 = AtomicU32::new(0o022);

/// The `fs` cap: the root of every path (`EACCES` without one: the
/// program was given no file system).
pub(crate) fn root() -> Result<Borrowed<'static, Directory>, Errno> {
    capos_rt::entry::caps().and_then(|caps| Directory::from_caps(&caps, "fs").ok()).ok_or(Errno::EACCES)
}

/// The current directory.
pub fn cwd() -> String {
    let cwd = CWD.lock();
    if cwd.is_empty() { String::from("/") } else { cwd.clone() }
}

/// Starts in directory `pwd` (the spawner's `PWD`) when it names one.
pub fn init_cwd(pwd: Option<&str>) {
    let Some(pwd) = pwd.filter(|p| p.starts_with('/')) else { return };
    if let Ok(root) = root()
        && root.stat(pwd).is_ok_and(|info| info.kind == NodeKind::Directory)
        && let Ok(path) = crate::links::physical(pwd)
    {
        *CWD.lock() = path;
    }
}

/// `path` read from `dirfd` (`AT_FDCWD`: the current directory).
/// `/proc/self/fd/N` names what fd N is open on, as Linux's link there
/// does (musl's `fchmodat` with `AT_SYMLINK_NOFOLLOW` goes through it):
/// the path the file or directory was opened by (partial: a file renamed
/// or removed since is not followed), `ENOENT` for an fd that is not the
/// file service's.
pub(crate) fn resolve(dirfd: i64, path: &str) -> Result<String, Errno> {
    if path.is_empty() {
        return Err(Errno::ENOENT);
    }
    if let Some(number) = path.strip_prefix("/proc/self/fd/") {
        let fd = number.parse::<i64>().map_err(|_| Errno::ENOENT)?;
        return match &fd::get(fd).map_err(|_| Errno::ENOENT)?.object {
            Object::File(f) => Ok(f.path.clone()),
            Object::Dir(d) => Ok(d.path.clone()),
            _ => Err(Errno::ENOENT),
        };
    }
    if path.starts_with('/') {
        return Ok(String::from(path));
    }
    let base = if dirfd as i32 == musl::AT_FDCWD {
        cwd()
    } else {
        match &fd::get(dirfd)?.object {
            Object::Dir(d) => d.path.clone(),
            _ => return Err(Errno::ENOTDIR),
        }
    };
    Ok(join(&base, path))
}

/// The device a path names, if it is one of `/dev`'s.
fn device(path: &str) -> Option<Result<Object, Errno>> {
    let canonical = normalize(path).ok()?;
    let same_as = |fd: i64| fd::get(fd).and_then(|d| clone_object(&d.object));
    Some(match canonical.as_str() {
        "/dev/null" => Ok(Object::Null),
        "/dev/zero" => Ok(Object::Zero),
        "/dev/random" | "/dev/urandom" => Ok(Object::Random),
        "/dev/tty" => {
            if crate::terminal::terminal().is_some() {
                Ok(Object::Terminal)
            } else {
                Err(Errno::ENOENT)
            }
        }
        "/dev/stdin" => same_as(0),
        "/dev/stdout" => same_as(1),
        "/dev/stderr" => same_as(2),
        _ => return None,
    })
}

/// Whether the absolute `path` names one of `/dev`'s devices (which are
/// not the file service's nodes).
pub(crate) fn is_device(path: &str) -> bool {
    device(path).is_some()
}

/// A device object again (for `/dev/stdout` and friends; a file or
/// directory behind fds 0–2 is not reopened by name).
fn clone_object(object: &Object) -> Result<Object, Errno> {
    Ok(match object {
        Object::Terminal => Object::Terminal,
        Object::Stderr => Object::Stderr,
        Object::Console => Object::Console,
        Object::Null => Object::Null,
        Object::Zero => Object::Zero,
        Object::Random => Object::Random,
        Object::File(_) | Object::Dir(_) | Object::Pipe(_) => return Err(Errno::ENOSYS),
    })
}

fn flag(flags: u64, bit: i32) -> bool {
    flags & bit as u64 != 0
}

/// Status flags a description keeps (`fcntl(F_GETFL)`).
fn status_flags(flags: u64) -> u32 {
    (flags as u32) & (musl::O_ACCMODE | musl::O_APPEND | musl::O_NONBLOCK) as u32
}

/// `openat(dirfd, path, flags, mode)`: a file made by `O_CREAT` gets
/// `mode` less the umask.
pub fn openat(dirfd: i64, path: u64, flags: u64, mode: u64) -> SysResult {
    let path = user::path(path)?;
    let full = resolve(dirfd, &path)?;
    let cloexec = flag(flags, musl::O_CLOEXEC);
    if let Some(object) = device(&full) {
        return fd::insert(Description::new(object?, status_flags(flags)), cloexec, 0);
    }
    let access = flags as i32 & musl::O_ACCMODE;
    if access == musl::O_ACCMODE {
        return Err(Errno::EINVAL);
    }
    let write = access != musl::O_RDONLY;
    let root = root()?;
    let no_follow = flag(flags, musl::O_NOFOLLOW);
    if flag(flags, musl::O_DIRECTORY) {
        let info = root.stat_follow(&full, !no_follow)?;
        match info.kind {
            NodeKind::Directory => {}
            NodeKind::Symlink => return Err(Errno::ELOOP),
            NodeKind::File => return Err(Errno::ENOTDIR),
        }
        return open_dir(&full, write, flags, cloexec);
    }
    let options = OpenOptions::new()
        .write(write)
        .create(flag(flags, musl::O_CREAT))
        .exclusive(flag(flags, musl::O_EXCL))
        .truncate(write && flag(flags, musl::O_TRUNC))
        .append(write && flag(flags, musl::O_APPEND))
        .no_follow(no_follow)
        .mode(creation_mode(mode));
    match root.open(&full, &options) {
        Ok(file) => {
            let path = crate::links::canonical(&full).unwrap_or(full);
            fd::insert(
                Description::new(Object::File(OpenFile { file, path }), status_flags(flags)),
                cloexec,
                0,
            )
        }
        Err(CapError::IsADirectory) if !flag(flags, musl::O_CREAT) => open_dir(&full, write, flags, cloexec),
        Err(CapError::IsADirectory) if flag(flags, musl::O_EXCL) => Err(Errno::EEXIST),
        // The cap table is full: too many open files.
        Err(CapError::QuotaExceeded) => Err(Errno::EMFILE),
        Err(e) => Err(e.into()),
    }
}

fn open_dir(full: &str, write: bool, flags: u64, cloexec: bool) -> SysResult {
    if write {
        return Err(Errno::EISDIR);
    }
    let path = crate::links::canonical(full)?;
    let dir = OpenDir { path, cursor: Mutex::new(DirCursor::default()) };
    fd::insert(Description::new(Object::Dir(dir), status_flags(flags)), cloexec, 0)
}

/// The whole file at `path` for `execve` (at most 16 MiB, the kernel's
/// limit): `EACCES` for a directory or a file without any execute bit
/// (as for root on Linux).
pub fn read_for_exec(path: &str) -> Result<alloc::vec::Vec<u8>, Errno> {
    let full = resolve(musl::AT_FDCWD as i64, path)?;
    let root = root()?;
    let info = root.stat(&full)?;
    if info.kind == NodeKind::Directory {
        return Err(Errno::EACCES);
    }
    if info.mode & 0o111 == 0 {
        return Err(Errno::EACCES);
    }
    if info.size > 16 << 20 {
        return Err(Errno::E2BIG);
    }
    let file = root.open(&full, &OpenOptions::new())?;
    // Reserved for the whole image at once: no reallocation (each would
    // copy what was read, into pages a forked child must first copy).
    Ok(file.read_to_end_sized(usize::try_from(info.size).unwrap_or(0))?)
}

/// `close(fd)`.
pub fn close(fd: i64) -> SysResult {
    drop(fd::remove(fd)?);
    Ok(0)
}

/// Reads into `buf` from a description.
fn read_into(d: &Description, buf: &mut [u8]) -> SysResult {
    if !d.readable() {
        return Err(Errno::EBADF);
    }
    match &d.object {
        Object::File(f) => {
            let mut total = 0;
            while total < buf.len() {
                let ask = (buf.len() - total).min(MAX_IO);
                let n = f.file.read_into(&mut buf[total..total + ask])?;
                total += n;
                if n < ask {
                    break;
                }
            }
            Ok(total as i64)
        }
        Object::Dir(_) => Err(Errno::EISDIR),
        Object::Pipe(p) => crate::pipe::read(p, buf, d.nonblocking()),
        device => crate::terminal::read(device, buf),
    }
}

/// Writes `data` to a description.
fn write_from(d: &Description, data: &[u8]) -> SysResult {
    if !d.writable() {
        return Err(Errno::EBADF);
    }
    match &d.object {
        Object::File(f) => {
            if d.status() & musl::O_APPEND as u32 != 0 {
                f.file.seek(0, Whence::End)?;
            }
            let mut total = 0usize;
            for chunk in data.chunks(MAX_IO) {
                match f.file.write(chunk) {
                    Ok(n) => {
                        total += n as usize;
                        if (n as usize) < chunk.len() {
                            break;
                        }
                    }
                    Err(_) if total > 0 => break,
                    Err(e) => return Err(e.into()),
                }
            }
            Ok(total as i64)
        }
        Object::Dir(_) => Err(Errno::EISDIR),
        Object::Pipe(p) => crate::pipe::write(p, data, d.nonblocking()),
        device => crate::terminal::write(device, data),
    }
}

/// `read(fd, buf, count)`.
pub fn read(fd: i64, buf: u64, count: u64) -> SysResult {
    let d = fd::get(fd)?;
    read_into(&d, user::bytes_mut(buf, count as usize)?)
}

/// `write(fd, buf, count)`.
pub fn write(fd: i64, buf: u64, count: u64) -> SysResult {
    let d = fd::get(fd)?;
    write_from(&d, user::bytes(buf, count as usize)?)
}

/// The buffers of an `iovec` array.
fn iovecs(iov: u64, count: u64) -> Result<Vec<musl::iovec>, Errno> {
    if count > 1024 {
        return Err(Errno::EINVAL);
    }
    user::array::<musl::iovec>(iov, count as usize)
}

/// `readv(fd, iov, count)`: fills the buffers in turn, stopping at a short
/// read.
pub fn readv(fd: i64, iov: u64, count: u64) -> SysResult {
    let d = fd::get(fd)?;
    let mut total = 0i64;
    for v in iovecs(iov, count)? {
        if v.iov_len == 0 {
            continue;
        }
        let buf = user::bytes_mut(v.iov_base as u64, v.iov_len)?;
        let n = match read_into(&d, buf) {
            Ok(n) => n,
            Err(_) if total > 0 => break,
            Err(e) => return Err(e),
        };
        total += n;
        if (n as usize) < buf.len() {
            break;
        }
    }
    Ok(total)
}

/// `writev(fd, iov, count)`: the buffers gathered into one write (so a
/// line of stdio output is one terminal write).
pub fn writev(fd: i64, iov: u64, count: u64) -> SysResult {
    let d = fd::get(fd)?;
    let vecs = iovecs(iov, count)?;
    let mut data = Vec::new();
    for v in &vecs {
        data.extend_from_slice(user::bytes(v.iov_base as u64, v.iov_len)?);
    }
    write_from(&d, &data)
}

fn file_of(d: &Description) -> Result<&OpenFile, Errno> {
    match &d.object {
        Object::File(f) => Ok(f),
        Object::Dir(_) => Err(Errno::EISDIR),
        _ => Err(Errno::ESPIPE),
    }
}

/// `pread64(fd, buf, count, offset)`.
pub fn pread(fd: i64, buf: u64, count: u64, offset: u64) -> SysResult {
    let d = fd::get(fd)?;
    if !d.readable() {
        return Err(Errno::EBADF);
    }
    let f = file_of(&d)?;
    if (offset as i64) < 0 {
        return Err(Errno::EINVAL);
    }
    let out = user::bytes_mut(buf, count as usize)?;
    let mut total = 0;
    while total < out.len() {
        let ask = (out.len() - total).min(MAX_IO);
        let n = f.file.pread_into(offset + total as u64, &mut out[total..total + ask])?;
        total += n;
        if n < ask {
            break;
        }
    }
    Ok(total as i64)
}

/// `pwrite64(fd, buf, count, offset)`.
pub fn pwrite(fd: i64, buf: u64, count: u64, offset: u64) -> SysResult {
    let d = fd::get(fd)?;
    if !d.writable() {
        return Err(Errno::EBADF);
    }
    let f = file_of(&d)?;
    if (offset as i64) < 0 {
        return Err(Errno::EINVAL);
    }
    let data = user::bytes(buf, count as usize)?;
    let mut total = 0usize;
    for chunk in data.chunks(MAX_IO) {
        let n = f.file.pwrite(offset + total as u64, chunk)? as usize;
        total += n;
        if n < chunk.len() {
            break;
        }
    }
    Ok(total as i64)
}

/// `lseek(fd, offset, whence)`.
pub fn lseek(fd: i64, offset: u64, whence: u64) -> SysResult {
    let d = fd::get(fd)?;
    let offset = offset as i64;
    let whence = match whence as i32 {
        w if w == musl::SEEK_SET => Whence::Start,
        w if w == musl::SEEK_CUR => Whence::Current,
        w if w == musl::SEEK_END => Whence::End,
        _ => return Err(Errno::EINVAL),
    };
    match &d.object {
        Object::File(f) => Ok(f.file.seek(offset, whence)? as i64),
        Object::Dir(dir) => {
            // The offset of a directory is an entry index (what getdents64
            // puts in d_off); only SEEK_SET is meaningful.
            if whence != Whence::Start || offset < 0 {
                return Err(Errno::EINVAL);
            }
            // The listing starts again and skips `offset` entries.
            let mut cursor = dir.cursor.lock();
            cursor.started = false;
            cursor.skip = offset as u64;
            Ok(offset)
        }
        Object::Null | Object::Zero | Object::Random => Ok(0),
        _ => Err(Errno::ESPIPE),
    }
}

/// The inode number `stat` reports for a node of the file service: its
/// node number (1 added so none is 0, which readdir takes as a hole).
fn inode(id: u64) -> u64 {
    id + 1
}

/// The permission bits a file or directory made with `mode` gets: `mode`
/// less the umask.
fn creation_mode(mode: u64) -> u16 {
    (mode as u32 & 0o7777 & !UMASK.load(Ordering::Relaxed)) as u16
}

fn timespec(t: capos_rt::fs::Timestamp) -> musl::timespec {
    musl::timespec { tv_sec: t.seconds, tv_nsec: i64::from(t.nanos) }
}

/// What `stat` reports for a node of the file service: its bits, links,
/// times and number as the service keeps them; owner and group 0.
fn node_stat(info: &NodeInfo) -> musl::stat {
    let (kind, size) = match info.kind {
        NodeKind::File => (musl::S_IFREG, info.size),
        NodeKind::Directory => (musl::S_IFDIR, 4096),
        NodeKind::Symlink => (musl::S_IFLNK, info.size),
    };
    musl::stat {
        st_dev: 1,
        st_ino: inode(info.id),
        st_nlink: u64::from(info.links),
        st_mode: kind as u32 | u32::from(info.mode),
        st_size: size as i64,
        st_blksize: 4096,
        st_blocks: size.div_ceil(512) as i64,
        st_atim: timespec(info.atime),
        st_mtim: timespec(info.mtime),
        st_ctim: timespec(info.ctime),
        ..Default::default()
    }
}

/// What `stat` reports for a device.
fn device_stat(object: &Object) -> musl::stat {
    let (rdev, perm, ino) = match object {
        Object::Null => ((1 << 8) | 3, 0o666, 3),
        Object::Zero => ((1 << 8) | 5, 0o666, 5),
        Object::Random => ((1 << 8) | 9, 0o666, 9),
        Object::Stderr | Object::Console => ((5 << 8) | 1, 0o620, 11),
        _ => (136 << 8, 0o620, 10),
    };
    musl::stat {
        st_dev: 2,
        st_ino: ino,
        st_nlink: 1,
        st_mode: musl::S_IFCHR as u32 | perm,
        st_rdev: rdev,
        st_blksize: 1024,
        ..Default::default()
    }
}

pub(crate) fn fd_stat(fd: i64) -> Result<musl::stat, Errno> {
    let d = fd::get(fd)?;
    Ok(match &d.object {
        Object::File(f) => node_stat(&f.file.stat()?),
        Object::Dir(dir) => node_stat(&root()?.stat(&dir.path)?),
        Object::Pipe(p) => crate::pipe::stat(p),
        device => device_stat(device),
    })
}

/// `fstat` of `fd`, and whether the node may be changed (not a read-only
/// node of the file service).
pub(crate) fn fd_stat_writable(fd: i64) -> Result<(musl::stat, bool), Errno> {
    let d = fd::get(fd)?;
    let info = match &d.object {
        Object::File(f) => f.file.stat()?,
        Object::Dir(dir) => root()?.stat(&dir.path)?,
        Object::Pipe(p) => return Ok((crate::pipe::stat(p), true)),
        device => return Ok((device_stat(device), true)),
    };
    // A File opened read-only says it cannot write: ask by path.
    let writable = match &d.object {
        Object::File(f) if !info.writable => root()?.stat(&f.path).is_ok_and(|i| i.writable),
        _ => info.writable,
    };
    Ok((node_stat(&info), writable))
}

pub(crate) fn path_stat(dirfd: i64, path: &str) -> Result<musl::stat, Errno> {
    path_stat_writable(dirfd, path).map(|(st, _)| st)
}

/// `stat` of `path` from `dirfd`, and whether the node may be changed.
pub(crate) fn path_stat_writable(dirfd: i64, path: &str) -> Result<(musl::stat, bool), Errno> {
    path_stat_follow(dirfd, path, true)
}

/// `stat` (`follow`) or `lstat` of `path` from `dirfd`, and whether the
/// node may be changed.
pub(crate) fn path_stat_follow(dirfd: i64, path: &str, follow: bool) -> Result<(musl::stat, bool), Errno> {
    let full = resolve(dirfd, path)?;
    if let Some(object) = device(&full) {
        return Ok((device_stat(&object?), true));
    }
    let info = root()?.stat_follow(&full, follow)?;
    Ok((node_stat(&info), info.writable))
}

/// `stat` of `path`, or of `dirfd` itself for an empty path with
/// `AT_EMPTY_PATH`; a final link is not followed with
/// `AT_SYMLINK_NOFOLLOW`.
fn stat_at(dirfd: i64, name: &str, flags: u64) -> Result<musl::stat, Errno> {
    if name.is_empty() && flag(flags, musl::AT_EMPTY_PATH) {
        return fd_stat(dirfd);
    }
    path_stat_follow(dirfd, name, !flag(flags, musl::AT_SYMLINK_NOFOLLOW)).map(|(st, _)| st)
}

/// `newfstatat(dirfd, path, buf, flags)` (also `stat`, and `lstat` with
/// `AT_SYMLINK_NOFOLLOW`).
pub fn fstatat(dirfd: i64, path: u64, buf: u64, flags: u64) -> SysResult {
    let name = user::path(path)?;
    let st = stat_at(dirfd, &name, flags)?;
    user::write(buf, st)?;
    Ok(0)
}

/// `fstat(fd, buf)`.
pub fn fstat(fd: i64, buf: u64) -> SysResult {
    user::write(buf, fd_stat(fd)?)?;
    Ok(0)
}

/// `statx(dirfd, path, flags, mask, buf)`: the basic fields.
pub fn statx(dirfd: i64, path: u64, flags: u64, buf: u64) -> SysResult {
    let name = user::path(path)?;
    let st = stat_at(dirfd, &name, flags)?;
    let x = musl::statx {
        stx_mask: musl::STATX_BASIC_STATS,
        stx_blksize: st.st_blksize as u32,
        stx_nlink: st.st_nlink as u32,
        stx_mode: st.st_mode as u16,
        stx_ino: st.st_ino,
        stx_atime: statx_time(st.st_atim),
        stx_mtime: statx_time(st.st_mtim),
        stx_ctime: statx_time(st.st_ctim),
        stx_size: st.st_size as u64,
        stx_blocks: st.st_blocks as u64,
        stx_rdev_major: (st.st_rdev >> 8) as u32,
        stx_rdev_minor: (st.st_rdev & 0xff) as u32,
        stx_dev_minor: st.st_dev as u32,
        ..Default::default()
    };
    user::write(buf, x)?;
    Ok(0)
}

fn statx_time(t: musl::timespec) -> musl::statx_timestamp {
    musl::statx_timestamp { tv_sec: t.tv_sec, tv_nsec: t.tv_nsec as u32, __reserved: 0 }
}

/// `getdents64(fd, buf, count)`: Linux `linux_dirent64` records, `.` and
/// `..` first, then the directory's entries by name, read from the file
/// service a page at a time.
pub fn getdents64(fd: i64, buf: u64, count: u64) -> SysResult {
    let d = fd::get(fd)?;
    let Object::Dir(dir) = &d.object else { return Err(Errno::ENOTDIR) };
    let out = user::bytes_mut(buf, count as usize)?;
    let mut used = 0;
    // The numbers of `.` and `..`, asked for (a capability call) before
    // the cursor is locked, when a listing starts.
    let dots = if dir.cursor.lock().started {
        [0, 0]
    } else {
        let root = root()?;
        let parent = normalize(&join(&dir.path, "..")).unwrap_or_default();
        [root.stat(&dir.path)?.id, root.stat(&parent)?.id]
    };
    loop {
        let fetch = {
            let mut cursor = dir.cursor.lock();
            if !cursor.started {
                cursor.started = true;
                cursor.buffered.clear();
                for (name, id) in [".", ".."].into_iter().zip(dots) {
                    cursor.buffered.push_back(DirEntry {
                        name: String::from(name),
                        kind: NodeKind::Directory,
                        size: 0,
                        id,
                    });
                }
                cursor.after.clear();
                cursor.more = true;
                cursor.position = 0;
            }
            while let Some(entry) = cursor.buffered.front() {
                if cursor.skip > 0 {
                    cursor.skip -= 1;
                    cursor.position += 1;
                    cursor.buffered.pop_front();
                    continue;
                }
                let reclen = (musl::DIRENT64_NAME_OFFSET + entry.name.len() + 1).next_multiple_of(8);
                if used + reclen > out.len() {
                    if used == 0 {
                        return Err(Errno::EINVAL);
                    }
                    return Ok(used as i64);
                }
                let ino = inode(entry.id);
                let kind = match entry.kind {
                    NodeKind::Directory => musl::DT_DIR,
                    NodeKind::File => musl::DT_REG,
                    NodeKind::Symlink => musl::DT_LNK,
                };
                let record = &mut out[used..used + reclen];
                record.fill(0);
                record[0..8].copy_from_slice(&ino.to_le_bytes());
                record[8..16].copy_from_slice(&(cursor.position + 1).to_le_bytes());
                record[16..18].copy_from_slice(&(reclen as u16).to_le_bytes());
                record[18] = kind as u8;
                record[19..19 + entry.name.len()].copy_from_slice(entry.name.as_bytes());
                used += reclen;
                cursor.position += 1;
                cursor.buffered.pop_front();
            }
            if !cursor.more || used > 0 {
                return Ok(used as i64);
            }
            cursor.after.clone()
        };
        // The next page, fetched outside the cursor's lock (a capability
        // call); kept only if nobody moved the cursor meanwhile.
        let (page, more) = root()?.list_page(&dir.path, &fetch, 0)?;
        let mut cursor = dir.cursor.lock();
        if cursor.started && cursor.after == fetch && cursor.buffered.is_empty() {
            if let Some(last) = page.last() {
                cursor.after = last.name.clone();
            }
            cursor.more = more && !page.is_empty();
            cursor.buffered.extend(page);
        }
    }
}

/// `ftruncate(fd, length)`.
pub fn ftruncate(fd: i64, length: u64) -> SysResult {
    let d = fd::get(fd)?;
    if (length as i64) < 0 {
        return Err(Errno::EINVAL);
    }
    let f = file_of(&d).map_err(|_| Errno::EINVAL)?;
    if !d.writable() {
        return Err(Errno::EINVAL);
    }
    f.file.truncate(length)?;
    Ok(0)
}

/// `truncate(path, length)`.
pub fn truncate(path: u64, length: u64) -> SysResult {
    if (length as i64) < 0 {
        return Err(Errno::EINVAL);
    }
    let full = resolve(musl::AT_FDCWD as i64, &user::path(path)?)?;
    let file = root()?.open(&full, &OpenOptions::new().write(true))?;
    file.truncate(length)?;
    Ok(0)
}

/// `fsync(fd)` and `fdatasync(fd)`.
pub fn fsync(fd: i64) -> SysResult {
    let d = fd::get(fd)?;
    match &d.object {
        Object::File(f) => {
            f.file.sync()?;
            Ok(0)
        }
        Object::Dir(_) => Ok(0),
        _ => Err(Errno::EINVAL),
    }
}

/// `unlinkat(dirfd, path, flags)`; `AT_REMOVEDIR` removes an empty
/// directory (`rmdir`).
pub fn unlinkat(dirfd: i64, path: u64, flags: u64) -> SysResult {
    let name = user::path(path)?;
    let full = resolve(dirfd, &name)?;
    let root = root()?;
    // A link is removed, never followed.
    let info = root.stat_follow(&full, false)?;
    let is_dir = info.kind == NodeKind::Directory;
    if flag(flags, musl::AT_REMOVEDIR) {
        if !is_dir {
            return Err(Errno::ENOTDIR);
        }
        if name == "." || name.ends_with("/.") {
            return Err(Errno::EINVAL);
        }
    } else if is_dir {
        return Err(Errno::EISDIR);
    }
    root.remove(&full)?;
    Ok(0)
}

/// `renameat2(olddirfd, old, newdirfd, new, flags)` with no flags (also
/// `rename` and `renameat`).
pub fn renameat(olddirfd: i64, old: u64, newdirfd: i64, new: u64, flags: u64) -> SysResult {
    if flags != 0 {
        return Err(Errno::EINVAL);
    }
    let from = resolve(olddirfd, &user::path(old)?)?;
    let to = resolve(newdirfd, &user::path(new)?)?;
    root()?.rename(&from, &to)?;
    Ok(0)
}

/// `mkdirat(dirfd, path, mode)`: the directory gets `mode` less the
/// umask.
pub fn mkdirat(dirfd: i64, path: u64, mode: u64) -> SysResult {
    let full = resolve(dirfd, &user::path(path)?)?;
    let root = root()?;
    // The file service's mkdir makes missing parents too; POSIX's does not.
    if let Some(parent) = full.trim_end_matches('/').rsplit_once('/').map(|(p, _)| p) {
        let parent = if parent.is_empty() { "/" } else { parent };
        let info = root.stat(parent)?;
        if info.kind != NodeKind::Directory {
            return Err(Errno::ENOTDIR);
        }
    }
    root.mkdir_mode(&full, creation_mode(mode))?;
    Ok(0)
}

/// `getcwd(buf, size)`: the length with the NUL.
pub fn getcwd(buf: u64, size: u64) -> SysResult {
    let cwd = cwd();
    if (size as usize) < cwd.len() + 1 {
        return Err(Errno::ERANGE);
    }
    let out = user::bytes_mut(buf, cwd.len() + 1)?;
    out[..cwd.len()].copy_from_slice(cwd.as_bytes());
    out[cwd.len()] = 0;
    Ok(cwd.len() as i64 + 1)
}

/// `chdir(path)`.
pub fn chdir(path: u64) -> SysResult {
    let full = resolve(musl::AT_FDCWD as i64, &user::path(path)?)?;
    let info = root()?.stat(&full)?;
    if info.kind != NodeKind::Directory {
        return Err(Errno::ENOTDIR);
    }
    *CWD.lock() = crate::links::physical(&full)?;
    Ok(0)
}

/// `fchdir(fd)`.
pub fn fchdir(fd: i64) -> SysResult {
    let d = fd::get(fd)?;
    let Object::Dir(dir) = &d.object else { return Err(Errno::ENOTDIR) };
    *CWD.lock() = dir.path.clone();
    Ok(0)
}

/// `faccessat(dirfd, path, mode, flags)` (and `access`) as for root on
/// Linux (the bits are not enforced, docs/posix.md): existence; for
/// `W_OK` whether the node can be changed (`EROFS` for a read-only node);
/// for `X_OK` a directory or a file with an execute bit (`EACCES`).
pub fn faccessat(dirfd: i64, path: u64, mode: u64) -> SysResult {
    const W_OK: u64 = 2;
    const X_OK: u64 = 1;
    if mode & !7 != 0 {
        return Err(Errno::EINVAL);
    }
    let (st, writable) = path_stat_writable(dirfd, &user::path(path)?)?;
    if mode & W_OK != 0 && !writable {
        return Err(Errno::EROFS);
    }
    let dir = st.st_mode & musl::S_IFMT as u32 == musl::S_IFDIR as u32;
    if mode & X_OK != 0 && !dir && st.st_mode & 0o111 == 0 {
        return Err(Errno::EACCES);
    }
    Ok(0)
}

/// The umask, for `execve`'s handover.
pub fn current_umask() -> u32 {
    UMASK.load(Ordering::Relaxed)
}

/// The umask handed over by the image before an `execve` (octal), if any.
pub fn init_umask(handed: Option<&str>) {
    if let Some(mask) = handed.and_then(|m| u32::from_str_radix(m, 8).ok()) {
        UMASK.store(mask & 0o777, Ordering::Relaxed);
    }
}

/// `umask(mask)`: sets the mask (the bits `open` and `mkdir` take away
/// from the mode they are given), returns the old one.
pub fn umask(mask: u64) -> SysResult {
    Ok(i64::from(UMASK.swap(mask as u32 & 0o777, Ordering::Relaxed)))
}

/// `dup(fd)`.
pub fn dup(fd: i64) -> SysResult {
    fd::insert(fd::get(fd)?, false, 0)
}

/// `dup3(old, new, flags)` (`dup2` when `dup2` is set: `old == new` is
/// then allowed and changes nothing).
pub fn dup3(old: i64, new: i64, flags: u64, dup2: bool) -> SysResult {
    let d = fd::get(old)?;
    if old == new {
        return if dup2 { Ok(new) } else { Err(Errno::EINVAL) };
    }
    if flags & !(musl::O_CLOEXEC as u64) != 0 {
        return Err(Errno::EINVAL);
    }
    let replaced = fd::place(new, d, flag(flags, musl::O_CLOEXEC))?;
    drop(replaced);
    Ok(new)
}

/// `fcntl(fd, cmd, arg)`: `F_DUPFD`, `F_DUPFD_CLOEXEC`, `F_GETFD`,
/// `F_SETFD`, `F_GETFL`, `F_SETFL` (`O_APPEND` and `O_NONBLOCK` change);
/// `EINVAL` for the others (record locks included).
pub fn fcntl(fd: i64, cmd: u64, arg: u64) -> SysResult {
    let d = fd::get(fd)?;
    match cmd as i32 {
        musl::F_DUPFD | musl::F_DUPFD_CLOEXEC => {
            let min = usize::try_from(arg).ok().filter(|&m| m < fd::MAX_FDS).ok_or(Errno::EINVAL)?;
            fd::insert(d, cmd as i32 == musl::F_DUPFD_CLOEXEC, min)
        }
        musl::F_GETFD => Ok(if fd::cloexec(fd)? { i64::from(musl::FD_CLOEXEC) } else { 0 }),
        musl::F_SETFD => {
            fd::set_cloexec(fd, arg & musl::FD_CLOEXEC as u64 != 0)?;
            Ok(0)
        }
        musl::F_GETFL => Ok(i64::from(d.status())),
        musl::F_SETFL => {
            d.update(fd::CHANGEABLE, arg as u32);
            Ok(0)
        }
        _ => Err(Errno::EINVAL),
    }
}

/// Opens fds 0–2 at start: the terminal (or `/dev/null` for input and the
/// kernel console for output without one), and `stderr` (or fd 1's
/// device).
pub fn open_standard_fds() {
    let terminal = crate::terminal::terminal().is_some();
    let rw = musl::O_RDWR as u32;
    let input = if terminal { Object::Terminal } else { Object::Null };
    let output = || {
        if terminal {
            Object::Terminal
        } else if crate::terminal::console().is_some() {
            Object::Console
        } else {
            Object::Null
        }
    };
    let error = if crate::terminal::stderr().is_some() { Object::Stderr } else { output() };
    let _ = fd::place(0, Description::new(input, rw), false);
    let _ = fd::place(1, Description::new(output(), rw), false);
    let _ = fd::place(2, Description::new(error, musl::O_WRONLY as u32), false);
}
