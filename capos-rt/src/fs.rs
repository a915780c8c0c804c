//! Typed clients for the file service's `Directory` and `File` interfaces
//! (served by `apps/fs`; see `docs/fs.md` and `schema/capos.capnp`).
//!
//! ```ignore
//! let root = Directory::from_caps(&caps, "fs")?;
//! root.mkdir("tmp/notes")?;
//! root.write_file("tmp/notes/a.txt", b"hello")?;
//! let text = root.read_file("tmp/notes/a.txt")?;
//! for entry in root.list("tmp/notes")? {
//!     // entry.name, entry.kind, entry.size
//! }
//! let file = root.open("tmp/log", &OpenOptions::new().write(true).create(true).append(true))?;
//! file.write_all(b"one more line\n")?;
//! // dropping `file` releases its cap
//! ```
//!
//! The clients own their caps, like every client of [`crate::client`]
//! (see [`crate::handle`]): a `File` or `Directory` returned by `open`,
//! `create` or `openDir` is a new cap in this process's table, released
//! when the client is dropped (`release` does it now and reports the
//! error; `File::close` ends the open file for every copy made with
//! `try_clone`). One call moves at most [`MAX_IO`] bytes; [`File::write_all`],
//! [`File::read_to_end`], [`Directory::read_file`] and
//! [`Directory::write_file`] loop for more. A call the service cannot
//! queue yet (`WouldBlock`) is sent again
//! ([`crate::call::call_when_ready`]), so file operations never fail
//! because the service is momentarily behind.

use alloc::string::String;
use alloc::vec::Vec;
use capos_abi::error::CapError;
use capos_config::ring::MAX_PARAMS_LEN;
use capos_schema::{directory, file, interface_id, method};

pub use capos_fs::{AttrChange, DirEntry, NodeInfo, NodeKind, OpenOptions, TimeChange, Timestamp};
pub use capos_schema::Whence;

/// The file service's node kind from the schema's.
fn kind(k: capos_schema::NodeKind) -> NodeKind {
    match k {
        capos_schema::NodeKind::File => NodeKind::File,
        capos_schema::NodeKind::Directory => NodeKind::Directory,
        capos_schema::NodeKind::Symlink => NodeKind::Symlink,
    }
}

use crate::call::{Request, call_when_ready as call};
use crate::caps::Caps;
use crate::client::returned_cap;

/// Most bytes one `read`, `write`, `pread` or `pwrite` moves (60 KiB).
pub const MAX_IO: usize = 60 * 1024;

/// Result buffer for calls that return data or listings: the largest
/// message a server can answer with.
const BIG_RESULT: u32 = MAX_PARAMS_LEN;

/// Result buffer for a read of `count` bytes: the data, and room to
/// spare for the message around it (segment table, pointers, a far
/// pointer's landing pad), at most [`BIG_RESULT`]. A small read then
/// does not allocate and clear the largest buffer.
fn data_result(count: usize) -> u32 {
    u32::try_from(count.min(MAX_IO).saturating_add(1024)).unwrap_or(BIG_RESULT).min(BIG_RESULT)
}

fn malformed<T>(_: T) -> CapError {
    CapError::MalformedParams
}

crate::client::client!(
    /// `Directory`: a directory of the file service and everything under
    /// it (`..` never leaves it).
    Directory,
    interface_id::DIRECTORY
);
crate::client::client!(
    /// `File`: an open file of the file service.
    File,
    interface_id::FILE
);

fn timestamp(r: capnp::Result<capos_schema::timestamp::Reader<'_>>) -> Result<Timestamp, CapError> {
    let r = r.map_err(malformed)?;
    Timestamp::new(r.get_seconds(), r.get_nanos()).map_err(malformed)
}

fn node_info(r: capos_schema::node_info::Reader<'_>) -> Result<NodeInfo, CapError> {
    Ok(NodeInfo {
        kind: kind(r.get_kind().map_err(malformed)?),
        size: r.get_size(),
        writable: r.get_writable(),
        id: r.get_id(),
        mode: r.get_mode(),
        links: r.get_links(),
        atime: timestamp(r.get_atime())?,
        mtime: timestamp(r.get_mtime())?,
        ctime: timestamp(r.get_ctime())?,
    })
}

