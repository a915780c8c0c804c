//! `fd_*`: reads, writes, seeks, stat (the file service's node numbers,
//! links and times) and flags of open fds, times, directory listings
//! (`fd_readdir` with cookies), preopen names and renumbering.

use alloc::string::String;
use alloc::vec::Vec;

use capos_rt::fs::{AttrChange, DirEntry, MAX_IO, NodeInfo, NodeKind, TimeChange, Timestamp, Whence};

use crate::errno::{Errno, WasiResult};
use crate::fds::{FileFd, Object, filetype, node_filetype, rights};
use crate::guest::{Guest, total_length};
use crate::host::Host;

/// Most bytes one `fd_read` or `fd_write` moves (WASI allows short reads
/// and writes; callers loop): a module's iovecs may alias, so what they
/// add up to is not bounded by its memory.
pub const MAX_TRANSFER: usize = 1 << 20;

/// `__WASI_FDFLAGS_APPEND`.
pub const FDFLAGS_APPEND: u16 = 1;
/// The fd flags a module may set (`APPEND`, `DSYNC`, `NONBLOCK`, `RSYNC`,
/// `SYNC`); only `APPEND` changes anything (the RAM tree has nothing to
/// sync, and nothing here blocks differently).
const FDFLAGS_ALL: u16 = 0x1f;

fn file(host: &Host, fd: u32, right: u64) -> WasiResult<&FileFd> {
    let entry = host.fds.get(fd)?;
    match &entry.object {
        Object::File(f) if entry.rights_base & right != 0 => Ok(f),
        Object::File(_) => Err(Errno::BADF),
        Object::Dir(_) => Err(Errno::ISDIR),
        _ => Err(Errno::SPIPE),
    }
}

/// Reads up to `count` bytes from `fd` (at `offset` for `fd_pread`).
fn read_bytes(host: &Host, fd: u32, count: usize, offset: Option<u64>) -> WasiResult<Vec<u8>> {
    let entry = host.fds.get(fd)?;
    if entry.rights_base & rights::FD_READ == 0 {
        return Err(Errno::BADF);
    }
    match &entry.object {
        Object::Stdin => {
            if offset.is_some() {
                return Err(Errno::SPIPE);
            }
            match capos_rt::stdio::stdin() {
                Some(terminal) => Ok(terminal.read(count.min(MAX_IO))?),
                None => Ok(Vec::new()),
            }
        }
        Object::File(f) => {
            let mut out = Vec::new();
            while out.len() < count {
                let ask = (count - out.len()).min(MAX_IO);
                let data = match offset {
                    Some(at) => f.file.pread(at + out.len() as u64, ask as u32)?,
                    None => f.file.read(ask as u32)?,
                };
                out.extend_from_slice(&data);
                if data.len() < ask {
                    break;
                }
            }
            Ok(out)
        }
        Object::Null | Object::Pipe(_) if offset.is_some() => Err(Errno::SPIPE),
        Object::Null => Ok(Vec::new()),
        Object::Pipe(_) if count == 0 => Ok(Vec::new()),
        Object::Pipe(p) => Ok(p.pipe.read(count.clamp(1, PIPE_IO) as u32, false)?),
        Object::Dir(_) => Err(Errno::ISDIR),
        Object::Stdout | Object::Stderr => Err(Errno::BADF),
    }
}

