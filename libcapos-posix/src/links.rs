//! Symbolic links: `symlink`, `symlinkat`, `readlink`, `readlinkat`, and
//! the physical spelling of a path (links and `..` resolved as Linux
//! does) that `chdir` and directory fds keep.
//!
//! The file service stores the links and follows them itself (at most 40
//! per path: `ELOOP`), so most calls just pass the path on. A relative
//! target is read from the link's directory, an absolute one from the
//! `fs` root, which is `/` here.

use alloc::string::String;
use alloc::vec::Vec;

use capos_abi::error::CapError;
use capos_fs::path::normalize;
use capos_rt::fs::NodeKind;

use crate::errno::{Errno, SysResult};
use crate::files::{self, root};
use crate::user;

/// Most links one physical resolution follows (as the file service).
const MAX_FOLLOWS: usize = 40;

/// `symlinkat(target, newdirfd, new)` (also `symlink`): a link at `new`
/// holding `target` as given (`ENOENT` for an empty one).
pub fn symlinkat(target: u64, newdirfd: i64, new: u64) -> SysResult {
    let target = user::path(target)?;
    let full = files::resolve(newdirfd, &user::path(new)?)?;
    if files::is_device(&full) {
        return Err(Errno::EEXIST);
    }
    if target.is_empty() {
        return Err(Errno::ENOENT);
    }
    root()?.symlink(&target, &full)?;
    Ok(0)
}

/// `readlinkat(dirfd, path, buf, size)` (also `readlink`): the link's
/// target, cut to `size` bytes, without a NUL; `EINVAL` when `path` is
/// not a link or `size` is 0.
pub fn readlinkat(dirfd: i64, path: u64, buf: u64, size: u64) -> SysResult {
    let full = files::resolve(dirfd, &user::path(path)?)?;
    if (size as i64) <= 0 {
        return Err(Errno::EINVAL);
    }
    if files::is_device(&full) {
        return Err(Errno::EINVAL);
    }
    let target = root()?.readlink(&full)?;
    let n = target.len().min(size as usize);
    user::bytes_mut(buf, n)?.copy_from_slice(&target.as_bytes()[..n]);
    Ok(n as i64)
}

/// The absolute spelling of `full` with every link and `..` resolved
/// (each `..` goes to the parent of what the path has reached, as on
/// Linux, where a lexical `a/link/..` would be `a`). Every component but
/// the last must exist; the last is kept as it is if missing.
pub fn physical(full: &str) -> Result<String, Errno> {
    let root = root()?;
    // Components left to walk, the next one last.
    let mut pending: Vec<String> = Vec::new();
    push_components(&mut pending, full);
    let mut done: Vec<String> = Vec::new();
    let mut follows = 0;
    while let Some(name) = pending.pop() {
        if name == ".." {
            done.pop();
            continue;
        }
        let here = spell(&done, Some(&name));
        match root.stat_follow(&here, false) {
            Ok(info) if info.kind == NodeKind::Symlink => {
                follows += 1;
                if follows > MAX_FOLLOWS {
                    return Err(Errno::ELOOP);
                }
                let target = root.readlink(&here)?;
                if target.starts_with('/') {
                    done.clear();
                }
                push_components(&mut pending, &target);
            }
            Ok(_) => done.push(name),
            Err(CapError::NotFound) if pending.is_empty() => done.push(name),
            Err(e) => return Err(e.into()),
        }
    }
    Ok(spell(&done, None))
}

/// `full`'s canonical spelling: lexical when it has no `..` (the file
/// service follows the links in it the same way), else [`physical`].
pub fn canonical(full: &str) -> Result<String, Errno> {
    if full.split('/').any(|c| c == "..") { physical(full) } else { Ok(normalize(full)?) }
}

/// Pushes `path`'s components so that the first is popped first.
fn push_components(pending: &mut Vec<String>, path: &str) {
    let start = pending.len();
    pending.extend(path.split('/').filter(|c| !matches!(*c, "" | ".")).map(String::from));
    pending[start..].reverse();
}

/// `/a/b` from `[a, b]` (and `extra` after them).
fn spell(names: &[String], extra: Option<&str>) -> String {
    let mut out = String::new();
    for name in names.iter().map(String::as_str).chain(extra) {
        out.push('/');
        out.push_str(name);
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}
