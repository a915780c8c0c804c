//! Calls on what the file service does not keep yet: file times
//! (`utimensat`, and through it musl's `utimes`, `utime`, `futimens`),
//! links (`link`, `linkat`, `symlink`, `symlinkat`), permission bits
//! (`chmod`, `fchmod`, `fchmodat`) and owners (`chown`, `fchown`,
//! `lchown`, `fchownat`).
//!
//! The file service stores no times (`stat` reports 0), no links, no
//! permission bits and no owners (docs/fs.md). `utimensat` checks everything a real one checks (the
//! node exists, the times are well formed, the node can be changed) and
//! then succeeds without recording a time: `touch` makes files and its
//! errors are POSIX's, but `stat` still reports 0 and `find -newer` sees
//! no order. A link call checks its paths like Linux (`ENOENT`, `EEXIST`)
//! and then fails with `EPERM`, what Linux answers on a file system
//! without links (FAT). `chmod` and `chown` behave as on a FAT volume
//! too: asking for what `stat` already reports (mode 0755, or 0555 for a
//! read-only node; owner and group 0) succeeds, anything else is `EPERM`
//! (`EROFS` on a read-only node), so nothing is silently dropped. All are
//! written down as partly done in docs/posix-abi.md and docs/ports.md.

use crate::errno::{Errno, SysResult};
use crate::files::{fd_stat, path_stat};
use crate::{musl, user};

/// `tv_nsec` asking for the current time (Linux's `UTIME_NOW`).
const UTIME_NOW: i64 = (1 << 30) - 1;
/// `tv_nsec` leaving a time as it is (Linux's `UTIME_OMIT`).
const UTIME_OMIT: i64 = (1 << 30) - 2;

fn is_dir(st: &musl::stat) -> bool {
    st.st_mode & musl::S_IFMT as u32 == musl::S_IFDIR as u32
}

/// `utimensat(dirfd, path, times, flags)`; a null `path` is the fd
/// itself (`futimens`). Checks as Linux does, records nothing (module
/// doc).
pub fn utimensat(dirfd: i64, path: u64, times: u64, flags: u64) -> SysResult {
    if flags & !(musl::AT_SYMLINK_NOFOLLOW as u64) != 0 {
        return Err(Errno::EINVAL);
    }
    // Both times left as they are: nothing to change, nothing to check
    // but the path.
    let mut omit_both = false;
    if times != 0 {
        let t: [[i64; 2]; 2] = user::read(times)?;
        for [_, nsec] in t {
            if !(0..1_000_000_000).contains(&nsec) && nsec != UTIME_NOW && nsec != UTIME_OMIT {
                return Err(Errno::EINVAL);
            }
        }
        omit_both = t[0][1] == UTIME_OMIT && t[1][1] == UTIME_OMIT;
    }
    let st = if path == 0 { fd_stat(dirfd)? } else { path_stat(dirfd, &user::path(path)?)? };
    if !omit_both && st.st_mode & 0o200 == 0 {
        return Err(Errno::EROFS);
    }
    Ok(0)
}

/// `linkat(olddirfd, old, newdirfd, new, flags)` (also `link`): `ENOENT`
/// for a missing `old`, `EPERM` for a directory, `EEXIST` when `new`
/// exists, otherwise `EPERM`: the file service holds no hard links.
pub fn linkat(olddirfd: i64, old: u64, newdirfd: i64, new: u64, flags: u64) -> SysResult {
    if flags & !((musl::AT_SYMLINK_FOLLOW | musl::AT_EMPTY_PATH) as u64) != 0 {
        return Err(Errno::EINVAL);
    }
    let old = user::path(old)?;
    let new = user::path(new)?;
    let st = path_stat(olddirfd, &old)?;
    if is_dir(&st) {
        return Err(Errno::EPERM);
    }
    new_name_free(newdirfd, &new)?;
    Err(Errno::EPERM)
}

/// `symlinkat(target, newdirfd, new)` (also `symlink`): `EEXIST` when
/// `new` exists, `ENOENT` for an empty target, otherwise `EPERM`: the
/// file service holds no symbolic links.
pub fn symlinkat(target: u64, newdirfd: i64, new: u64) -> SysResult {
    let target = user::path(target)?;
    let new = user::path(new)?;
    if target.is_empty() {
        return Err(Errno::ENOENT);
    }
    new_name_free(newdirfd, &new)?;
    Err(Errno::EPERM)
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

/// `fchmodat(dirfd, path, mode)` (also `chmod`); `fchmod(fd, mode)` is
/// [`fchmod`]. Succeeds when `mode`'s permission bits are what the node
/// reports, otherwise `EROFS` (read-only node) or `EPERM`.
pub fn fchmodat(dirfd: i64, path: u64, mode: u64) -> SysResult {
    let st = path_stat(dirfd, &user::path(path)?)?;
    same_mode(&st, mode)
}

/// `fchmod(fd, mode)`, as [`fchmodat`].
pub fn fchmod(fd: i64, mode: u64) -> SysResult {
    same_mode(&fd_stat(fd)?, mode)
}

fn same_mode(st: &musl::stat, mode: u64) -> SysResult {
    if mode as u32 & 0o7777 == st.st_mode & 0o7777 {
        Ok(0)
    } else if st.st_mode & 0o200 == 0 {
        Err(Errno::EROFS)
    } else {
        Err(Errno::EPERM)
    }
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
    let st = if name.is_empty() && flags & musl::AT_EMPTY_PATH as u64 != 0 {
        fd_stat(dirfd)?
    } else {
        path_stat(dirfd, &name)?
    };
    same_owner(&st, uid, gid)
}

/// `fchown(fd, uid, gid)`, as [`fchownat`].
pub fn fchown(fd: i64, uid: u64, gid: u64) -> SysResult {
    same_owner(&fd_stat(fd)?, uid, gid)
}

fn same_owner(st: &musl::stat, uid: u64, gid: u64) -> SysResult {
    let keeps = |id: u64, now: u32| id as u32 == u32::MAX || id as u32 == now;
    if keeps(uid, st.st_uid) && keeps(gid, st.st_gid) {
        Ok(0)
    } else if st.st_mode & 0o200 == 0 {
        Err(Errno::EROFS)
    } else {
        Err(Errno::EPERM)
    }
}