/// Writes `data` to `fd` (at `offset` for `fd_pwrite`); returns how many
/// bytes went.
fn write_bytes(host: &Host, fd: u32, data: &[u8], offset: Option<u64>) -> WasiResult<usize> {
    let entry = host.fds.get(fd)?;
    if entry.rights_base & rights::FD_WRITE == 0 {
        return Err(Errno::BADF);
    }
    match &entry.object {
        Object::Stdout | Object::Stderr if offset.is_some() => Err(Errno::SPIPE),
        Object::Stdout => output(&capos_rt::stdio::stdout(), data),
        Object::Stderr => output(&capos_rt::stdio::stderr(), data),
        Object::File(f) => {
            let mut done = 0;
            while done < data.len() {
                let chunk = &data[done..data.len().min(done + MAX_IO)];
                let n = match offset {
                    Some(at) => f.file.pwrite(at + done as u64, chunk)?,
                    None => {
                        if entry.flags & FDFLAGS_APPEND != 0 {
                            f.file.seek(0, Whence::End)?;
                        }
                        f.file.write(chunk)?
                    }
                } as usize;
                done += n;
                if n < chunk.len() {
                    break;
                }
            }
            Ok(done)
        }
        Object::Null | Object::Pipe(_) if offset.is_some() => Err(Errno::SPIPE),
        Object::Null => Ok(data.len()),
        Object::Pipe(p) => {
            // A blocking write goes in whole unless the readers are gone
            // (`EPIPE`, after what went in).
            let mut done = 0;
            for chunk in data.chunks(PIPE_IO) {
                match p.pipe.write(chunk, false) {
                    Ok(n) => done += n as usize,
                    Err(e) if done == 0 => return Err(e.into()),
                    Err(_) => break,
                }
            }
            Ok(done)
        }
        Object::Dir(_) => Err(Errno::ISDIR),
        Object::Stdin => Err(Errno::BADF),
    }
}

/// Most bytes one pipe call moves (the kernel pipe's limit).
const PIPE_IO: usize = 64 * 1024;

/// Writes `data` to stdout or stderr in pieces of at most [`MAX_IO`]
/// bytes (a terminal or console call carries one message of at most 64
/// KiB, its header included).
fn output(out: &capos_rt::stdio::Output, data: &[u8]) -> WasiResult<usize> {
    for chunk in data.chunks(MAX_IO) {
        out.write(chunk)?;
    }
    Ok(data.len())
}

/// `fd_read(fd, iovs, iovs_len, nread)`, and `fd_pread` (the same with
/// `offset`, on files only; the position is kept).
pub fn read(
    host: &mut Host,
    guest: &mut Guest,
    fd: u32,
    iovs: u32,
    count: u32,
    offset: Option<u64>,
    nread: u32,
) -> WasiResult {
    let iovecs = guest.iovecs(iovs, count)?;
    if offset.is_some() {
        file(host, fd, rights::FD_READ)?;
    }
    let data = read_bytes(host, fd, total_length(&iovecs).min(MAX_TRANSFER), offset)?;
    let n = guest.scatter(&iovecs, &data)?;
    guest.put_u32(nread, n as u32)
}

/// `fd_write(fd, iovs, iovs_len, nwritten)` (the buffers go in one
/// write), and `fd_pwrite` (the same with `offset`, on files only).
pub fn write(
    host: &mut Host,
    guest: &mut Guest,
    fd: u32,
    iovs: u32,
    count: u32,
    offset: Option<u64>,
    nwritten: u32,
) -> WasiResult {
    let iovecs = guest.iovecs(iovs, count)?;
    if offset.is_some() {
        file(host, fd, rights::FD_WRITE)?;
    }
    let data = guest.gather(&iovecs, MAX_TRANSFER)?;
    let n = write_bytes(host, fd, &data, offset)?;
    guest.put_u32(nwritten, n as u32)
}

/// `fd_seek(fd, offset, whence, newoffset)`.
pub fn seek(
    host: &mut Host,
    guest: &mut Guest,
    fd: u32,
    offset: i64,
    whence: u32,
    result: u32,
) -> WasiResult {
    let whence = match whence {
        0 => Whence::Start,
        1 => Whence::Current,
        2 => Whence::End,
        _ => return Err(Errno::INVAL),
    };
    let entry = host.fds.get(fd)?;
    let position = match &entry.object {
        Object::File(f) => f.file.seek(offset, whence)?,
        Object::Dir(_) => return Err(Errno::BADF),
        _ => return Err(Errno::SPIPE),
    };
    guest.put_u64(result, position)
}