/// Fills the schema's `AttrChange` from the tree's.
fn attr_change(mut b: capos_schema::attr_change::Builder<'_>, change: &AttrChange) {
    if let Some(mode) = change.mode {
        b.set_set_mode(true);
        b.set_mode(mode);
    }
    let how = |c: TimeChange| match c {
        TimeChange::Keep => capos_schema::TimeSet::Keep,
        TimeChange::Now => capos_schema::TimeSet::Now,
        TimeChange::At(_) => capos_schema::TimeSet::Given,
    };
    b.set_atime(how(change.atime));
    b.set_mtime(how(change.mtime));
    if let TimeChange::At(t) = change.atime {
        let mut g = b.reborrow().init_atime_given();
        g.set_seconds(t.seconds);
        g.set_nanos(t.nanos);
    }
    if let TimeChange::At(t) = change.mtime {
        let mut g = b.init_mtime_given();
        g.set_seconds(t.seconds);
        g.set_nanos(t.nanos);
    }
}

impl Directory {
    /// The entries of the directory at `path` (`""`: this one), sorted by
    /// name: every page of [`Self::list_page`], so a directory of any size.
    pub fn list(&self, path: &str) -> Result<Vec<DirEntry>, CapError> {
        let mut out: Vec<DirEntry> = Vec::new();
        loop {
            let after = out.last().map_or("", |e| e.name.as_str());
            let (page, more) = self.list_page(path, after, 0)?;
            let done = !more || page.is_empty();
            out.try_reserve(page.len()).map_err(|_| CapError::OutOfMemory)?;
            out.extend(page);
            if done {
                return Ok(out);
            }
        }
    }

    /// One page of the entries of the directory at `path`: those whose
    /// names sort after `after` (`""`: from the start), at most `max` (0:
    /// as many as fit one reply); and whether more follow. Reads a
    /// directory of any size page by page, each resuming after the last
    /// name of the one before.
    pub fn list_page(&self, path: &str, after: &str, max: u32) -> Result<(Vec<DirEntry>, bool), CapError> {
        let mut r = self.request(method::directory::LIST_PAGE);
        let mut p = r.params.init_root::<directory::list_page_params::Builder<'_>>();
        p.set_path(path);
        p.set_after(after);
        p.set_max(max);
        r.result_len = BIG_RESULT;
        let reply = call(r)?;
        let res = reply.message.get_root::<directory::list_page_results::Reader<'_>>().map_err(malformed)?;
        let entries = res.get_entries().map_err(malformed)?;
        let mut out = Vec::new();
        out.try_reserve_exact(entries.len() as usize).map_err(|_| CapError::OutOfMemory)?;
        for e in entries {
            let name = e.get_name().map_err(malformed)?.to_str().map_err(malformed)?;
            out.push(DirEntry {
                name: String::from(name),
                kind: kind(e.get_kind().map_err(malformed)?),
                size: e.get_size(),
                id: e.get_id(),
            });
        }
        Ok((out, res.get_more()))
    }

    /// Opens the file at `path` as `options` say.
    pub fn open(&self, path: &str, options: &OpenOptions) -> Result<File, CapError> {
        let mut r = self.request(method::directory::OPEN);
        {
            let mut p = r.params.init_root::<directory::open_params::Builder<'_>>();
            p.set_path(path);
            p.set_write(options.write);
            p.set_create(options.create);
            p.set_exclusive(options.exclusive);
            p.set_truncate(options.truncate);
            p.set_append(options.append);
            p.set_mode(options.mode);
            p.set_no_follow(options.no_follow);
        }
        r.caps_in_max = 1;
        let reply = call(r)?;
        let res = reply.message.get_root::<directory::open_results::Reader<'_>>().map_err(malformed)?;
        returned_cap(&reply, res.get_file())
    }

    /// Creates (or empties) the file at `path`, open for writing.
    pub fn create(&self, path: &str) -> Result<File, CapError> {
        let mut r = self.request(method::directory::CREATE);
        r.params.init_root::<directory::create_params::Builder<'_>>().set_path(path);
        r.caps_in_max = 1;
        let reply = call(r)?;
        let res = reply.message.get_root::<directory::create_results::Reader<'_>>().map_err(malformed)?;
        returned_cap(&reply, res.get_file())
    }

    /// Makes the directory `path` (permission bits 0o755).
    pub fn mkdir(&self, path: &str) -> Result<(), CapError> {
        self.mkdir_mode(path, capos_fs::DEFAULT_DIR_MODE)
    }

