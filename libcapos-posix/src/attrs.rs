//! File attributes kept by the file service: times (`utimensat`, and
//! through it musl's `utimes`, `utime`, `futimens`), hard links (`link`,
//! `linkat`) and permission bits (`chmod`, `fchmod`, `fchmodat`); and
//! what it does not keep: owners (`chown`, `fchown`, `lchown`,
//! `fchownat`). Symbolic links are in `links.rs`.
//!
//! The service stores the bits and reports them, but does not enforce
//! them (capOS confines by caps and read-only nodes, docs/posix.md): a
//! program may write a file whose bits forbid it, as root may on Linux.
//! A change of a read-only node (a manifest file not marked writable) is
//! `EROFS`. `chown` behaves as on a FAT volume:
//! asking for the owner `stat` reports (0) succeeds, anything else is
//! `EPERM` (`EROFS` on a read-only node), so nothing is silently dropped.
//! Devices and pipes keep no attributes: changing theirs is `EPERM`.

use capos_abi::error::CapError;
use capos_rt::fs::{AttrChange, TimeChange, Timestamp};

use crate::errno::{Errno, SysResult};
use crate::fd::{self, Object};
use crate::files::{self, fd_stat_writable, path_stat, path_stat_writable};
use crate::{musl, user};

/// `tv_nsec` asking for the current time (Linux's `UTIME_NOW`).
const UTIME_NOW: i64 = (1 << 30) - 1;
/// `tv_nsec` leaving a time as it is (Linux's `UTIME_OMIT`).
const UTIME_OMIT: i64 = (1 << 30) - 2;

fn is_dir(st: &musl::stat) -> bool {
    st.st_mode & musl::S_IFMT as u32 == musl::S_IFDIR as u32
}

/// One `timespec` of `utimensat` as a change (`EINVAL` for a bad one).
fn time_change([seconds, nanos]: [i64; 2]) -> Result<TimeChange, Errno> {
    match nanos {
        UTIME_NOW => Ok(TimeChange::Now),
        UTIME_OMIT => Ok(TimeChange::Keep),
        0..1_000_000_000 => Ok(TimeChange::At(Timestamp { seconds, nanos: nanos as u32 })),
        _ => Err(Errno::EINVAL),
    }
}

/// Applies `change` to what `fd` is open on.
fn change_fd(fd: i64, change: &AttrChange) -> SysResult {
    let d = fd::get(fd)?;
    match &d.object {
        Object::File(f) => f.file.set_attrs(change)?,
        Object::Dir(dir) => files::root()?.set_attrs(&dir.path, change)?,
        _ => return Err(Errno::EPERM),
    }
    Ok(0)
}

/// Applies `change` to the node `path` names from `dirfd` (a final
/// symbolic link itself when `no_follow`).
fn change_path(dirfd: i64, path: &str, change: &AttrChange, no_follow: bool) -> SysResult {
    let full = files::resolve(dirfd, path)?;
    if files::is_device(&full) {
        path_stat(dirfd, path)?;
        return Err(Errno::EPERM);
    }
    files::root()?.set_attrs_at(&full, change, no_follow)?;
    Ok(0)
}

/// `utimensat(dirfd, path, times, flags)`; a null `path` is the fd
/// itself (`futimens`). A null `times` sets both to now. With
/// `AT_SYMLINK_NOFOLLOW` a final symbolic link's own times change
/// (`lutimes`).
pub fn utimensat(dirfd: i64, path: u64, times: u64, flags: u64) -> SysResult {
    if flags & !(musl::AT_SYMLINK_NOFOLLOW as u64) != 0 {
        return Err(Errno::EINVAL);
    }
    let change = if times == 0 {
        AttrChange { mode: None, atime: TimeChange::Now, mtime: TimeChange::Now }
    } else {
        let [a, m]: [[i64; 2]; 2] = user::read(times)?;
        AttrChange { mode: None, atime: time_change(a)?, mtime: time_change(m)? }
    };
    let no_follow = flags & musl::AT_SYMLINK_NOFOLLOW as u64 != 0;
    if path == 0 {
        change_fd(dirfd, &change)
    } else {
        change_path(dirfd, &user::path(path)?, &change, no_follow)
    }
}

