//! Path resolution with symbolic links, and the calls that make and read
//! links.
//!
//! A symbolic link is a node holding a target path (1 to
//! [`MAX_TARGET`] bytes, without NUL). Resolution follows a link met in
//! any component but the last, and in the last one when the call asks
//! (`open`, `stat`, `list`, `openDir`, `setAttrs` do; `remove`, `rename`,
//! `link`, `readlink` and `stat` without `follow` do not). A relative
//! target is read from the link's directory, an absolute one from the root
//! of the handle the call came through, and `..` never goes above that
//! root: a link cannot reach outside the Directory cap. More than
//! [`MAX_FOLLOWS`] links in one resolution is `TooManyLinks`.

use alloc::string::String;
use alloc::vec::Vec;

use crate::path::{Component, Path};
use crate::{AttrChange, Body, CapError, DirHandle, Fs, NodeId, NodeInfo, NodeKind, oom};

/// Longest link target, in bytes (Linux's `PATH_MAX` less its NUL).
pub const MAX_TARGET: usize = 4095;
/// Most links one resolution follows (Linux's `MAXSYMLINKS`).
pub const MAX_FOLLOWS: usize = 40;
/// The permission bits a link reports (as on Linux; never used).
pub const LINK_MODE: u16 = 0o777;

/// Where a path led.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Resolved<'a> {
    /// The directory holding the final name (or the directory the path
    /// names when it has no final name).
    pub dir: NodeId,
    /// The final name; `None` when the path ends with `..` or names the
    /// starting directory (``, `.`, `/`).
    pub name: Option<&'a str>,
    /// The node the path names; `None` when the final name is missing.
    pub node: Option<NodeId>,
}

/// What is left of a path being resolved: the caller's components, then
/// the targets of the links being followed (innermost last).
enum Frame<'a> {
    Parsed(&'a [Component<'a>]),
    Text(&'a str),
}

impl<'a> Frame<'a> {
    /// Takes the next component off the frame.
    fn next(&mut self) -> Option<Component<'a>> {
        match self {
            Frame::Parsed(rest) => {
                let (first, tail) = rest.split_first()?;
                *rest = tail;
                Some(*first)
            }
            Frame::Text(rest) => loop {
                if rest.is_empty() {
                    return None;
                }
                let (piece, tail) = rest.split_once('/').unwrap_or((rest, ""));
                *rest = tail;
                match piece {
                    "" | "." => {}
                    ".." => return Some(Component::Parent),
                    name => return Some(Component::Name(name)),
                }
            },
        }
    }

    /// Whether the frame has a component left.
    fn has_more(&self) -> bool {
        match self {
            Frame::Parsed(rest) => !rest.is_empty(),
            Frame::Text(rest) => rest.split('/').any(|piece| !matches!(piece, "" | ".")),
        }
    }
}

/// Whether `target` is a valid link target.
pub(crate) fn check_target(target: &str) -> Result<(), CapError> {
    if target.is_empty() {
        // As Linux's `symlink("", …)`.
        return Err(CapError::NotFound);
    }
    if target.len() > MAX_TARGET || target.bytes().any(|b| b == 0) {
        return Err(CapError::InvalidArgument);
    }
    Ok(())
}

