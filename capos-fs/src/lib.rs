//! The capOS file system's RAM tree, as pure logic: the file service
//! (`apps/fs`) wires it to an endpoint, and `cargo test -p capos-fs` tests
//! it on the host. `docs/fs.md` describes the service built on it.
//!
//! - Nodes (files and directories) live in an arena and are named by
//!   [`NodeId`]s. A directory's entries are sorted by name (a `BTreeMap`);
//!   a file's bytes are kept in fixed-size chunks ([`data`]).
//! - Paths are resolved relative to the *root* of the handle used
//!   ([`path`]): `..` never goes above it, so a Directory cap confines its
//!   holder to its subtree.
//! - Open objects are [`Handle`]s in a table keyed by a `u32` badge (the
//!   badge the service mints each client cap with). Badge
//!   [`ROOT_BADGE`] is the whole tree with every right.
//! - Every node has a `writable` flag: the manifest's files and
//!   directories are read-only unless marked writable; the writable
//!   directories (mount points such as `/tmp`) and everything made under
//!   them are writable. A read-only handle or node fails every change with
//!   `ReadOnly`.
//! - Quotas: the total size of all files (`quota_bytes`) and the number of
//!   nodes (`quota_nodes`). Going past either is `NoSpace`; running out of
//!   memory is `OutOfMemory` or `NoSpace`, never a panic.
//!
//! # Which error first
//!
//! A path is resolved before rights are checked: a missing path is
//! `NotFound` and an existing name `AlreadyExists` (for `mkdir` and
//! exclusive `open`) even where nothing may be changed; then a change
//! through a read-only handle or in a read-only directory is `ReadOnly`.
//!
//! # Removing an open node
//!
//! POSIX semantics: `remove` (and `rename` over a node) takes the name away
//! at once, but a node still open through a handle keeps existing, with
//! its contents, until its last handle is closed or released. Its bytes and
//! the node itself count against the quotas until then. Nothing can be
//! created in a removed directory (`NotFound`).
//!
//! # Attributes: times, permission bits, links
//!
//! Every node keeps its permission bits ([`NodeInfo::mode`], the 12 low
//! bits of a POSIX mode), three times and its number of names
//! ([`NodeInfo::links`]). The service sets the clock ([`Fs::set_clock`])
//! before each call; the tree never reads a clock itself, so host tests
//! choose the times. The times follow Linux (with `relatime`):
//!
//! - a write of at least one byte, a truncation (also by an `open` that
//!   truncates) set the file's `mtime` and `ctime`;
//! - a read asking for at least one byte sets `atime` when it is not
//!   newer than `mtime` or `ctime`, or a day old;
//! - adding or removing a directory's entry (`open` that creates,
//!   `mkdir`, `remove`, `rename`, `link`) sets the directory's `mtime` and
//!   `ctime`; the node whose names change gets a new `ctime`;
//! - [`Fs::set_attrs`] and [`Fs::file_set_attrs`] set `atime`/`mtime` to
//!   a given time or now, and the permission bits, and `ctime` to now.
//!
//! The bits are stored and reported, never enforced: capOS confines by
//! caps (a read-only handle, a read-only node), not by owners and bits.
//! A file may have several names ([`Fs::link`]); it lives until its last
//! name is removed and its last handle is closed. Directories cannot be
//! linked; their `links` is 2 plus their subdirectories, as on Linux.
//!
//! # Limits of one call
//!
//! A read or write moves at most [`MAX_IO`] bytes: a bigger `read` count
//! and a bigger `write` are clamped (a short write, as in POSIX; the
//! returned count says how much was written). A write that would go past
//! the byte quota writes nothing and fails with `NoSpace`.
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

extern crate alloc;

#[cfg(test)]
mod attr_tests;
pub mod data;
pub mod path;
mod symlink;
#[cfg(test)]
mod symlink_tests;
#[cfg(test)]
mod tests;

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;
pub use capos_abi::error::CapError;

use data::FileData;
use path::{Component, Path};
pub use symlink::{LINK_MODE, MAX_FOLLOWS, MAX_TARGET};

/// Most bytes one read or write moves.
pub const MAX_IO: usize = 60 * 1024;
/// Most entries of the handle table (open files, directory caps and closed
/// handles whose caps are not released yet); past it, opening fails with
/// `QuotaExceeded`.
pub const MAX_HANDLES: usize = 4096;
/// The badge of the root directory (the service's unbadged client).
pub const ROOT_BADGE: u32 = 0;

/// Index of a node in the arena.
pub type NodeId = u32;

/// A node's kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    /// A regular file.
    File,
    /// A directory.
    Directory,
    /// A symbolic link (see [`Fs::symlink`]).
    Symlink,
}

/// A time: seconds since the Unix epoch and nanoseconds within the
/// second (`0..1_000_000_000`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timestamp {
    /// Seconds since 1970-01-01 00:00 UTC (negative before).
    pub seconds: i64,
    /// Nanoseconds within the second.
    pub nanos: u32,
}

impl Timestamp {
    /// `seconds` and `nanos`; `InvalidArgument` unless `nanos` is below
    /// one second.
    pub fn new(seconds: i64, nanos: u32) -> Result<Self, CapError> {
        if nanos >= 1_000_000_000 {
            return Err(CapError::InvalidArgument);
        }
        Ok(Self { seconds, nanos })
    }
}

/// How [`Fs::set_attrs`] changes one time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum TimeChange {
    /// Left as it is.
    #[default]
    Keep,
    /// Set to the clock's time ([`Fs::set_clock`]).
    Now,
    /// Set to this time.
    At(Timestamp),
}

/// What [`Fs::set_attrs`] changes (`ctime` becomes now whenever anything
/// does).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AttrChange {
    /// New permission bits (the low 12 bits count).
    pub mode: Option<u16>,
    /// The access time.
    pub atime: TimeChange,
    /// The modification time.
    pub mtime: TimeChange,
}