    /// Makes the directory `path` with the permission bits `mode`.
    pub fn mkdir_mode(&self, path: &str, mode: u16) -> Result<(), CapError> {
        let mut r = self.request(method::directory::MKDIR);
        {
            let mut p = r.params.init_root::<directory::mkdir_params::Builder<'_>>();
            p.set_path(path);
            p.set_mode(mode);
        }
        call(r).map(|_| ())
    }

    /// Gives the file `from` the further name `to` (a hard link).
    pub fn link(&self, from: &str, to: &str) -> Result<(), CapError> {
        let mut r = self.request(method::directory::LINK);
        {
            let mut p = r.params.init_root::<directory::link_params::Builder<'_>>();
            p.set_from(from);
            p.set_to(to);
        }
        call(r).map(|_| ())
    }

    /// Makes a symbolic link at `path` holding `target`.
    pub fn symlink(&self, target: &str, path: &str) -> Result<(), CapError> {
        let mut r = self.request(method::directory::SYMLINK);
        {
            let mut p = r.params.init_root::<directory::symlink_params::Builder<'_>>();
            p.set_target(target);
            p.set_path(path);
        }
        call(r).map(|_| ())
    }

    /// The target of the symbolic link at `path`.
    pub fn readlink(&self, path: &str) -> Result<String, CapError> {
        let mut r = self.request(method::directory::READLINK);
        r.params.init_root::<directory::readlink_params::Builder<'_>>().set_path(path);
        r.result_len = BIG_RESULT;
        let reply = call(r)?;
        let res = reply.message.get_root::<directory::readlink_results::Reader<'_>>().map_err(malformed)?;
        let target = res.get_target().map_err(malformed)?.to_str().map_err(malformed)?;
        let mut out = String::new();
        out.try_reserve_exact(target.len()).map_err(|_| CapError::OutOfMemory)?;
        out.push_str(target);
        Ok(out)
    }

    /// Changes the permission bits and times of the node at `path`.
    pub fn set_attrs(&self, path: &str, change: &AttrChange) -> Result<(), CapError> {
        self.set_attrs_at(path, change, false)
    }

    /// [`Self::set_attrs`] on a final symbolic link itself when
    /// `no_follow` (its times; its bits are `Unsupported`).
    pub fn set_attrs_at(&self, path: &str, change: &AttrChange, no_follow: bool) -> Result<(), CapError> {
        let mut r = self.request(method::directory::SET_ATTRS);
        {
            let mut p = r.params.init_root::<directory::set_attrs_params::Builder<'_>>();
            p.set_path(path);
            p.set_no_follow(no_follow);
            attr_change(p.init_change(), change);
        }
        call(r).map(|_| ())
    }

    /// Removes a file or an empty directory.
    pub fn remove(&self, path: &str) -> Result<(), CapError> {
        let mut r = self.request(method::directory::REMOVE);
        r.params.init_root::<directory::remove_params::Builder<'_>>().set_path(path);
        call(r).map(|_| ())
    }

    /// Moves `from` to `to` (replacing a file or an empty directory there).
    pub fn rename(&self, from: &str, to: &str) -> Result<(), CapError> {
        let mut r = self.request(method::directory::RENAME);
        {
            let mut p = r.params.init_root::<directory::rename_params::Builder<'_>>();
            p.set_from(from);
            p.set_to(to);
        }
        call(r).map(|_| ())
    }

    /// What `path` is (`""`: this directory), a final symbolic link
    /// followed.
    pub fn stat(&self, path: &str) -> Result<NodeInfo, CapError> {
        self.stat_follow(path, true)
    }

    /// What `path` is; with `follow` false a final symbolic link is not
    /// followed (POSIX `lstat`).
    pub fn stat_follow(&self, path: &str, follow: bool) -> Result<NodeInfo, CapError> {
        let mut r = self.request(method::directory::STAT);
        {
            let mut p = r.params.init_root::<directory::stat_params::Builder<'_>>();
            p.set_path(path);
            p.set_follow(follow);
        }
        let reply = call(r)?;
        let res = reply.message.get_root::<directory::stat_results::Reader<'_>>().map_err(malformed)?;
        node_info(res.get_info().map_err(malformed)?)
    }

