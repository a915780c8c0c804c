//! `path_*`: opening, making, removing, renaming, linking, stat-ing and
//! setting the times of paths below a directory fd, each resolved by
//! [`crate::fds::resolve`] so it stays inside its preopen. The file service
//! follows symbolic links within the preopen's cap (an absolute target
//! from the preopen's root, `..` never above it); `path_symlink` makes
//! them (an absolute target is `EPERM`, as wasmtime refuses it) and
//! `path_readlink` reads them; `path_filestat_get` and `path_open` follow
//! a final link only with `LOOKUP_SYMLINK_FOLLOW` (else `path_open` of a
//! link is `ELOOP`).

use alloc::rc::Rc;
use alloc::vec::Vec;

use capos_abi::error::CapError;
use capos_rt::fs::{NodeKind, OpenOptions};

use crate::errno::{Errno, WasiResult};
use crate::fds::{DirFd, Entry, FileFd, Object, Resolved, resolve, rights};
use crate::guest::Guest;
use crate::host::Host;
use crate::wasi::fd::{FDFLAGS_APPEND, put_node_filestat, times_change};

/// `__WASI_OFLAGS_*`.
const OFLAGS_CREAT: u32 = 1;
const OFLAGS_DIRECTORY: u32 = 2;
const OFLAGS_EXCL: u32 = 4;
const OFLAGS_TRUNC: u32 = 8;
/// `__WASI_LOOKUPFLAGS_SYMLINK_FOLLOW`.
const LOOKUP_SYMLINK_FOLLOW: u32 = 1;

/// The directory fd `fd` (`ENOTDIR` for any other kind, `EBADF` if none).
fn dir(host: &Host, fd: u32) -> WasiResult<&DirFd> {
    match &host.fds.get(fd)?.object {
        Object::Dir(d) => Ok(d),
        _ => Err(Errno::NOTDIR),
    }
}

/// `path` (guest memory) resolved below directory fd `fd`.
fn resolved(host: &Host, guest: &Guest, fd: u32, path: u32, length: u32) -> WasiResult<Resolved> {
    let text = guest.str(path, length)?;
    resolve(dir(host, fd)?, text)
}

/// `path_open(fd, dirflags, path, path_len, oflags, rights_base,
/// rights_inheriting, fdflags, opened_fd)`.
#[allow(clippy::too_many_arguments)]
pub fn open(
    host: &mut Host,
    guest: &mut Guest,
    fd: u32,
    dirflags: u32,
    path: u32,
    length: u32,
    oflags: u32,
    rights_base: u64,
    rights_inheriting: u64,
    fdflags: u32,
    opened: u32,
) -> WasiResult {
    let parent = host.fds.get(fd)?;
    let inheriting = parent.rights_inheriting;
    let target = resolved(host, guest, fd, path, length)?;
    let fdflags = u16::try_from(fdflags).map_err(|_| Errno::INVAL)?;
    let follow = dirflags & LOOKUP_SYMLINK_FOLLOW != 0;
    let stat = target.root.stat_follow(&target.path, follow);
    let is_dir = matches!(stat, Ok(ref info) if info.kind == NodeKind::Directory);
    let wants_write =
        rights_base & (rights::FD_WRITE | rights::FD_ALLOCATE | rights::FD_FILESTAT_SET_SIZE) != 0;
    let entry = if is_dir {
        if oflags & (OFLAGS_CREAT | OFLAGS_EXCL) == OFLAGS_CREAT | OFLAGS_EXCL {
            return Err(Errno::EXIST);
        }
        if oflags & OFLAGS_TRUNC != 0 || rights_base & rights::FD_WRITE != 0 {
            return Err(Errno::ISDIR);
        }
        Entry {
            object: Object::Dir(DirFd {
                root: Rc::clone(&target.root),
                path: target.path.trim_end_matches('/').into(),
                preopen: None,
                listing: Vec::new(),
            }),
            rights_base: rights_base & rights::DIRECTORY & inheriting,
            rights_inheriting: rights_inheriting & inheriting,
            flags: fdflags,
        }
    } else {
        if oflags & OFLAGS_DIRECTORY != 0 {
            return Err(match stat {
                Ok(_) => Errno::NOTDIR,
                Err(e) => e.into(),
            });
        }
        let write = wants_write || oflags & OFLAGS_TRUNC != 0;
        // A file created through a read-only fd is made by a writable
        // handle; the fd's rights still refuse writes.
        let options = OpenOptions::new()
            .write(write || oflags & OFLAGS_CREAT != 0)
            .create(oflags & OFLAGS_CREAT != 0)
            .exclusive(oflags & OFLAGS_EXCL != 0)
            .truncate(oflags & OFLAGS_TRUNC != 0)
            .append(write && fdflags & FDFLAGS_APPEND != 0)
            .no_follow(!follow);
        let file = match target.root.open(&target.path, &options) {
            Ok(file) => file,
            Err(CapError::QuotaExceeded) => return Err(Errno::MFILE),
            Err(e) => return Err(e.into()),
        };
        let mut base = rights_base & rights::FILE & inheriting;
        if !write {
            base &= !(rights::FD_WRITE | rights::FD_ALLOCATE | rights::FD_FILESTAT_SET_SIZE);
        }
        Entry {
            object: Object::File(FileFd { file: Rc::new(file), path: target.path.clone() }),
            rights_base: base,
            rights_inheriting: 0,
            flags: fdflags,
        }
    };
    let new = host.fds.insert(entry)?;
    guest.put_u32(opened, new)
}