/// Permission bits of files made by `open` unless the caller gives others.
pub const DEFAULT_FILE_MODE: u16 = 0o644;
/// Permission bits of directories made by `mkdir` unless the caller gives
/// others.
pub const DEFAULT_DIR_MODE: u16 = 0o755;
/// Permission bits of the boot tree's writable nodes (read-only ones have
/// no write bits: 0o555). Boot files are programs and scripts as often as
/// data, so they may be executed.
pub const BOOT_MODE: u16 = 0o755;
/// The permission bits (and set-id and sticky bits) of a mode.
pub const MODE_BITS: u16 = 0o7777;
/// Most names one file may have.
pub const MAX_LINKS: u32 = 65_000;
/// Seconds after which a read updates `atime` even when it is newer than
/// `mtime` and `ctime` (Linux's `relatime`).
const RELATIME_SECONDS: i64 = 24 * 60 * 60;

/// What `stat` reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodeInfo {
    /// File or directory.
    pub kind: NodeKind,
    /// Bytes of a file; entries of a directory.
    pub size: u64,
    /// Whether the node can be changed through the handle that asked.
    pub writable: bool,
    /// The node's number, unique among the nodes that exist (a removed
    /// node's number may be reused).
    pub id: u64,
    /// Permission bits (see [`MODE_BITS`]).
    pub mode: u16,
    /// Names of a file; 2 plus the subdirectories of a directory.
    pub links: u32,
    /// Last access.
    pub atime: Timestamp,
    /// Last change of the contents.
    pub mtime: Timestamp,
    /// Last change of the contents or attributes.
    pub ctime: Timestamp,
}

/// One entry of a directory listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirEntry {
    /// The entry's name.
    pub name: String,
    /// File or directory.
    pub kind: NodeKind,
    /// Bytes of a file; entries of a directory.
    pub size: u64,
    /// The node's number (as [`NodeInfo::id`]).
    pub id: u64,
}

/// How to open a file (the flags of `Directory.open`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenOptions {
    /// Allow writes through the handle (without it the handle is
    /// read-only).
    pub write: bool,
    /// Make the file if it is missing.
    pub create: bool,
    /// With `create`: fail with `AlreadyExists` if it is present (ignored
    /// without `create`).
    pub exclusive: bool,
    /// Empty the file (needs `write`).
    pub truncate: bool,
    /// Every write goes to the end (needs `write`).
    pub append: bool,
    /// Fail with `TooManyLinks` when the final name is a symbolic link
    /// (POSIX `O_NOFOLLOW`); links before it are followed.
    pub no_follow: bool,
    /// Permission bits of a file `create` makes ([`DEFAULT_FILE_MODE`]
    /// unless set).
    pub mode: u16,
}

impl Default for OpenOptions {
    fn default() -> Self {
        Self {
            write: false,
            create: false,
            exclusive: false,
            truncate: false,
            append: false,
            no_follow: false,
            mode: DEFAULT_FILE_MODE,
        }
    }
}

impl OpenOptions {
    /// Every flag false: opens an existing file read-only.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the permission bits a created file gets.
    pub fn mode(mut self, mode: u16) -> Self {
        self.mode = mode;
        self
    }

    /// Sets `write`.
    pub fn write(mut self, on: bool) -> Self {
        self.write = on;
        self
    }

    /// Sets `create`.
    pub fn create(mut self, on: bool) -> Self {
        self.create = on;
        self
    }

    /// Sets `exclusive`.
    pub fn exclusive(mut self, on: bool) -> Self {
        self.exclusive = on;
        self
    }

    /// Sets `truncate`.
    pub fn truncate(mut self, on: bool) -> Self {
        self.truncate = on;
        self
    }

    /// Sets `append`.
    pub fn append(mut self, on: bool) -> Self {
        self.append = on;
        self
    }

    /// Sets `no_follow`.
    pub fn no_follow(mut self, on: bool) -> Self {
        self.no_follow = on;
        self
    }
}

/// Where a seek counts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Whence {
    /// From the start of the file.
    Start,
    /// From the current position.
    Current,
    /// From the end of the file.
    End,
}

/// An open directory: a Directory cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DirHandle {
    /// The directory paths start from.
    pub node: NodeId,
    /// The directory `..` never goes above (today always `node`).
    pub root: NodeId,
    /// Whether every change through it fails with `ReadOnly`.
    pub read_only: bool,
}

/// An open file: a File cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileHandle {
    /// The file.
    pub node: NodeId,
    /// Where the next `read` or `write` starts.
    pub position: u64,
    /// Whether writes are allowed.
    pub writable: bool,
    /// Whether every `write` goes to the end.
    pub append: bool,
    /// Whether attributes may be changed through it (it was opened
    /// through a handle that is not read-only).
    pub attrs: bool,
}

/// An entry of the handle table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handle {
    /// A directory cap.
    Dir(DirHandle),
    /// A file cap.
    File(FileHandle),
    /// A file closed with `close` whose cap may still exist: its badge is
    /// not reused until [`Fs::release`] (every call on it is `InvalidCap`).
    Closed,
}

#[derive(Debug)]
enum Body {
    File(FileData),
    Dir(BTreeMap<String, NodeId>),
    /// A symbolic link's target.
    Symlink(String),
}

#[derive(Debug)]
struct Node {
    /// The directory holding it (the tree root: itself). Meaningless once
    /// unlinked.
    parent: NodeId,
    /// Directory entries naming it (0 once removed).
    links: u32,
    writable: bool,
    /// Handles referring to it.
    refs: u32,
    /// Permission bits.
    mode: u16,
    atime: Timestamp,
    mtime: Timestamp,
    ctime: Timestamp,
    body: Body,
}

impl Node {
    fn set_times(&mut self, now: Timestamp) {
        self.atime = now;
        self.mtime = now;
        self.ctime = now;
    }

    fn kind(&self) -> NodeKind {
        match self.body {
            Body::File(_) => NodeKind::File,
            Body::Dir(_) => NodeKind::Directory,
            Body::Symlink(_) => NodeKind::Symlink,
        }
    }

    fn size(&self) -> u64 {
        match &self.body {
            Body::File(f) => f.size(),
            Body::Dir(d) => d.len() as u64,
            Body::Symlink(target) => target.len() as u64,
        }
    }

    fn entries(&self) -> Result<&BTreeMap<String, NodeId>, CapError> {
        match &self.body {
            Body::Dir(d) => Ok(d),
            Body::File(_) | Body::Symlink(_) => Err(CapError::NotADirectory),
        }
    }
}

/// Bytes a directory entry named `name` takes in a Cap'n Proto list of
/// `DirEntry` (a list element of three data words and a pointer, and the
/// name's text with its NUL, padded to words).
pub fn entry_encoded_size(name: &str) -> usize {
    32 + (name.len() + 1).next_multiple_of(8)
}