/// `fd_tell(fd, offset)`.
pub fn tell(host: &mut Host, guest: &mut Guest, fd: u32, result: u32) -> WasiResult {
    seek(host, guest, fd, 0, 1, result)
}

/// `fd_close(fd)`.
pub fn close(host: &mut Host, fd: u32) -> WasiResult {
    drop(host.fds.remove(fd)?);
    Ok(())
}

/// `fd_sync(fd)` and `fd_datasync(fd)`.
pub fn sync(host: &mut Host, fd: u32) -> WasiResult {
    match &host.fds.get(fd)?.object {
        Object::File(f) => Ok(f.file.sync()?),
        Object::Dir(_) => Ok(()),
        _ => Err(Errno::INVAL),
    }
}

/// `fd_advise(fd, offset, len, advice)`: checked, then nothing to do.
pub fn advise(host: &mut Host, fd: u32, _offset: u64, _length: u64, advice: u32) -> WasiResult {
    if advice > 5 {
        return Err(Errno::INVAL);
    }
    match &host.fds.get(fd)?.object {
        Object::File(_) => Ok(()),
        Object::Dir(_) => Err(Errno::BADF),
        _ => Err(Errno::SPIPE),
    }
}

/// `fd_allocate(fd, offset, len)`: the fd is checked, then `ENOTSUP`, as
/// wasmtime answers (Preview 1's `fd_allocate` is deprecated; `ftruncate`
/// grows a file).
pub fn allocate(host: &mut Host, fd: u32, offset: u64, length: u64) -> WasiResult {
    file(host, fd, rights::FD_WRITE)?;
    offset.checked_add(length).ok_or(Errno::FBIG)?;
    Err(Errno::NOTSUP)
}

/// `fd_fdstat_get(fd, stat)`: file type, flags, rights (24 bytes).
pub fn fdstat_get(host: &mut Host, guest: &mut Guest, fd: u32, out: u32) -> WasiResult {
    let entry = host.fds.get(fd)?;
    let kind = match &entry.object {
        Object::Stdin | Object::Stdout | Object::Stderr | Object::Null => filetype::CHARACTER_DEVICE,
        Object::Pipe(_) => filetype::UNKNOWN,
        Object::File(_) => filetype::REGULAR_FILE,
        Object::Dir(_) => filetype::DIRECTORY,
    };
    guest.bytes_mut(out, 24)?.fill(0);
    guest.put_u8(out, kind)?;
    guest.put_u16(out + 2, entry.flags)?;
    guest.put_u64(out + 8, entry.rights_base)?;
    guest.put_u64(out + 16, entry.rights_inheriting)
}

/// `fd_fdstat_set_flags(fd, flags)`.
pub fn fdstat_set_flags(host: &mut Host, fd: u32, flags: u32) -> WasiResult {
    let flags = u16::try_from(flags).ok().filter(|f| f & !FDFLAGS_ALL == 0).ok_or(Errno::INVAL)?;
    let entry = host.fds.get_mut(fd)?;
    entry.flags = flags;
    Ok(())
}

/// `fd_fdstat_set_rights(fd, base, inheriting)`: rights only shrink.
pub fn fdstat_set_rights(host: &mut Host, fd: u32, base: u64, inheriting: u64) -> WasiResult {
    let entry = host.fds.get_mut(fd)?;
    if base & !entry.rights_base != 0 || inheriting & !entry.rights_inheriting != 0 {
        return Err(Errno::NOTCAPABLE);
    }
    entry.rights_base = base;
    entry.rights_inheriting = inheriting;
    Ok(())
}

/// The inode number of a file service node (its number plus one, so
/// never 0).
pub fn inode(info: &NodeInfo) -> u64 {
    info.id + 1
}

/// A time as WASI's nanoseconds since the epoch (0 before it).
fn nanos(t: Timestamp) -> u64 {
    u64::try_from(t.seconds).map_or(0, |s| s.saturating_mul(1_000_000_000).saturating_add(u64::from(t.nanos)))
}