impl Fs {
    /// Resolves `path` from `start`, `..` stopping at `root`, following
    /// links in every component but the last, and in the last one when
    /// `follow_last`. Every step must start from a directory
    /// (`NotADirectory`); a missing component before the last is
    /// `NotFound`.
    pub(crate) fn resolve<'a>(
        &'a self,
        root: NodeId,
        start: NodeId,
        components: &'a [Component<'a>],
        follow_last: bool,
    ) -> Result<Resolved<'a>, CapError> {
        let mut frames: Vec<Frame<'a>> = Vec::new();
        frames.try_reserve(MAX_FOLLOWS + 1).map_err(oom)?;
        frames.push(Frame::Parsed(components));
        let mut cur = start;
        let mut follows = 0;
        loop {
            let Some(component) = next_component(&mut frames) else {
                return Ok(Resolved { dir: cur, name: None, node: Some(cur) });
            };
            let node = self.node(cur)?;
            let entries = node.entries()?;
            let last = !frames.iter().any(Frame::has_more);
            match component {
                Component::Parent => {
                    if cur != root {
                        cur = node.parent;
                    }
                    if last {
                        return Ok(Resolved { dir: cur, name: None, node: Some(cur) });
                    }
                }
                Component::Name(name) => {
                    let Some(&id) = entries.get(name) else {
                        if last {
                            return Ok(Resolved { dir: cur, name: Some(name), node: None });
                        }
                        return Err(CapError::NotFound);
                    };
                    match &self.node(id)?.body {
                        Body::Symlink(target) if !last || follow_last => {
                            follows += 1;
                            if follows > MAX_FOLLOWS {
                                return Err(CapError::TooManyLinks);
                            }
                            if target.starts_with('/') {
                                cur = root;
                            }
                            frames.push(Frame::Text(target));
                        }
                        _ if last => return Ok(Resolved { dir: cur, name: Some(name), node: Some(id) }),
                        _ => cur = id,
                    }
                }
            }
        }
    }

    /// The node `path` names from handle `h`, following a final link
    /// when `follow` (a path ending in `/` always follows it).
    pub(crate) fn lookup_node(
        &self,
        h: &DirHandle,
        path: &Path<'_>,
        follow: bool,
    ) -> Result<NodeId, CapError> {
        let resolved = self.resolve(h.root, h.node, &path.components, follow || path.dir_only)?;
        let id = resolved.node.ok_or(CapError::NotFound)?;
        if path.dir_only {
            self.node(id)?.entries()?;
        }
        Ok(id)
    }

    /// `symlink`: a new link at `path` (which must not exist) holding
    /// `target`, which is stored as given and resolved only when used (it
    /// may dangle). `NotFound` for an empty target, `InvalidArgument` past
    /// [`MAX_TARGET`] bytes or with a NUL.
    pub fn symlink(&mut self, badge: u32, target: &str, path: &str) -> Result<(), CapError> {
        let h = self.dir_handle(badge)?;
        let p = Path::parse(path)?;
        check_target(target)?;
        let resolved = self.resolve(h.root, h.node, &p.components, false)?;
        let (dir, Some(name), None) = (resolved.dir, resolved.name, resolved.node) else {
            return Err(CapError::AlreadyExists);
        };
        if p.dir_only {
            return Err(CapError::NotFound);
        }
        self.check_dir_mutable(&h, dir)?;
        let mut owned = String::new();
        owned.try_reserve_exact(target.len()).map_err(oom)?;
        owned.push_str(target);
        let mut name_owned = String::new();
        name_owned.try_reserve_exact(name.len()).map_err(oom)?;
        name_owned.push_str(name);
        self.add_node(dir, &name_owned, true, LINK_MODE, Body::Symlink(owned)).map(|_| ())
    }

    /// `stat` without following a final link (POSIX `lstat`): a link
    /// reports kind [`NodeKind::Symlink`] and its target's length as size.
    pub fn lstat(&self, badge: u32, path: &str) -> Result<NodeInfo, CapError> {
        let h = self.dir_handle(badge)?;
        let id = self.lookup_node(&h, &Path::parse(path)?, false)?;
        self.info(id, self.node(id)?.writable && !h.read_only)
    }

    /// `Directory.setAttrs` with `noFollow`: [`Fs::set_attrs`] on the node
    /// at `path` without following a final link, so a link's own times
    /// change (`utimensat(AT_SYMLINK_NOFOLLOW)`); a link's permission bits
    /// cannot (`Unsupported`, Linux's `EOPNOTSUPP` for `fchmodat` with
    /// `AT_SYMLINK_NOFOLLOW`).
    pub fn set_attrs_no_follow(
        &mut self,
        badge: u32,
        path: &str,
        change: &AttrChange,
    ) -> Result<(), CapError> {
        let h = self.dir_handle(badge)?;
        let id = self.lookup_node(&h, &Path::parse(path)?, false)?;
        if change.mode.is_some() && self.node(id)?.kind() == NodeKind::Symlink {
            return Err(CapError::Unsupported);
        }
        self.change_attrs(id, !h.read_only, change)
    }

    /// `readlink`: the target of the link at `path` (the link itself, not
    /// followed); `InvalidArgument` if it is not a link.
    pub fn readlink(&self, badge: u32, path: &str) -> Result<String, CapError> {
        let h = self.dir_handle(badge)?;
        let id = self.lookup_node(&h, &Path::parse(path)?, false)?;
        let Body::Symlink(target) = &self.node(id)?.body else { return Err(CapError::InvalidArgument) };
        let mut out = String::new();
        out.try_reserve_exact(target.len()).map_err(oom)?;
        out.push_str(target);
        Ok(out)
    }
}

/// The next component of the path being resolved, dropping used-up frames.
fn next_component<'a>(frames: &mut Vec<Frame<'a>>) -> Option<Component<'a>> {
    loop {
        let frame = frames.last_mut()?;
        if let Some(c) = frame.next() {
            return Some(c);
        }
        frames.pop();
    }
}