/// The permission bits of a boot node ([`BOOT_MODE`], without the write
/// bits when read-only).
fn boot_mode(writable: bool) -> u16 {
    if writable { BOOT_MODE } else { BOOT_MODE & !0o222 }
}

fn oom<T>(_: T) -> CapError {
    CapError::OutOfMemory
}

/// The tree, its handles and its quotas.
#[derive(Debug)]
pub struct Fs {
    nodes: Vec<Option<Node>>,
    free_ids: Vec<NodeId>,
    root: NodeId,
    handles: BTreeMap<u32, Handle>,
    next_badge: u32,
    quota_bytes: u64,
    quota_nodes: u64,
    used_bytes: u64,
    used_nodes: u64,
    /// The time of the call being served ([`Fs::set_clock`]).
    now: Timestamp,
}

/// One boot file: absolute path, contents, whether it is writable.
pub type BootFile<'a> = (&'a str, &'a [u8], bool);

/// A boot file being added to a [`BootTree`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BootFileId(NodeId);

/// Builds the boot tree of [`Fs::from_boot_files`] a file at a time, each
/// file's contents appended in chunks, so the caller never holds a whole
/// file (the file service streams them out of the boot package).
pub struct BootTree<'a> {
    fs: Fs,
    writable: Vec<Vec<Component<'a>>>,
}