/// `path_create_directory(fd, path, path_len)`.
pub fn create_directory(host: &mut Host, guest: &mut Guest, fd: u32, path: u32, length: u32) -> WasiResult {
    let target = resolved(host, guest, fd, path, length)?;
    Ok(target.root.mkdir(target.path.trim_end_matches('/'))?)
}

/// `path_remove_directory(fd, path, path_len)`.
pub fn remove_directory(host: &mut Host, guest: &mut Guest, fd: u32, path: u32, length: u32) -> WasiResult {
    let target = resolved(host, guest, fd, path, length)?;
    if target.path == "." {
        return Err(Errno::INVAL);
    }
    let trimmed = target.path.trim_end_matches('/');
    if target.root.stat(trimmed)?.kind != NodeKind::Directory {
        return Err(Errno::NOTDIR);
    }
    Ok(target.root.remove(trimmed)?)
}

/// `path_unlink_file(fd, path, path_len)`.
pub fn unlink_file(host: &mut Host, guest: &mut Guest, fd: u32, path: u32, length: u32) -> WasiResult {
    let target = resolved(host, guest, fd, path, length)?;
    // A link is removed itself, whatever it leads to (or whether it does).
    let info = target.root.stat_follow(&target.path, false)?;
    if info.kind == NodeKind::Directory {
        return Err(Errno::ISDIR);
    }
    Ok(target.root.remove(&target.path)?)
}

/// A path and its length in guest memory.
pub type GuestPath = (u32, u32);

/// The old and new paths of `path_rename` and `path_link`, each below its
/// directory fd; both must be below the same preopen (`EXDEV`).
fn path_pair(
    host: &Host,
    guest: &Guest,
    (fd, (old, old_length)): (u32, GuestPath),
    (new_fd, (new, new_length)): (u32, GuestPath),
) -> WasiResult<(Resolved, Resolved)> {
    let from = resolved(host, guest, fd, old, old_length)?;
    let to = resolved(host, guest, new_fd, new, new_length)?;
    if !Rc::ptr_eq(&from.root, &to.root) {
        return Err(Errno::XDEV);
    }
    Ok((from, to))
}