/// Writes a WASI `filestat` (64 bytes) of a file service node: no device,
/// its number, links, size and times.
pub fn put_node_filestat(guest: &mut Guest, out: u32, info: &NodeInfo) -> WasiResult {
    put_filestat(guest, out, inode(info), node_filetype(info.kind), info.size)?;
    guest.put_u64(out + 24, u64::from(info.links))?;
    guest.put_u64(out + 40, nanos(info.atime))?;
    guest.put_u64(out + 48, nanos(info.mtime))?;
    guest.put_u64(out + 56, nanos(info.ctime))
}

/// Writes a WASI `filestat` (64 bytes): no device, inode `ino`, one link,
/// times 0.
fn put_filestat(guest: &mut Guest, out: u32, ino: u64, kind: u8, size: u64) -> WasiResult {
    guest.bytes_mut(out, 64)?.fill(0);
    guest.put_u64(out + 8, ino)?;
    guest.put_u8(out + 16, kind)?;
    guest.put_u64(out + 24, 1)?;
    guest.put_u64(out + 32, size)
}

/// `fd_filestat_get(fd, stat)`.
pub fn filestat_get(host: &mut Host, guest: &mut Guest, fd: u32, out: u32) -> WasiResult {
    let info = match &host.fds.get(fd)?.object {
        Object::Stdin | Object::Stdout | Object::Stderr | Object::Null => {
            return put_filestat(guest, out, u64::from(fd) + 1, filetype::CHARACTER_DEVICE, 0);
        }
        Object::Pipe(_) => return put_filestat(guest, out, u64::from(fd) + 1, filetype::UNKNOWN, 0),
        Object::File(f) => f.file.stat()?,
        Object::Dir(d) => d.root.stat(&d.path)?,
    };
    put_node_filestat(guest, out, &info)
}

/// `__WASI_FSTFLAGS_*`: which times `*_filestat_set_times` sets.
const FSTFLAGS_ATIM: u32 = 1;
const FSTFLAGS_ATIM_NOW: u32 = 2;
const FSTFLAGS_MTIM: u32 = 4;
const FSTFLAGS_MTIM_NOW: u32 = 8;

/// The change `*_filestat_set_times(atim, mtim, fst_flags)` asks for:
/// `EINVAL` for unknown flags or a time both given and now.
pub fn times_change(atim: u64, mtim: u64, flags: u32) -> WasiResult<AttrChange> {
    if flags & !(FSTFLAGS_ATIM | FSTFLAGS_ATIM_NOW | FSTFLAGS_MTIM | FSTFLAGS_MTIM_NOW) != 0 {
        return Err(Errno::INVAL);
    }
    let one = |ns: u64, given: u32, now: u32| match (flags & given != 0, flags & now != 0) {
        (true, true) => Err(Errno::INVAL),
        (true, false) => Ok(TimeChange::At(Timestamp {
            seconds: (ns / 1_000_000_000) as i64,
            nanos: (ns % 1_000_000_000) as u32,
        })),
        (false, true) => Ok(TimeChange::Now),
        (false, false) => Ok(TimeChange::Keep),
    };
    Ok(AttrChange {
        mode: None,
        atime: one(atim, FSTFLAGS_ATIM, FSTFLAGS_ATIM_NOW)?,
        mtime: one(mtim, FSTFLAGS_MTIM, FSTFLAGS_MTIM_NOW)?,
    })
}

/// `fd_filestat_set_times(fd, atim, mtim, fst_flags)`: a file's or
/// directory's times (`EBADF` for stdio and pipes, which keep none).
pub fn filestat_set_times(host: &mut Host, fd: u32, atim: u64, mtim: u64, flags: u32) -> WasiResult {
    let change = times_change(atim, mtim, flags)?;
    match &host.fds.get(fd)?.object {
        Object::File(f) => Ok(f.file.set_attrs(&change)?),
        Object::Dir(d) => Ok(d.root.set_attrs(&d.path, &change)?),
        _ => Err(Errno::BADF),
    }
}