    /// A Directory cap rooted at `path`; `read_only` drops the right to
    /// change anything through it (rights are never gained).
    pub fn open_dir(&self, path: &str, read_only: bool) -> Result<Directory, CapError> {
        let mut r = self.request(method::directory::OPEN_DIR);
        {
            let mut p = r.params.init_root::<directory::open_dir_params::Builder<'_>>();
            p.set_path(path);
            p.set_read_only(read_only);
        }
        r.caps_in_max = 1;
        let reply = call(r)?;
        let res = reply.message.get_root::<directory::open_dir_results::Reader<'_>>().map_err(malformed)?;
        returned_cap(&reply, res.get_dir())
    }

    /// The whole contents of the file at `path`.
    pub fn read_file(&self, path: &str) -> Result<Vec<u8>, CapError> {
        let f = self.open(path, &OpenOptions::new())?;
        let data = f.read_to_end();
        let released = f.release();
        let data = data?;
        released.map(|()| data)
    }

    /// Creates (or empties) the file at `path` and writes `data` to it.
    pub fn write_file(&self, path: &str, data: &[u8]) -> Result<(), CapError> {
        let f = self.create(path)?;
        let written = f.write_all(data);
        let released = f.release();
        written.and(released)
    }
}

impl File {
    /// Up to `count` bytes (at most [`MAX_IO`]) from the position,
    /// advancing it; empty at the end.
    pub fn read(&self, count: u32) -> Result<Vec<u8>, CapError> {
        let mut out = Vec::new();
        self.read_append(count, &mut out)?;
        Ok(out)
    }

    /// [`Self::read`] into `out` (at most its length and [`MAX_IO`]), with
    /// no copy of the data between the reply and `out`; returns how many
    /// bytes came.
    pub fn read_into(&self, out: &mut [u8]) -> Result<usize, CapError> {
        let count = out.len().min(MAX_IO) as u32;
        let mut r = self.request(method::file::READ);
        r.params.init_root::<file::read_params::Builder<'_>>().set_count(count);
        r.result_len = data_result(count as usize);
        let reply = call(r)?;
        let res = reply.message.get_root::<file::read_results::Reader<'_>>().map_err(malformed)?;
        copy_data(res.get_data().map_err(malformed)?, out)
    }

    /// [`Self::read`] appending to `out` (which grows by what came, with
    /// no copy in between); returns how many bytes came.
    pub fn read_append(&self, count: u32, out: &mut Vec<u8>) -> Result<usize, CapError> {
        let mut r = self.request(method::file::READ);
        r.params.init_root::<file::read_params::Builder<'_>>().set_count(count);
        r.result_len = data_result(count as usize);
        let reply = call(r)?;
        let res = reply.message.get_root::<file::read_results::Reader<'_>>().map_err(malformed)?;
        let data = res.get_data().map_err(malformed)?;
        out.try_reserve(data.len()).map_err(|_| CapError::OutOfMemory)?;
        out.extend_from_slice(data);
        Ok(data.len())
    }