/// `path_rename(fd, old_path, old_len, new_fd, new_path, new_len)`: both
/// paths must be below the same preopen (`EXDEV` otherwise).
pub fn rename(
    host: &mut Host,
    guest: &mut Guest,
    old: (u32, GuestPath),
    new: (u32, GuestPath),
) -> WasiResult {
    let (from, to) = path_pair(host, guest, old, new)?;
    Ok(from.root.rename(from.path.trim_end_matches('/'), to.path.trim_end_matches('/'))?)
}

/// `path_filestat_get(fd, flags, path, path_len, stat)`.
pub fn filestat_get(
    host: &mut Host,
    guest: &mut Guest,
    fd: u32,
    flags: u32,
    path: u32,
    length: u32,
    out: u32,
) -> WasiResult {
    let target = resolved(host, guest, fd, path, length)?;
    let info = target.root.stat_follow(&target.path, flags & LOOKUP_SYMLINK_FOLLOW != 0)?;
    put_node_filestat(guest, out, &info)
}

/// `path_filestat_set_times(fd, flags, path, path_len, atim, mtim,
/// fst_flags)`: a final symbolic link's own times without
/// `LOOKUP_SYMLINK_FOLLOW`, as wasmtime (Linux's `utimensat` with
/// `AT_SYMLINK_NOFOLLOW`).
#[allow(clippy::too_many_arguments)]
pub fn filestat_set_times(
    host: &mut Host,
    guest: &mut Guest,
    fd: u32,
    lookup: u32,
    path: u32,
    length: u32,
    atim: u64,
    mtim: u64,
    flags: u32,
) -> WasiResult {
    let change = times_change(atim, mtim, flags)?;
    let target = resolved(host, guest, fd, path, length)?;
    Ok(target.root.set_attrs_at(&target.path, &change, lookup & LOOKUP_SYMLINK_FOLLOW == 0)?)
}

/// `path_link(old_fd, old_flags, old_path, old_len, new_fd, new_path,
/// new_len)`: a hard link; both paths below the same preopen (`EXDEV`
/// otherwise), `EPERM` for a directory (as Linux).
pub fn link(host: &mut Host, guest: &mut Guest, old: (u32, GuestPath), new: (u32, GuestPath)) -> WasiResult {
    let (from, to) = path_pair(host, guest, old, new)?;
    // The file service links a final symbolic link itself, as Linux's
    // `link` does.
    if from.root.stat_follow(&from.path, false)?.kind == NodeKind::Directory {
        return Err(Errno::PERM);
    }
    Ok(from.root.link(&from.path, &to.path)?)
}

/// `path_readlink(fd, path, path_len, buf, buf_len, bufused)`: the
/// link's target, cut to `buf_len` bytes as POSIX's `readlink` does
/// (`EINVAL` for a path that is not a link).
#[allow(clippy::too_many_arguments)]
pub fn readlink(
    host: &mut Host,
    guest: &mut Guest,
    fd: u32,
    path: u32,
    length: u32,
    buf: u32,
    buf_len: u32,
    used: u32,
) -> WasiResult {
    let target = resolved(host, guest, fd, path, length)?;
    let text = target.root.readlink(&target.path)?;
    let n = text.len().min(buf_len as usize);
    guest.write(buf, &text.as_bytes()[..n])?;
    guest.put_u32(used, n as u32)
}

/// `path_symlink(old_path, old_len, fd, new_path, new_len)`: a link at
/// `new_path` (below directory fd `fd`) holding `old_path`.
pub fn symlink(host: &mut Host, guest: &mut Guest, old: GuestPath, fd: u32, new: GuestPath) -> WasiResult {
    let target = guest.str(old.0, old.1)?;
    if target.is_empty() {
        return Err(Errno::NOENT);
    }
    if target.starts_with('/') {
        return Err(Errno::PERM);
    }
    let at = resolved(host, guest, fd, new.0, new.1)?;
    Ok(at.root.symlink(target, &at.path)?)
}