/// `fd_filestat_set_size(fd, size)`.
pub fn filestat_set_size(host: &mut Host, fd: u32, size: u64) -> WasiResult {
    let entry = host.fds.get(fd)?;
    match &entry.object {
        Object::File(f) if entry.rights_base & rights::FD_WRITE != 0 => Ok(f.file.truncate(size)?),
        Object::File(_) => Err(Errno::BADF),
        Object::Dir(_) => Err(Errno::ISDIR),
        _ => Err(Errno::INVAL),
    }
}

/// `fd_prestat_get(fd, prestat)`: a preopened directory and its name's
/// length; `EBADF` for any other fd.
pub fn prestat_get(host: &mut Host, guest: &mut Guest, fd: u32, out: u32) -> WasiResult {
    let name = preopen_name(host, fd)?;
    let length = name.len() as u32;
    guest.put_u32(out, 0)?;
    guest.put_u32(out + 4, length)
}

/// `fd_prestat_dir_name(fd, path, path_len)`.
pub fn prestat_dir_name(host: &mut Host, guest: &mut Guest, fd: u32, path: u32, length: u32) -> WasiResult {
    let name = preopen_name(host, fd)?;
    if (length as usize) < name.len() {
        return Err(Errno::NAMETOOLONG);
    }
    guest.write(path, name.as_bytes())
}

fn preopen_name(host: &Host, fd: u32) -> WasiResult<String> {
    match &host.fds.get(fd)?.object {
        Object::Dir(d) => d.preopen.clone().ok_or(Errno::BADF),
        _ => Err(Errno::BADF),
    }
}

/// `fd_renumber(from, to)`.
pub fn renumber(host: &mut Host, from: u32, to: u32) -> WasiResult {
    host.fds.renumber(from, to)
}

/// `fd_readdir(fd, buf, buf_len, cookie, bufused)`: `.`, `..`, then the
/// entries by name; entry N's `d_next` (the cookie that resumes after it)
/// is N + 1. The buffer is filled to the last byte (the last entry cut
/// short when it does not fit), as the ABI asks: a module that gets a full
/// buffer asks again with a larger one or the next cookie.
pub fn readdir(
    host: &mut Host,
    guest: &mut Guest,
    fd: u32,
    buf: u32,
    length: u32,
    cookie: u64,
    used: u32,
) -> WasiResult {
    let entry = host.fds.get_mut(fd)?;
    let dir = match &mut entry.object {
        Object::Dir(d) => d,
        _ => return Err(Errno::NOTDIR),
    };
    if cookie == 0 || dir.listing.is_empty() {
        let mut listing = Vec::new();
        let dot = |name: &str, path: &str| -> WasiResult<DirEntry> {
            let id = dir.root.stat(path)?.id;
            Ok(DirEntry { name: String::from(name), kind: NodeKind::Directory, size: 0, id })
        };
        // `..` of a preopen's own directory is the preopen (it cannot be
        // left).
        let parent = dir.path.rsplit_once('/').map_or(".", |(p, _)| p);
        listing.push(dot(".", &dir.path)?);
        listing.push(dot("..", parent)?);
        listing.extend(dir.root.list(&dir.path)?);
        dir.listing = listing;
    }
    guest.bytes_mut(buf, length)?;
    let mut bytes = Vec::new();
    for (i, e) in dir.listing.iter().enumerate().skip(usize::try_from(cookie).unwrap_or(usize::MAX)) {
        if bytes.len() >= length as usize {
            break;
        }
        bytes.extend_from_slice(&(i as u64 + 1).to_le_bytes());
        bytes.extend_from_slice(&(e.id + 1).to_le_bytes());
        bytes.extend_from_slice(&(e.name.len() as u32).to_le_bytes());
        bytes.push(node_filetype(e.kind));
        bytes.extend_from_slice(&[0; 3]);
        bytes.extend_from_slice(e.name.as_bytes());
    }
    bytes.truncate(length as usize);
    guest.write(buf, &bytes)?;
    guest.put_u32(used, bytes.len() as u32)
}