/// `linkat(olddirfd, old, newdirfd, new, flags)` (also `link`): a
/// further name for a file. `AT_EMPTY_PATH` with an empty `old` links
/// the file `olddirfd` is open on. A symbolic link at `old` gets the new
/// name itself, as Linux's `link` does, unless `AT_SYMLINK_FOLLOW` asks
/// for its target. A directory is `EPERM`, as on Linux.
pub fn linkat(olddirfd: i64, old: u64, newdirfd: i64, new: u64, flags: u64) -> SysResult {
    if flags & !((musl::AT_SYMLINK_FOLLOW | musl::AT_EMPTY_PATH) as u64) != 0 {
        return Err(Errno::EINVAL);
    }
    let old = user::path(old)?;
    let new = user::path(new)?;
    let from = if old.is_empty() && flags & musl::AT_EMPTY_PATH as u64 != 0 {
        match &fd::get(olddirfd)?.object {
            Object::File(f) => f.path.clone(),
            Object::Dir(_) => return Err(Errno::EPERM),
            _ => return Err(Errno::ENOENT),
        }
    } else {
        let follow = flags & musl::AT_SYMLINK_FOLLOW as u64 != 0;
        let (st, _) = files::path_stat_follow(olddirfd, &old, follow)?;
        if is_dir(&st) {
            return Err(Errno::EPERM);
        }
        let full = files::resolve(olddirfd, &old)?;
        let full = if follow { crate::links::physical(&full)? } else { full };
        if files::is_device(&full) {
            new_name_free(newdirfd, &new)?;
            return Err(Errno::EXDEV);
        }
        full
    };
    let to = files::resolve(newdirfd, &new)?;
    if files::is_device(&to) {
        return Err(Errno::EEXIST);
    }
    match files::root()?.link(&from, &to) {
        Ok(()) => Ok(0),
        // `to` ends in `/`: Linux says the name is missing.
        Err(CapError::NotADirectory) if to.ends_with('/') && path_stat(newdirfd, &new).is_err() => {
            Err(Errno::ENOENT)
        }
        Err(e) => Err(e.into()),
    }
}

/// `EEXIST` when `new` names a node; `ENOENT` or `ENOTDIR` when its
/// directory is missing or not one.
fn new_name_free(dirfd: i64, new: &str) -> Result<(), Errno> {
    if new.is_empty() {
        return Err(Errno::ENOENT);
    }
    match path_stat(dirfd, new) {
        Ok(_) => return Err(Errno::EEXIST),
        Err(e) if e != Errno::ENOENT => return Err(e),
        Err(_) => {}
    }
    let trimmed = new.trim_end_matches('/');
    let parent = match trimmed.rsplit_once('/') {
        Some(("", _)) => "/",
        Some((parent, _)) => parent,
        None => ".",
    };
    if !is_dir(&path_stat(dirfd, parent)?) {
        return Err(Errno::ENOTDIR);
    }
    Ok(())
}

fn mode_change(mode: u64) -> AttrChange {
    AttrChange { mode: Some(mode as u16 & 0o7777), ..AttrChange::default() }
}

/// `fchmodat(dirfd, path, mode)` (also `chmod`): sets the permission
/// bits (and set-id and sticky bits) of the node.
pub fn fchmodat(dirfd: i64, path: u64, mode: u64) -> SysResult {
    change_path(dirfd, &user::path(path)?, &mode_change(mode), false)
}

/// `fchmod(fd, mode)`, as [`fchmodat`] on what `fd` is open on.
pub fn fchmod(fd: i64, mode: u64) -> SysResult {
    change_fd(fd, &mode_change(mode))
}

/// `fchownat(dirfd, path, uid, gid, flags)` (also `chown`, `lchown`;
/// `fchown` is [`fchown`]). Succeeds when each id is -1 (unchanged) or
/// the 0 every node reports, otherwise `EROFS` (read-only node) or
/// `EPERM`.
pub fn fchownat(dirfd: i64, path: u64, uid: u64, gid: u64, flags: u64) -> SysResult {
    if flags & !((musl::AT_SYMLINK_NOFOLLOW | musl::AT_EMPTY_PATH) as u64) != 0 {
        return Err(Errno::EINVAL);
    }
    let name = user::path(path)?;
    let node = if name.is_empty() && flags & musl::AT_EMPTY_PATH as u64 != 0 {
        fd_stat_writable(dirfd)?
    } else {
        path_stat_writable(dirfd, &name)?
    };
    same_owner(node, uid, gid)
}

/// `fchown(fd, uid, gid)`, as [`fchownat`].
pub fn fchown(fd: i64, uid: u64, gid: u64) -> SysResult {
    same_owner(fd_stat_writable(fd)?, uid, gid)
}

fn same_owner((st, writable): (musl::stat, bool), uid: u64, gid: u64) -> SysResult {
    let keeps = |id: u64, now: u32| id as u32 == u32::MAX || id as u32 == now;
    if keeps(uid, st.st_uid) && keeps(gid, st.st_gid) {
        Ok(0)
    } else if !writable {
        Err(Errno::EROFS)
    } else {
        Err(Errno::EPERM)
    }
}