impl<'a> BootTree<'a> {
    /// An empty tree with the directories of `writable_dirs` (absolute,
    /// plain paths) made writable, and these quotas; its nodes get the
    /// time `now`.
    pub fn new(
        writable_dirs: &[&'a str],
        quota_bytes: u64,
        quota_nodes: u64,
        now: Timestamp,
    ) -> Result<Self, CapError> {
        let mut writable = Vec::new();
        for dir in writable_dirs {
            let p = Path::parse(dir)?;
            if !dir.starts_with('/') || !p.is_plain() {
                return Err(CapError::InvalidArgument);
            }
            writable.try_reserve(1).map_err(oom)?;
            writable.push(p.components);
        }
        let root_writable = writable.iter().any(Vec::is_empty);
        let mut fs = Fs::new(root_writable, quota_bytes, quota_nodes)?;
        fs.set_clock(now);
        let root = fs.root;
        fs.node_mut(root)?.set_times(now);
        let mut tree = Self { fs, writable };
        for i in 0..tree.writable.len() {
            let dir = tree.writable[i].clone();
            tree.mkdir_p(&dir)?;
        }
        Ok(tree)
    }

    fn mkdir_p(&mut self, components: &[Component<'_>]) -> Result<NodeId, CapError> {
        let writable = &self.writable;
        let under_writable =
            |prefix: &[Component<'_>]| writable.iter().any(|w| prefix.starts_with(w.as_slice()));
        self.fs.boot_mkdir_p(components, &under_writable)
    }

    /// Adds the empty file `path` (absolute and plain), making missing
    /// directories on the way (see [`Fs::from_boot_files`]).
    pub fn add_file(&mut self, path: &str, writable: bool) -> Result<BootFileId, CapError> {
        let id = self.add_node(path, writable, boot_mode(writable), Body::File(FileData::default()))?;
        Ok(BootFileId(id))
    }

    /// Adds the symbolic link `path` (absolute and plain) to `target`,
    /// making missing directories on the way, as [`Self::add_file`]: a
    /// boot manifest's `symlink` file (`/bin/cat` → `busybox`). Bad
    /// targets are refused as [`Fs::symlink`] refuses them.
    pub fn add_symlink(&mut self, path: &str, target: &str) -> Result<(), CapError> {
        symlink::check_target(target)?;
        let mut owned = String::new();
        owned.try_reserve_exact(target.len()).map_err(oom)?;
        owned.push_str(target);
        self.add_node(path, false, LINK_MODE, Body::Symlink(owned)).map(|_| ())
    }

    /// Adds the node `path` (absolute and plain) holding `body`, making
    /// missing directories on the way; `AlreadyExists` or `IsADirectory`
    /// when the name is taken.
    fn add_node(&mut self, path: &str, writable: bool, mode: u16, body: Body) -> Result<NodeId, CapError> {
        let p = Path::parse(path)?;
        let Some((dirs, name)) = p.split_last().filter(|_| path.starts_with('/') && p.is_plain()) else {
            return Err(CapError::InvalidArgument);
        };
        let dir = self.mkdir_p(dirs)?;
        if let Some(&existing) = self.fs.node(dir)?.entries()?.get(name) {
            return Err(match self.fs.node(existing)?.kind() {
                NodeKind::File | NodeKind::Symlink => CapError::AlreadyExists,
                NodeKind::Directory => CapError::IsADirectory,
            });
        }
        self.fs.add_node(dir, name, writable, mode, body)
    }

    /// Appends `data` to `file` (`NoSpace` past the byte quota).
    pub fn append(&mut self, file: BootFileId, data: &[u8]) -> Result<(), CapError> {
        let end = match &self.fs.node(file.0)?.body {
            Body::File(contents) => contents.size(),
            Body::Dir(_) | Body::Symlink(_) => return Err(CapError::IsADirectory),
        };
        self.fs.write_node(file.0, end, data)
    }

    /// The finished tree.
    pub fn finish(self) -> Fs {
        self.fs
    }
}

impl Fs {
    /// An empty tree: a root directory (writable if `root_writable`) and
    /// the root handle, with these quotas (the root counts as a node).
    pub fn new(root_writable: bool, quota_bytes: u64, quota_nodes: u64) -> Result<Self, CapError> {
        if quota_nodes == 0 {
            return Err(CapError::NoSpace);
        }
        let mut nodes = Vec::new();
        nodes.try_reserve(1).map_err(oom)?;
        nodes.push(Some(Node {
            parent: 0,
            links: 1,
            writable: root_writable,
            refs: 1,
            mode: boot_mode(root_writable),
            atime: Timestamp::default(),
            mtime: Timestamp::default(),
            ctime: Timestamp::default(),
            body: Body::Dir(BTreeMap::new()),
        }));
        let mut handles = BTreeMap::new();
        handles.insert(ROOT_BADGE, Handle::Dir(DirHandle { node: 0, root: 0, read_only: false }));
        Ok(Self {
            nodes,
            free_ids: Vec::new(),
            root: 0,
            handles,
            next_badge: 1,
            quota_bytes,
            quota_nodes,
            used_bytes: 0,
            used_nodes: 1,
            now: Timestamp::default(),
        })
    }

    /// The tree of the boot manifest: every directory of `writable_dirs`
    /// (absolute, plain paths) made writable, every file of `files` with
    /// its contents and writable flag. Missing directories are made on the
    /// way: writable when they are (or are under) one of `writable_dirs`,
    /// read-only otherwise. Fails with `NoSpace` if it does not fit in the
    /// quotas, `InvalidArgument` for a bad path, `AlreadyExists`,
    /// `IsADirectory` or `NotADirectory` when paths collide. [`BootTree`]
    /// builds the same tree a file and a chunk at a time.
    pub fn from_boot_files(
        files: &[BootFile<'_>],
        writable_dirs: &[&str],
        quota_bytes: u64,
        quota_nodes: u64,
    ) -> Result<Self, CapError> {
        let mut tree = BootTree::new(writable_dirs, quota_bytes, quota_nodes, Timestamp::default())?;
        for (path, contents, writable) in files {
            let file = tree.add_file(path, *writable)?;
            tree.append(file, contents)?;
        }
        Ok(tree.finish())
    }

    /// Makes every directory of `components` that is missing (boot only).
    fn boot_mkdir_p(
        &mut self,
        components: &[Component<'_>],
        under_writable: &dyn Fn(&[Component<'_>]) -> bool,
    ) -> Result<NodeId, CapError> {
        let mut cur = self.root;
        for (i, c) in components.iter().enumerate() {
            let Component::Name(name) = c else { return Err(CapError::InvalidArgument) };
            cur = match self.node(cur)?.entries()?.get(*name) {
                Some(&next) => {
                    self.node(next)?.entries()?;
                    next
                }
                None => {
                    let writable = under_writable(&components[..=i]);
                    self.add_node(cur, name, writable, boot_mode(writable), Body::Dir(BTreeMap::new()))?
                }
            };
        }
        Ok(cur)
    }

    // -- accessors ---------------------------------------------------------

    /// Sets the time the next calls happen at: nodes made, written, read
    /// or changed get it. A clock going backwards is taken as it is.
    pub fn set_clock(&mut self, now: Timestamp) {
        self.now = now;
    }

    /// The time [`Self::set_clock`] set last.
    pub fn clock(&self) -> Timestamp {
        self.now
    }

    /// Total bytes of all files (removed-but-open ones included).
    pub fn used_bytes(&self) -> u64 {
        self.used_bytes
    }

    /// Nodes in the tree (removed-but-open ones included).
    pub fn used_nodes(&self) -> u64 {
        self.used_nodes
    }

    /// The byte quota.
    pub fn quota_bytes(&self) -> u64 {
        self.quota_bytes
    }

    /// The node quota.
    pub fn quota_nodes(&self) -> u64 {
        self.quota_nodes
    }

    /// Entries of the handle table (the root handle included).
    pub fn handle_count(&self) -> usize {
        self.handles.len()
    }

    /// The handle with badge `badge`.
    pub fn handle(&self, badge: u32) -> Option<&Handle> {
        self.handles.get(&badge)
    }

    // -- internals ---------------------------------------------------------

    fn node(&self, id: NodeId) -> Result<&Node, CapError> {
        // A missing node is an internal inconsistency; report it as a
        // typed error rather than panicking.
        self.nodes.get(id as usize).and_then(Option::as_ref).ok_or(CapError::NotFound)
    }

    fn node_mut(&mut self, id: NodeId) -> Result<&mut Node, CapError> {
        self.nodes.get_mut(id as usize).and_then(Option::as_mut).ok_or(CapError::NotFound)
    }

    fn dir_handle(&self, badge: u32) -> Result<DirHandle, CapError> {
        match self.handles.get(&badge) {
            Some(Handle::Dir(d)) => Ok(*d),
            _ => Err(CapError::InvalidCap),
        }
    }

    fn file_handle(&self, badge: u32) -> Result<FileHandle, CapError> {
        match self.handles.get(&badge) {
            Some(Handle::File(f)) => Ok(*f),
            _ => Err(CapError::InvalidCap),
        }
    }

    fn file_handle_mut(&mut self, badge: u32) -> Result<&mut FileHandle, CapError> {
        match self.handles.get_mut(&badge) {
            Some(Handle::File(f)) => Ok(f),
            _ => Err(CapError::InvalidCap),
        }
    }

    /// The node `path` names from handle `h`, a final link followed.
    fn lookup(&self, h: &DirHandle, path: &Path<'_>) -> Result<NodeId, CapError> {
        self.lookup_node(h, path, true)
    }

    /// The directory holding the final name of `path`, and that name (a
    /// final link is not followed); `None` if the path names a directory
    /// without a final name (``, `.`, `..`).
    fn lookup_parent<'p>(
        &self,
        h: &DirHandle,
        path: &Path<'p>,
    ) -> Result<Option<(NodeId, &'p str)>, CapError> {
        let Some((_, name)) = path.split_last() else { return Ok(None) };
        let resolved = self.resolve(h.root, h.node, &path.components, false)?;
        Ok(Some((resolved.dir, name)))
    }

    /// Whether entries of `dir` may be added, removed or renamed through
    /// `h`.
    fn check_dir_mutable(&self, h: &DirHandle, dir: NodeId) -> Result<(), CapError> {
        let node = self.node(dir)?;
        if h.read_only || !node.writable {
            return Err(CapError::ReadOnly);
        }
        if node.links == 0 {
            return Err(CapError::NotFound);
        }
        Ok(())
    }

    /// Marks `id`'s contents changed now (`mtime` and `ctime`).
    fn touch_modified(&mut self, id: NodeId) -> Result<(), CapError> {
        let now = self.now;
        let node = self.node_mut(id)?;
        node.mtime = now;
        node.ctime = now;
        Ok(())
    }

    /// Marks `id`'s attributes changed now (`ctime`).
    fn touch_changed(&mut self, id: NodeId) -> Result<(), CapError> {
        let now = self.now;
        self.node_mut(id)?.ctime = now;
        Ok(())
    }

    /// Marks `id` read now, as Linux's `relatime` does.
    fn touch_accessed(&mut self, id: NodeId) -> Result<(), CapError> {
        let now = self.now;
        let node = self.node_mut(id)?;
        if node.atime <= node.mtime
            || node.atime <= node.ctime
            || now.seconds.saturating_sub(node.atime.seconds) >= RELATIME_SECONDS
        {
            node.atime = now;
        }
        Ok(())
    }

    /// What `stat` reports for `id`, `writable` as the handle allows.
    fn info(&self, id: NodeId, writable: bool) -> Result<NodeInfo, CapError> {
        let node = self.node(id)?;
        let links = match &node.body {
            Body::File(_) | Body::Symlink(_) => node.links,
            Body::Dir(entries) => {
                let subdirs = entries
                    .values()
                    .filter(|&&child| self.node(child).is_ok_and(|c| c.kind() == NodeKind::Directory))
                    .count();
                2u32.saturating_add(u32::try_from(subdirs).unwrap_or(u32::MAX))
            }
        };
        Ok(NodeInfo {
            kind: node.kind(),
            size: node.size(),
            writable,
            id: u64::from(id),
            mode: node.mode,
            links,
            atime: node.atime,
            mtime: node.mtime,
            ctime: node.ctime,
        })
    }

    fn add_node(
        &mut self,
        dir: NodeId,
        name: &str,
        writable: bool,
        mode: u16,
        body: Body,
    ) -> Result<NodeId, CapError> {
        if self.used_nodes >= self.quota_nodes {
            return Err(CapError::NoSpace);
        }
        let mut owned = String::new();
        owned.try_reserve_exact(name.len()).map_err(oom)?;
        owned.push_str(name);
        let now = self.now;
        let node = Node {
            parent: dir,
            links: 1,
            writable,
            refs: 0,
            mode: mode & MODE_BITS,
            atime: now,
            mtime: now,
            ctime: now,
            body,
        };
        let id = match self.free_ids.pop() {
            Some(id) => {
                self.nodes[id as usize] = Some(node);
                id
            }
            None => {
                let id = NodeId::try_from(self.nodes.len()).map_err(|_| CapError::NoSpace)?;
                self.nodes.try_reserve(1).map_err(oom)?;
                self.free_ids.try_reserve(self.nodes.len() + 1).map_err(oom)?;
                self.nodes.push(Some(node));
                id
            }
        };
        self.used_nodes += 1;
        match &mut self.node_mut(dir)?.body {
            Body::Dir(entries) => {
                entries.insert(owned, id);
            }
            Body::File(_) | Body::Symlink(_) => return Err(CapError::NotADirectory),
        }
        self.touch_modified(dir)?;
        Ok(id)
    }

    /// Frees node `id` if nothing names or refers to it any more.
    fn maybe_free(&mut self, id: NodeId) {
        let Ok(node) = self.node(id) else { return };
        if node.links > 0 || node.refs > 0 || id == self.root {
            return;
        }
        let size = match &node.body {
            Body::File(f) => f.size(),
            Body::Dir(_) | Body::Symlink(_) => 0,
        };
        self.used_bytes -= size;
        self.used_nodes -= 1;
        self.nodes[id as usize] = None;
        // Cannot fail: `add_node` reserved room for every id.
        self.free_ids.push(id);
    }

    /// Takes the name `name` out of `dir` (its node lives on while open
    /// or named elsewhere).
    fn unlink(&mut self, dir: NodeId, name: &str) -> Result<(), CapError> {
        let id = match &mut self.node_mut(dir)?.body {
            Body::Dir(entries) => entries.remove(name).ok_or(CapError::NotFound)?,
            Body::File(_) | Body::Symlink(_) => return Err(CapError::NotADirectory),
        };
        self.touch_modified(dir)?;
        let node = self.node_mut(id)?;
        node.links = node.links.saturating_sub(1);
        self.touch_changed(id)?;
        self.maybe_free(id);
        Ok(())
    }

    /// Sets a file's size, within the byte quota.
    fn resize_node(&mut self, id: NodeId, len: u64) -> Result<(), CapError> {
        let (quota, used) = (self.quota_bytes, self.used_bytes);
        let Body::File(data) = &mut self.node_mut(id)?.body else { return Err(CapError::IsADirectory) };
        let old = data.size();
        if len > old && len - old > quota.saturating_sub(used) {
            return Err(CapError::NoSpace);
        }
        data.set_len(len)?;
        self.used_bytes = used - old + len;
        self.touch_modified(id)
    }

    /// Writes into a file at `offset`, within the byte quota.
    fn write_node(&mut self, id: NodeId, offset: u64, bytes: &[u8]) -> Result<(), CapError> {
        let (quota, used) = (self.quota_bytes, self.used_bytes);
        let Body::File(data) = &mut self.node_mut(id)?.body else { return Err(CapError::IsADirectory) };
        let old = data.size();
        let end = offset.checked_add(bytes.len() as u64).ok_or(CapError::InvalidArgument)?;
        if end > old && end - old > quota.saturating_sub(used) {
            return Err(CapError::NoSpace);
        }
        data.write_at(offset, bytes)?;
        self.used_bytes = used - old + data.size();
        if !bytes.is_empty() {
            self.touch_modified(id)?;
        }
        Ok(())
    }

    /// Adds `handle` under a fresh badge and counts its reference.
    fn add_handle(&mut self, handle: Handle) -> Result<u32, CapError> {
        if self.handles.len() >= MAX_HANDLES {
            return Err(CapError::QuotaExceeded);
        }
        let node = match handle {
            Handle::Dir(d) => d.node,
            Handle::File(f) => f.node,
            Handle::Closed => return Err(CapError::InvalidArgument),
        };
        let mut badge = self.next_badge;
        while badge == ROOT_BADGE || self.handles.contains_key(&badge) {
            badge = badge.wrapping_add(1);
        }
        self.next_badge = badge.wrapping_add(1);
        self.handles.insert(badge, handle);
        let n = self.node_mut(node)?;
        n.refs = n.refs.saturating_add(1);
        Ok(badge)
    }

    fn drop_ref(&mut self, node: NodeId) {
        if let Ok(n) = self.node_mut(node) {
            n.refs = n.refs.saturating_sub(1);
        }
        self.maybe_free(node);
    }

    // -- Directory ---------------------------------------------------------

    /// `list`: the entries of the directory at `path`, sorted by name.
    pub fn list(&self, badge: u32, path: &str) -> Result<Vec<DirEntry>, CapError> {
        let h = self.dir_handle(badge)?;
        let id = self.lookup(&h, &Path::parse(path)?)?;
        let entries = self.node(id)?.entries()?;
        let mut out = Vec::new();
        out.try_reserve_exact(entries.len()).map_err(oom)?;
        for (name, &child) in entries {
            let node = self.node(child)?;
            let mut owned = String::new();
            owned.try_reserve_exact(name.len()).map_err(oom)?;
            owned.push_str(name);
            out.push(DirEntry { name: owned, kind: node.kind(), size: node.size(), id: u64::from(child) });
        }
        Ok(out)
    }

    /// `listPage`: the entries of the directory at `path` whose names
    /// sort after `after`, at most `max` of them (0: no count limit) and
    /// at most `budget` bytes of their Cap'n Proto encoding
    /// ([`entry_encoded_size`]; at least one entry is returned if any
    /// follows); and whether more follow.
    pub fn list_page(
        &self,
        badge: u32,
        path: &str,
        after: &str,
        max: usize,
        budget: usize,
    ) -> Result<(Vec<DirEntry>, bool), CapError> {
        use core::ops::Bound::{Excluded, Unbounded};
        let h = self.dir_handle(badge)?;
        let id = self.lookup(&h, &Path::parse(path)?)?;
        let entries = self.node(id)?.entries()?;
        let start = if after.is_empty() { Unbounded } else { Excluded(after) };
        let mut out = Vec::new();
        let mut used = 0usize;
        for (name, &child) in entries.range::<str, _>((start, Unbounded)) {
            let cost = entry_encoded_size(name);
            if (max != 0 && out.len() == max) || (!out.is_empty() && used + cost > budget) {
                return Ok((out, true));
            }
            let node = self.node(child)?;
            let mut owned = String::new();
            owned.try_reserve_exact(name.len()).map_err(oom)?;
            owned.push_str(name);
            out.try_reserve(1).map_err(oom)?;
            out.push(DirEntry { name: owned, kind: node.kind(), size: node.size(), id: u64::from(child) });
            used += cost;
        }
        Ok((out, false))
    }

    /// `open`: a new File handle for `path`; returns its badge.
    pub fn open(&mut self, badge: u32, path: &str, options: OpenOptions) -> Result<u32, CapError> {
        let h = self.dir_handle(badge)?;
        if (options.truncate || options.append) && !options.write {
            return Err(CapError::InvalidArgument);
        }
        let p = Path::parse(path)?;
        // `create` + `exclusive` and `no_follow` do not follow a final
        // link (the first fails with `AlreadyExists` on it, as POSIX says).
        let follow = !(options.no_follow || (options.create && options.exclusive));
        let resolved = self.resolve(h.root, h.node, &p.components, follow)?;
        let Some(name) = resolved.name else {
            // The path names a directory.
            return Err(CapError::IsADirectory);
        };
        let dir = resolved.dir;
        if self.handles.len() >= MAX_HANDLES {
            return Err(CapError::QuotaExceeded);
        }
        let id = match resolved.node {
            Some(id) => {
                let node = self.node(id)?;
                if options.create && options.exclusive {
                    return Err(CapError::AlreadyExists);
                }
                match node.kind() {
                    NodeKind::Directory => return Err(CapError::IsADirectory),
                    NodeKind::Symlink => return Err(CapError::TooManyLinks),
                    NodeKind::File => {}
                }
                if p.dir_only {
                    return Err(CapError::NotADirectory);
                }
                if options.write && (h.read_only || !node.writable) {
                    return Err(CapError::ReadOnly);
                }
                if options.truncate {
                    self.resize_node(id, 0)?;
                }
                id
            }
            None if !options.create => return Err(CapError::NotFound),
            None if p.dir_only => return Err(CapError::IsADirectory),
            None => {
                self.check_dir_mutable(&h, dir)?;
                // The name may be a link's (borrowed from the tree).
                let mut owned = String::new();
                owned.try_reserve_exact(name.len()).map_err(oom)?;
                owned.push_str(name);
                self.add_node(dir, &owned, true, options.mode, Body::File(FileData::default()))?
            }
        };
        let handle = FileHandle {
            node: id,
            position: 0,
            writable: options.write,
            append: options.append,
            attrs: !h.read_only,
        };
        self.add_handle(Handle::File(handle))
    }

    /// `create`: `open` with write, create and truncate.
    pub fn create(&mut self, badge: u32, path: &str) -> Result<u32, CapError> {
        self.open(
            badge,
            path,
            OpenOptions { write: true, create: true, truncate: true, ..OpenOptions::default() },
        )
    }

    /// `mkdir`: a new, empty, writable directory with the bits
    /// [`DEFAULT_DIR_MODE`].
    pub fn mkdir(&mut self, badge: u32, path: &str) -> Result<(), CapError> {
        self.mkdir_mode(badge, path, DEFAULT_DIR_MODE)
    }

    /// `mkdir` with these permission bits.
    pub fn mkdir_mode(&mut self, badge: u32, path: &str, mode: u16) -> Result<(), CapError> {
        let h = self.dir_handle(badge)?;
        let p = Path::parse(path)?;
        let Some((dir, name)) = self.lookup_parent(&h, &p)? else {
            self.lookup(&h, &p)?;
            return Err(CapError::AlreadyExists);
        };
        if self.node(dir)?.entries()?.contains_key(name) {
            return Err(CapError::AlreadyExists);
        }
        self.check_dir_mutable(&h, dir)?;
        self.add_node(dir, name, true, mode, Body::Dir(BTreeMap::new())).map(|_| ())
    }

    /// `remove`: takes a file or an empty directory out of the tree (see
    /// the crate docs for open nodes).
    pub fn remove(&mut self, badge: u32, path: &str) -> Result<(), CapError> {
        let h = self.dir_handle(badge)?;
        let p = Path::parse(path)?;
        let Some((dir, name)) = self.lookup_parent(&h, &p)? else {
            self.lookup(&h, &p)?;
            return Err(CapError::InvalidArgument);
        };
        let id = *self.node(dir)?.entries()?.get(name).ok_or(CapError::NotFound)?;
        self.check_dir_mutable(&h, dir)?;
        let node = self.node(id)?;
        match &node.body {
            Body::File(_) | Body::Symlink(_) if p.dir_only => return Err(CapError::NotADirectory),
            Body::Dir(entries) if !entries.is_empty() => return Err(CapError::DirectoryNotEmpty),
            _ => {}
        }
        if !node.writable {
            return Err(CapError::ReadOnly);
        }
        self.unlink(dir, name)
    }

    /// `rename`: moves a node within the handle's tree, replacing a file
    /// or an empty directory at `to`. Renaming a node onto itself does
    /// nothing.
    pub fn rename(&mut self, badge: u32, from: &str, to: &str) -> Result<(), CapError> {
        let h = self.dir_handle(badge)?;
        let (pf, pt) = (Path::parse(from)?, Path::parse(to)?);
        let source = self.lookup_parent(&h, &pf)?;
        let target = self.lookup_parent(&h, &pt)?;
        let (Some((from_dir, from_name)), Some((to_dir, to_name))) = (source, target) else {
            return Err(CapError::InvalidArgument);
        };
        let id = *self.node(from_dir)?.entries()?.get(from_name).ok_or(CapError::NotFound)?;
        self.check_dir_mutable(&h, from_dir)?;
        self.check_dir_mutable(&h, to_dir)?;
        let node = self.node(id)?;
        let kind = node.kind();
        if kind != NodeKind::Directory && (pf.dir_only || pt.dir_only) {
            return Err(CapError::NotADirectory);
        }
        if !node.writable {
            return Err(CapError::ReadOnly);
        }
        if kind == NodeKind::Directory {
            // `to_dir` must not be the moved directory or inside it.
            let mut cur = to_dir;
            loop {
                if cur == id {
                    return Err(CapError::InvalidArgument);
                }
                let parent = self.node(cur)?.parent;
                if parent == cur {
                    break;
                }
                cur = parent;
            }
        }
        if let Some(&existing) = self.node(to_dir)?.entries()?.get(to_name) {
            if existing == id {
                return Ok(());
            }
            let victim = self.node(existing)?;
            match (&victim.body, kind) {
                (Body::Dir(_), NodeKind::File | NodeKind::Symlink) => return Err(CapError::IsADirectory),
                (Body::File(_) | Body::Symlink(_), NodeKind::Directory) => {
                    return Err(CapError::NotADirectory);
                }
                (Body::Dir(entries), _) if !entries.is_empty() => return Err(CapError::DirectoryNotEmpty),
                _ => {}
            }
            if !victim.writable {
                return Err(CapError::ReadOnly);
            }
        }
        let mut owned = String::new();
        owned.try_reserve_exact(to_name.len()).map_err(oom)?;
        owned.push_str(to_name);
        if self.node(to_dir)?.entries()?.contains_key(to_name) {
            self.unlink(to_dir, to_name)?;
        }
        if let Body::Dir(entries) = &mut self.node_mut(from_dir)?.body {
            entries.remove(from_name);
        }
        if let Body::Dir(entries) = &mut self.node_mut(to_dir)?.body {
            entries.insert(owned, id);
        }
        self.node_mut(id)?.parent = to_dir;
        self.touch_modified(from_dir)?;
        self.touch_modified(to_dir)?;
        self.touch_changed(id)
    }

    /// `stat`: what `path` is.
    pub fn stat(&self, badge: u32, path: &str) -> Result<NodeInfo, CapError> {
        let h = self.dir_handle(badge)?;
        let id = self.lookup(&h, &Path::parse(path)?)?;
        self.info(id, self.node(id)?.writable && !h.read_only)
    }

    /// `link`: gives the file at `from` the further name `to` (which must
    /// not exist), within the handle's tree. A directory cannot be linked
    /// (`IsADirectory`); a read-only file neither (`ReadOnly`); past
    /// [`MAX_LINKS`] names it is `TooLarge`.
    pub fn link(&mut self, badge: u32, from: &str, to: &str) -> Result<(), CapError> {
        let h = self.dir_handle(badge)?;
        let (pf, pt) = (Path::parse(from)?, Path::parse(to)?);
        // As Linux's `link`: a link at `from` is not followed.
        let id = self.lookup_node(&h, &pf, false)?;
        let Some((to_dir, to_name)) = self.lookup_parent(&h, &pt)? else {
            self.lookup(&h, &pt)?;
            return Err(CapError::AlreadyExists);
        };
        if self.node(to_dir)?.entries()?.contains_key(to_name) {
            return Err(CapError::AlreadyExists);
        }
        let node = self.node(id)?;
        if node.kind() == NodeKind::Directory {
            return Err(CapError::IsADirectory);
        }
        if pt.dir_only {
            return Err(CapError::NotADirectory);
        }
        self.check_dir_mutable(&h, to_dir)?;
        if !node.writable {
            return Err(CapError::ReadOnly);
        }
        if node.links >= MAX_LINKS {
            return Err(CapError::TooLarge);
        }
        let mut owned = String::new();
        owned.try_reserve_exact(to_name.len()).map_err(oom)?;
        owned.push_str(to_name);
        if let Body::Dir(entries) = &mut self.node_mut(to_dir)?.body {
            entries.insert(owned, id);
        }
        self.node_mut(id)?.links += 1;
        self.touch_modified(to_dir)?;
        self.touch_changed(id)
    }

    /// `setAttrs`: changes the permission bits and times of the node at
    /// `path` as `change` says (`ctime` becomes now if anything changes).
    /// `ReadOnly` through a read-only handle or on a read-only node.
    pub fn set_attrs(&mut self, badge: u32, path: &str, change: &AttrChange) -> Result<(), CapError> {
        let h = self.dir_handle(badge)?;
        let id = self.lookup(&h, &Path::parse(path)?)?;
        self.change_attrs(id, !h.read_only, change)
    }

    /// `File.setAttrs`: [`Self::set_attrs`] on the open file (allowed
    /// whether or not it was opened for writing, unless it was opened
    /// through a read-only handle).
    pub fn file_set_attrs(&mut self, badge: u32, change: &AttrChange) -> Result<(), CapError> {
        let f = self.file_handle(badge)?;
        self.change_attrs(f.node, f.attrs, change)
    }

    pub(crate) fn change_attrs(
        &mut self,
        id: NodeId,
        allowed: bool,
        change: &AttrChange,
    ) -> Result<(), CapError> {
        if *change == AttrChange::default() {
            return Ok(());
        }
        if !allowed || !self.node(id)?.writable {
            return Err(CapError::ReadOnly);
        }
        let now = self.now;
        let pick = |c: TimeChange, old: Timestamp| match c {
            TimeChange::Keep => old,
            TimeChange::Now => now,
            TimeChange::At(t) => t,
        };
        let node = self.node_mut(id)?;
        if let Some(mode) = change.mode {
            node.mode = mode & MODE_BITS;
        }
        node.atime = pick(change.atime, node.atime);
        node.mtime = pick(change.mtime, node.mtime);
        node.ctime = now;
        Ok(())
    }

    /// `openDir`: a new Directory handle rooted at `path` (read-only if
    /// this one is or `read_only` asks); returns its badge.
    pub fn open_dir(&mut self, badge: u32, path: &str, read_only: bool) -> Result<u32, CapError> {
        let h = self.dir_handle(badge)?;
        let id = self.lookup(&h, &Path::parse(path)?)?;
        self.node(id)?.entries()?;
        self.add_handle(Handle::Dir(DirHandle { node: id, root: id, read_only: h.read_only || read_only }))
    }

    // -- File --------------------------------------------------------------

    /// `read`: up to `count` bytes (at most [`MAX_IO`]) from the position,
    /// advancing it; empty at the end.
    pub fn read(&mut self, badge: u32, count: u32) -> Result<Vec<u8>, CapError> {
        let f = self.file_handle(badge)?;
        let data = self.pread_node(f.node, f.position, count)?;
        self.file_handle_mut(badge)?.position = f.position + data.len() as u64;
        if count > 0 {
            self.touch_accessed(f.node)?;
        }
        Ok(data)
    }

    /// `write`: at most [`MAX_IO`] bytes of `data` at the position (at the
    /// end in append mode), advancing it; returns how many were written.
    pub fn write(&mut self, badge: u32, data: &[u8]) -> Result<u64, CapError> {
        let f = self.file_handle(badge)?;
        if !f.writable {
            return Err(CapError::ReadOnly);
        }
        let at = if f.append { self.node(f.node)?.size() } else { f.position };
        let n = self.pwrite_node(f.node, at, data)?;
        self.file_handle_mut(badge)?.position = at + n;
        Ok(n)
    }

    /// `seek`: moves the position; returns it. A position before the start
    /// or past `i64::MAX` is `InvalidArgument`; past the end is allowed.
    pub fn seek(&mut self, badge: u32, offset: i64, whence: Whence) -> Result<u64, CapError> {
        let f = self.file_handle(badge)?;
        let base = match whence {
            Whence::Start => 0,
            Whence::Current => f.position,
            Whence::End => self.node(f.node)?.size(),
        };
        let target = i128::from(base) + i128::from(offset);
        if !(0..=i128::from(i64::MAX)).contains(&target) {
            return Err(CapError::InvalidArgument);
        }
        let position = target as u64;
        self.file_handle_mut(badge)?.position = position;
        Ok(position)
    }

    /// `pread`: like `read` at `offset`, without moving the position.
    pub fn pread(&mut self, badge: u32, offset: u64, count: u32) -> Result<Vec<u8>, CapError> {
        let f = self.file_handle(badge)?;
        let data = self.pread_node(f.node, offset, count)?;
        if count > 0 {
            self.touch_accessed(f.node)?;
        }
        Ok(data)
    }

    /// `pwrite`: like `write` at `offset` (even in append mode), without
    /// moving the position.
    pub fn pwrite(&mut self, badge: u32, offset: u64, data: &[u8]) -> Result<u64, CapError> {
        let f = self.file_handle(badge)?;
        if !f.writable {
            return Err(CapError::ReadOnly);
        }
        self.pwrite_node(f.node, offset, data)
    }

    fn pread_node(&self, id: NodeId, offset: u64, count: u32) -> Result<Vec<u8>, CapError> {
        let Body::File(data) = &self.node(id)?.body else { return Err(CapError::IsADirectory) };
        data.read_at(offset, (count as usize).min(MAX_IO))
    }

    fn pwrite_node(&mut self, id: NodeId, offset: u64, data: &[u8]) -> Result<u64, CapError> {
        let chunk = &data[..data.len().min(MAX_IO)];
        self.write_node(id, offset, chunk)?;
        Ok(chunk.len() as u64)
    }

    /// `File.stat`.
    pub fn file_stat(&self, badge: u32) -> Result<NodeInfo, CapError> {
        let f = self.file_handle(badge)?;
        self.info(f.node, f.writable && self.node(f.node)?.writable)
    }

    /// `truncate`: sets the size (growing adds zeros).
    pub fn truncate(&mut self, badge: u32, size: u64) -> Result<(), CapError> {
        let f = self.file_handle(badge)?;
        if !f.writable {
            return Err(CapError::ReadOnly);
        }
        self.resize_node(f.node, size)
    }

    /// `sync`: nothing to do in RAM; `InvalidCap` for a closed handle.
    pub fn sync(&self, badge: u32) -> Result<(), CapError> {
        self.file_handle(badge).map(|_| ())
    }

    /// `close`: ends the open file for every copy of its cap. The badge
    /// stays taken (calls on it fail with `InvalidCap`) until
    /// [`Self::release`].
    pub fn close(&mut self, badge: u32) -> Result<(), CapError> {
        let f = self.file_handle(badge)?;
        self.handles.insert(badge, Handle::Closed);
        self.drop_ref(f.node);
        Ok(())
    }

    /// The last cap with `badge` is gone (a release notice), or the cap
    /// was never handed out: forgets the handle and frees its badge. The
    /// root handle and unknown badges are left alone.
    pub fn release(&mut self, badge: u32) {
        if badge == ROOT_BADGE {
            return;
        }
        match self.handles.remove(&badge) {
            Some(Handle::Dir(d)) => self.drop_ref(d.node),
            Some(Handle::File(f)) => self.drop_ref(f.node),
            Some(Handle::Closed) | None => {}
        }
    }

    /// Whether `badge` names a Directory handle (else a File, closed or
    /// unknown one).
    pub fn is_dir_handle(&self, badge: u32) -> bool {
        matches!(self.handles.get(&badge), Some(Handle::Dir(_)))
    }
}