    /// Writes at most [`MAX_IO`] bytes of `data` at the position (the end
    /// in append mode), advancing it; returns how many were written.
    pub fn write(&self, data: &[u8]) -> Result<u64, CapError> {
        let mut r = self.request(method::file::WRITE);
        r.params.init_root::<file::write_params::Builder<'_>>().set_data(&data[..data.len().min(MAX_IO)]);
        let reply = call(r)?;
        Ok(reply.message.get_root::<file::write_results::Reader<'_>>().map_err(malformed)?.get_written())
    }

    /// Moves the position; returns the new one.
    pub fn seek(&self, offset: i64, whence: Whence) -> Result<u64, CapError> {
        let mut r = self.request(method::file::SEEK);
        {
            let mut p = r.params.init_root::<file::seek_params::Builder<'_>>();
            p.set_offset(offset);
            p.set_whence(whence);
        }
        let reply = call(r)?;
        Ok(reply.message.get_root::<file::seek_results::Reader<'_>>().map_err(malformed)?.get_position())
    }

    /// Up to `count` bytes (at most [`MAX_IO`]) from `offset`; the
    /// position does not move.
    pub fn pread(&self, offset: u64, count: u32) -> Result<Vec<u8>, CapError> {
        let mut r = self.request(method::file::PREAD);
        {
            let mut p = r.params.init_root::<file::pread_params::Builder<'_>>();
            p.set_offset(offset);
            p.set_count(count);
        }
        r.result_len = data_result(count as usize);
        let reply = call(r)?;
        let res = reply.message.get_root::<file::pread_results::Reader<'_>>().map_err(malformed)?;
        Ok(res.get_data().map_err(malformed)?.to_vec())
    }

    /// [`Self::pread`] into `out` (at most its length and [`MAX_IO`]), with
    /// no copy of the data between the reply and `out`; returns how many
    /// bytes came.
    pub fn pread_into(&self, offset: u64, out: &mut [u8]) -> Result<usize, CapError> {
        let mut r = self.request(method::file::PREAD);
        {
            let mut p = r.params.init_root::<file::pread_params::Builder<'_>>();
            p.set_offset(offset);
            p.set_count(out.len().min(MAX_IO) as u32);
        }
        r.result_len = data_result(out.len());
        let reply = call(r)?;
        let res = reply.message.get_root::<file::pread_results::Reader<'_>>().map_err(malformed)?;
        copy_data(res.get_data().map_err(malformed)?, out)
    }

    /// Writes at most [`MAX_IO`] bytes of `data` at `offset` (a gap past
    /// the end reads as zeros); the position does not move.
    pub fn pwrite(&self, offset: u64, data: &[u8]) -> Result<u64, CapError> {
        let mut r = self.request(method::file::PWRITE);
        {
            let mut p = r.params.init_root::<file::pwrite_params::Builder<'_>>();
            p.set_offset(offset);
            p.set_data(&data[..data.len().min(MAX_IO)]);
        }
        let reply = call(r)?;
        Ok(reply.message.get_root::<file::pwrite_results::Reader<'_>>().map_err(malformed)?.get_written())
    }

    /// Size, kind and whether this File may write.
    pub fn stat(&self) -> Result<NodeInfo, CapError> {
        let reply = call(self.request(method::file::STAT))?;
        let res = reply.message.get_root::<file::stat_results::Reader<'_>>().map_err(malformed)?;
        node_info(res.get_info().map_err(malformed)?)
    }

    /// Sets the size (growing adds zeros).
    pub fn truncate(&self, size: u64) -> Result<(), CapError> {
        let mut r = self.request(method::file::TRUNCATE);
        r.params.init_root::<file::truncate_params::Builder<'_>>().set_size(size);
        call(r).map(|_| ())
    }

    /// Nothing to do for the RAM tree; kept for files on disk.
    pub fn sync(&self) -> Result<(), CapError> {
        call(self.request(method::file::SYNC)).map(|_| ())
    }

    /// Ends the open file for every copy of this cap (later calls fail
    /// with `InvalidCap`). The cap itself stays until the client is dropped.
    pub fn close(&self) -> Result<(), CapError> {
        call(self.request(method::file::CLOSE)).map(|_| ())
    }

    /// Changes the permission bits and times of this file.
    pub fn set_attrs(&self, change: &AttrChange) -> Result<(), CapError> {
        let mut r = self.request(method::file::SET_ATTRS);
        attr_change(r.params.init_root::<file::set_attrs_params::Builder<'_>>().init_change(), change);
        call(r).map(|_| ())
    }

    /// Writes all of `data` at the position, [`MAX_IO`] bytes per call.
    pub fn write_all(&self, data: &[u8]) -> Result<(), CapError> {
        let mut rest = data;
        while !rest.is_empty() {
            let n = self.write(rest)? as usize;
            if n == 0 || n > rest.len() {
                return Err(CapError::NoSpace);
            }
            rest = &rest[n..];
        }
        Ok(())
    }

    /// Everything from the position to the end.
    pub fn read_to_end(&self) -> Result<Vec<u8>, CapError> {
        self.read_to_end_sized(0)
    }

    /// [`Self::read_to_end`] into a buffer reserved for `size` bytes (the
    /// file's size, if known), so a file of that size is read with no
    /// reallocation.
    pub fn read_to_end_sized(&self, size: usize) -> Result<Vec<u8>, CapError> {
        let mut out = Vec::new();
        out.try_reserve_exact(size).map_err(|_| CapError::OutOfMemory)?;
        while self.read_append(MAX_IO as u32, &mut out)? > 0 {}
        Ok(out)
    }
}

/// Copies a reply's `data` into `out`: `MalformedParams` if the server
/// sent more than was asked for.
fn copy_data(data: &[u8], out: &mut [u8]) -> Result<usize, CapError> {
    let into = out.get_mut(..data.len()).ok_or(CapError::MalformedParams)?;
    into.copy_from_slice(data);
    Ok(data.len())
}
