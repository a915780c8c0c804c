//! `fs`: the file service. It builds a RAM tree (`capos-fs`) from the
//! boot manifest's `files` and serves it over the endpoint it exports as
//! `root` (a `Directory`): the unbadged client is the root directory with
//! every right; each `open`, `create` and `openDir` mints a client of the
//! same endpoint with a fresh badge (interface `File` or `Directory`) and
//! moves it to the caller. A release notice (the last copy of a minted
//! client is gone) frees the handle. It serves until every client is gone
//! (RECV fails with `PeerDied`) and exits with 0.
//!
//! ```text
//! fs [--quota-bytes N] [--quota-nodes N] [--writable /DIR]...
//! ```
//!
//! `N` may end in `K`, `M` or `G` (powers of 1024). Defaults: 16 MiB,
//! 4096 nodes, no writable directory. Caps: `bootPackage` (to read the
//! manifest), `root` (the export's server side), optionally `console` (one
//! line at start and at the end, and errors), `virtualMemory` (so the
//! heap can grow past its first 1 MiB) and `wallClock` (the time of the
//! nodes' `atime`, `mtime` and `ctime`; without it every time stays at
//! the epoch). `docs/fs.md` has the details.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use capos::call::Builder;
use capos::capnp;
use capos::prelude::*;
use capos::schema::{self, directory, file, interface_id, method};
use capos::server::RELEASED;
use capos_config::ring::{MAX_PARAMS_LEN, TransferDescriptor, TransferMode};
use capos_config::size::parse_size;
use capos_fs::{AttrChange, BootTree, Fs, TimeChange, Timestamp};

capos::entry_point!(main);

/// Default byte quota.
const DEFAULT_QUOTA_BYTES: u64 = 16 << 20;
/// Default node quota.
const DEFAULT_QUOTA_NODES: u64 = 4096;

/// What the command line says.
struct Config<'a> {
    quota_bytes: u64,
    quota_nodes: u64,
    writable: Vec<&'a str>,
}

fn parse_args<'a>(args: &[&'a str]) -> Result<Config<'a>, String> {
    let mut config =
        Config { quota_bytes: DEFAULT_QUOTA_BYTES, quota_nodes: DEFAULT_QUOTA_NODES, writable: Vec::new() };
    let mut rest = args.iter().skip(1);
    while let Some(&option) = rest.next() {
        let value = rest.next().copied().ok_or_else(|| format!("{option} needs a value"))?;
        let size = || parse_size(value).ok_or_else(|| format!("{option}: bad number {value:?}"));
        match option {
            "--quota-bytes" => config.quota_bytes = size()?,
            "--quota-nodes" => config.quota_nodes = size()?,
            "--writable" => config.writable.push(value),
            _ => return Err(format!("unknown option {option:?}")),
        }
    }
    Ok(config)
}

/// The tree of the manifest's files: their paths and flags from the
/// manifest's config, their contents streamed from the boot package a
/// chunk at a time into the tree (never a second copy of a file, nor of
/// the binaries the manifest also carries).
fn build_tree(
    boot: &BootPackage,
    config: &Config<'_>,
    clock: Option<&WallClock>,
) -> Result<(Fs, usize, u64), String> {
    let bytes = boot.config().map_err(|e| format!("cannot read the boot manifest: {e}"))?;
    let manifest = capos_config::manifest::decode(&bytes).map_err(|e| format!("bad boot manifest: {e}"))?;
    drop(bytes);
    let mut tree = BootTree::new(&config.writable, config.quota_bytes, config.quota_nodes, now(clock))
        .map_err(|e| format!("cannot build the tree: {e}"))?;
    let mut total = 0u64;
    for (index, file) in manifest.files.iter().enumerate() {
        let fail = |e: CapError| format!("cannot add the boot file {}: {e}", file.path);
        if !file.symlink.is_empty() {
            tree.add_symlink(&file.path, &file.symlink).map_err(fail)?;
            continue;
        }
        let id = tree.add_file(&file.path, file.writable).map_err(fail)?;
        let mut offset = 0u64;
        loop {
            let chunk =
                boot.read_file(index as u32, offset, schema::boot_package::MAX_CHUNK).map_err(fail)?;
            if chunk.is_empty() {
                break;
            }
            offset += chunk.len() as u64;
            tree.append(id, &chunk).map_err(fail)?;
        }
        total += offset;
    }
    Ok((tree.finish(), manifest.files.len(), total))
}

fn main(caps: Caps) -> i32 {
    let console = Console::from_caps(&caps, "console").ok();
    let say = |text: &str| {
        if let Some(c) = &console {
            let _ = c.line(&format!("fs: {text}"));
        }
    };
    let args: Vec<&str> = caps.args().collect();
    let config = match parse_args(&args) {
        Ok(config) => config,
        Err(e) => {
            say(&format!("{e} (usage: fs [--quota-bytes N] [--quota-nodes N] [--writable /DIR]...)"));
            return 2;
        }
    };
    let (boot, endpoint) = match (caps.take::<BootPackage>("bootPackage"), Endpoint::from_caps(&caps, "root"))
    {
        (Ok(boot), Ok(endpoint)) => (boot, endpoint),
        (Err(e), _) | (_, Err(e)) => {
            say(&format!("error: {e}"));
            return 1;
        }
    };
    let clock = caps.take::<WallClock>("wallClock").ok();
    let (mut fs, count, total) = match build_tree(&boot, &config, clock.as_ref()) {
        Ok(built) => built,
        Err(e) => {
            say(&e);
            return 1;
        }
    };
    // The boot files are copied in: the boot package is no longer needed.
    drop(boot);
    say(&format!(
        "serving {count} boot files ({total} bytes); quota {} bytes, {} nodes; writable: {}",
        config.quota_bytes,
        config.quota_nodes,
        if config.writable.is_empty() { String::from("none") } else { config.writable.join(" ") }
    ));
    match serve(&endpoint, &mut fs, clock.as_ref()) {
        Ok(calls) => {
            say(&format!(
                "every client is gone after {calls} calls; {} handles left, {} bytes in {} nodes",
                fs.handle_count() - 1,
                fs.used_bytes(),
                fs.used_nodes()
            ));
            0
        }
        Err(e) => {
            say(&format!("cannot serve: {e}"));
            1
        }
    }
}

/// An answer: the results, and a new handle to mint a client for (its
/// interface id and badge) and return as cap 0.
struct Answer {
    results: Builder,
    new_handle: Option<(u64, u32)>,
}

impl Answer {
    fn plain(results: Builder) -> Self {
        Self { results, new_handle: None }
    }
}

/// What RECV brought.
enum Received {
    /// A call to answer.
    Call(Incoming),
    /// A release notice: the last copy of the client with this badge is
    /// gone.
    Released(u32),
    /// A call whose params are not a Cap'n Proto message: its token.
    Malformed(u64),
}

/// Takes the next call or release notice. A notice carries no params
/// message at all, so it is recognised before anything is decoded.
fn recv(endpoint: &Endpoint) -> Result<Received, CapError> {
    Ok(received(endpoint.recv_async()?.wait_raw()?))
}

/// What a finished RECV brought (see [`recv`]).
fn received(done: capos::call::Completion) -> Received {
    let token = done.cqe.aux;
    let badge = (token >> 32) as u32;
    let method = done.cqe.reserved as u16;
    // Owned, so caps sent along are released unless kept.
    let caps: Vec<Cap> = done.caps.into_iter().map(Cap::from_id).collect();
    if method == RELEASED {
        return Received::Released(badge);
    }
    // Read in place from the receive buffer (no copy of the params).
    match capos::call::decode_reply(done.bytes) {
        Ok(message) => Received::Call(Incoming { token, badge, method, message, caps }),
        Err(_) => Received::Malformed(token),
    }
}

/// The time now (the epoch without a clock, or when it fails).
fn now(clock: Option<&WallClock>) -> Timestamp {
    clock.and_then(|c| c.now().ok()).and_then(|t| Timestamp::new(t.seconds, t.nanos).ok()).unwrap_or_default()
}

/// Whether a call may set a node's time: the clock is read for these only.
fn stamps(is_dir: bool, method: u16) -> bool {
    if is_dir {
        matches!(
            method,
            method::directory::OPEN
                | method::directory::CREATE
                | method::directory::MKDIR
                | method::directory::REMOVE
                | method::directory::RENAME
                | method::directory::LINK
                | method::directory::SET_ATTRS
                | method::directory::SYMLINK
        )
    } else {
        matches!(
            method,
            method::file::READ
                | method::file::WRITE
                | method::file::PREAD
                | method::file::PWRITE
                | method::file::TRUNCATE
                | method::file::SET_ATTRS
        )
    }
}

/// Serves until every client is gone; returns how many calls it answered.
fn serve(endpoint: &Endpoint, fs: &mut Fs, clock: Option<&WallClock>) -> Result<u64, CapError> {
    let mut calls = 0u64;
    // The next call, when it came with the last answer (`reply_and_recv`).
    let mut next: Option<Result<Received, CapError>> = None;
    loop {
        let mut call = match next.take().unwrap_or_else(|| recv(endpoint)) {
            Ok(Received::Call(call)) => call,
            Ok(Received::Released(badge)) => {
                fs.release(badge);
                continue;
            }
            Ok(Received::Malformed(token)) => {
                calls += 1;
                let _ = endpoint.reply_error(token, CapError::MalformedParams);
                continue;
            }
            Err(CapError::PeerDied) => return Ok(calls),
            Err(e) => return Err(e),
        };
        calls += 1;
        let is_dir = fs.is_dir_handle(call.badge);
        if clock.is_some() && stamps(is_dir, call.method) {
            fs.set_clock(now(clock));
        }
        let answer = headroom(is_dir, call.method)
            .and_then(|()| if is_dir { directory_call(fs, &call) } else { file_call(fs, &call) });
        // Caps the caller sent are not used by any method: give them back.
        call.caps.clear();
        let answer = answer.and_then(|a| {
            let words = capnp::serialize::compute_serialized_size_in_words(&a.results);
            if words.saturating_mul(8) > MAX_PARAMS_LEN as usize {
                if let Some((_, badge)) = a.new_handle {
                    fs.release(badge);
                }
                return Err(CapError::TooLarge);
            }
            Ok(a)
        });
        match answer {
            Ok(Answer { results, new_handle: None }) => {
                // The answer and the RECV of the next call in one system
                // call (the server's fast path).
                let (answered, got) = endpoint.reply_and_recv_raw(call.token, &results, &[]);
                if let Err(e) = answered
                    && e != CapError::Cancelled
                {
                    let _ = endpoint.reply_error(call.token, e);
                }
                next = Some(got.map(received));
            }
            Ok(Answer { results, new_handle: Some((iface, badge)) }) => match endpoint.mint(iface, badge) {
                Ok(cap) => {
                    let moved = [TransferDescriptor { cap: cap.id(), mode: TransferMode::Move }];
                    let (answered, got) = endpoint.reply_and_recv_raw(call.token, &results, &moved);
                    next = Some(got.map(received));
                    match answered {
                        // Moved to the caller: no longer this process's.
                        Ok(()) => {
                            let _ = cap.into_id();
                        }
                        // The cap stayed here: dropping it sends the
                        // release notice that frees the handle.
                        Err(e) => {
                            drop(cap);
                            if e != CapError::Cancelled {
                                let _ = endpoint.reply_error(call.token, e);
                            }
                        }
                    }
                }
                Err(e) => {
                    fs.release(badge);
                    let _ = endpoint.reply_error(call.token, e);
                }
            },
            Err(e) => {
                let _ = endpoint.reply_error(call.token, e);
            }
        }
    }
}

/// Free heap a call that may take memory must leave: enough for the next
/// RECV buffer and answer, so running out of memory fails a call with
/// `OutOfMemory` instead of ending the service.
const HEADROOM: usize = 256 * 1024;

/// `OutOfMemory` if a call that makes nodes or file bytes would leave the
/// heap without [`HEADROOM`] (the heap grows here first if it can).
fn headroom(is_dir: bool, method: u16) -> Result<(), CapError> {
    let grows = if is_dir {
        matches!(
            method,
            method::directory::OPEN
                | method::directory::CREATE
                | method::directory::MKDIR
                | method::directory::LINK
                | method::directory::SYMLINK
        )
    } else {
        matches!(method, method::file::WRITE | method::file::PWRITE | method::file::TRUNCATE)
    };
    if grows {
        let mut probe: Vec<u8> = Vec::new();
        probe.try_reserve_exact(HEADROOM).map_err(|_| CapError::OutOfMemory)?;
    }
    Ok(())
}

fn malformed<T>(_: T) -> CapError {
    CapError::MalformedParams
}

fn text(t: capnp::Result<capnp::text::Reader<'_>>) -> Result<&str, CapError> {
    t.map_err(malformed)?.to_str().map_err(|_| CapError::InvalidArgument)
}

fn kind(k: capos_fs::NodeKind) -> schema::NodeKind {
    match k {
        capos_fs::NodeKind::File => schema::NodeKind::File,
        capos_fs::NodeKind::Directory => schema::NodeKind::Directory,
        capos_fs::NodeKind::Symlink => schema::NodeKind::Symlink,
    }
}

fn set_time(mut b: schema::timestamp::Builder<'_>, t: Timestamp) {
    b.set_seconds(t.seconds);
    b.set_nanos(t.nanos);
}

fn set_info(mut b: schema::node_info::Builder<'_>, info: capos_fs::NodeInfo) {
    b.set_kind(kind(info.kind));
    b.set_size(info.size);
    b.set_writable(info.writable);
    b.set_id(info.id);
    b.set_mode(info.mode);
    b.set_links(info.links);
    set_time(b.reborrow().init_atime(), info.atime);
    set_time(b.reborrow().init_mtime(), info.mtime);
    set_time(b.init_ctime(), info.ctime);
}

fn time_change(
    how: Result<schema::TimeSet, capnp::NotInSchema>,
    given: capnp::Result<schema::timestamp::Reader<'_>>,
) -> Result<TimeChange, CapError> {
    Ok(match how.map_err(|_| CapError::InvalidArgument)? {
        schema::TimeSet::Keep => TimeChange::Keep,
        schema::TimeSet::Now => TimeChange::Now,
        schema::TimeSet::Given => {
            let t = given.map_err(malformed)?;
            TimeChange::At(Timestamp::new(t.get_seconds(), t.get_nanos())?)
        }
    })
}

/// An `AttrChange` of the schema as the tree's.
fn attr_change(c: capnp::Result<schema::attr_change::Reader<'_>>) -> Result<AttrChange, CapError> {
    let c = c.map_err(malformed)?;
    Ok(AttrChange {
        mode: c.get_set_mode().then(|| c.get_mode()),
        atime: time_change(c.get_atime(), c.get_atime_given())?,
        mtime: time_change(c.get_mtime(), c.get_mtime_given())?,
    })
}

fn empty() -> Builder {
    let mut b = capos::call::new_message();
    b.init_root::<capnp::any_pointer::Builder<'_>>();
    b
}

/// Bytes of entries one `listPage` reply carries at most: the largest
/// reply, less room for the message's framing.
const PAGE_BUDGET: usize = MAX_PARAMS_LEN as usize - 1024;
/// Words of the first segment of a `listPage` reply: all of it, so no
/// far pointers are needed.
const PAGE_WORDS: u32 = MAX_PARAMS_LEN / 8 + 64;

/// A call on a Directory (the root, badge 0, or one made by `openDir`).
fn directory_call(fs: &mut Fs, call: &Incoming) -> Result<Answer, CapError> {
    let m = &call.message;
    let badge = call.badge;
    let mut results = capos::call::new_message();
    match call.method {
        method::directory::LIST => {
            let p = m.get_root::<directory::list_params::Reader<'_>>().map_err(malformed)?;
            let entries = fs.list(badge, text(p.get_path())?)?;
            let len = u32::try_from(entries.len()).map_err(|_| CapError::TooLarge)?;
            let mut list = results.init_root::<directory::list_results::Builder<'_>>().init_entries(len);
            for (i, e) in entries.iter().enumerate() {
                let mut b = list.reborrow().get(i as u32);
                b.set_name(e.name.as_str());
                b.set_kind(kind(e.kind));
                b.set_size(e.size);
                b.set_id(e.id);
            }
            Ok(Answer::plain(results))
        }
        method::directory::LIST_PAGE => {
            let p = m.get_root::<directory::list_page_params::Reader<'_>>().map_err(malformed)?;
            let (entries, more) = fs.list_page(
                badge,
                text(p.get_path())?,
                text(p.get_after())?,
                p.get_max() as usize,
                PAGE_BUDGET,
            )?;
            // The budget counts the entries' own words; should the message
            // still come out too large, fewer entries go (the page says
            // `more`, so the client asks again).
            let mut count = entries.len();
            loop {
                let mut page =
                    Builder::new(capnp::message::HeapAllocator::new().first_segment_words(PAGE_WORDS));
                let mut r = page.init_root::<directory::list_page_results::Builder<'_>>();
                r.set_more(more || count < entries.len());
                let mut list = r.init_entries(count as u32);
                for (i, e) in entries[..count].iter().enumerate() {
                    let mut b = list.reborrow().get(i as u32);
                    b.set_name(e.name.as_str());
                    b.set_kind(kind(e.kind));
                    b.set_size(e.size);
                    b.set_id(e.id);
                }
                let words = capnp::serialize::compute_serialized_size_in_words(&page);
                if words.saturating_mul(8) <= MAX_PARAMS_LEN as usize || count <= 1 {
                    return Ok(Answer::plain(page));
                }
                count /= 2;
            }
        }
        method::directory::OPEN => {
            let p = m.get_root::<directory::open_params::Reader<'_>>().map_err(malformed)?;
            let options = capos_fs::OpenOptions {
                write: p.get_write(),
                create: p.get_create(),
                exclusive: p.get_exclusive(),
                truncate: p.get_truncate(),
                append: p.get_append(),
                mode: p.get_mode(),
                no_follow: p.get_no_follow(),
            };
            let new = fs.open(badge, text(p.get_path())?, options)?;
            results.init_root::<directory::open_results::Builder<'_>>().set_file(0);
            Ok(Answer { results, new_handle: Some((interface_id::FILE, new)) })
        }
        method::directory::CREATE => {
            let p = m.get_root::<directory::create_params::Reader<'_>>().map_err(malformed)?;
            let new = fs.create(badge, text(p.get_path())?)?;
            results.init_root::<directory::create_results::Builder<'_>>().set_file(0);
            Ok(Answer { results, new_handle: Some((interface_id::FILE, new)) })
        }
        method::directory::MKDIR => {
            let p = m.get_root::<directory::mkdir_params::Reader<'_>>().map_err(malformed)?;
            fs.mkdir_mode(badge, text(p.get_path())?, p.get_mode())?;
            Ok(Answer::plain(empty()))
        }
        method::directory::REMOVE => {
            let p = m.get_root::<directory::remove_params::Reader<'_>>().map_err(malformed)?;
            fs.remove(badge, text(p.get_path())?)?;
            Ok(Answer::plain(empty()))
        }
        method::directory::RENAME => {
            let p = m.get_root::<directory::rename_params::Reader<'_>>().map_err(malformed)?;
            fs.rename(badge, text(p.get_from())?, text(p.get_to())?)?;
            Ok(Answer::plain(empty()))
        }
        method::directory::STAT => {
            let p = m.get_root::<directory::stat_params::Reader<'_>>().map_err(malformed)?;
            let path = text(p.get_path())?;
            let info = if p.get_follow() { fs.stat(badge, path)? } else { fs.lstat(badge, path)? };
            set_info(results.init_root::<directory::stat_results::Builder<'_>>().init_info(), info);
            Ok(Answer::plain(results))
        }
        method::directory::LINK => {
            let p = m.get_root::<directory::link_params::Reader<'_>>().map_err(malformed)?;
            fs.link(badge, text(p.get_from())?, text(p.get_to())?)?;
            Ok(Answer::plain(empty()))
        }
        method::directory::SET_ATTRS => {
            let p = m.get_root::<directory::set_attrs_params::Reader<'_>>().map_err(malformed)?;
            let (path, change) = (text(p.get_path())?, attr_change(p.get_change())?);
            if p.get_no_follow() {
                fs.set_attrs_no_follow(badge, path, &change)?;
            } else {
                fs.set_attrs(badge, path, &change)?;
            }
            Ok(Answer::plain(empty()))
        }
        method::directory::SYMLINK => {
            let p = m.get_root::<directory::symlink_params::Reader<'_>>().map_err(malformed)?;
            fs.symlink(badge, text(p.get_target())?, text(p.get_path())?)?;
            Ok(Answer::plain(empty()))
        }
        method::directory::READLINK => {
            let p = m.get_root::<directory::readlink_params::Reader<'_>>().map_err(malformed)?;
            let target = fs.readlink(badge, text(p.get_path())?)?;
            results.init_root::<directory::readlink_results::Builder<'_>>().set_target(target.as_str());
            Ok(Answer::plain(results))
        }
        method::directory::OPEN_DIR => {
            let p = m.get_root::<directory::open_dir_params::Reader<'_>>().map_err(malformed)?;
            let new = fs.open_dir(badge, text(p.get_path())?, p.get_read_only())?;
            results.init_root::<directory::open_dir_results::Builder<'_>>().set_dir(0);
            Ok(Answer { results, new_handle: Some((interface_id::DIRECTORY, new)) })
        }
        _ => Err(CapError::UnknownMethod),
    }
}

/// A call on a File (or on a closed or unknown badge: `InvalidCap`).
fn file_call(fs: &mut Fs, call: &Incoming) -> Result<Answer, CapError> {
    let m = &call.message;
    let badge = call.badge;
    let mut results = capos::call::new_message();
    match call.method {
        method::file::READ => {
            let p = m.get_root::<file::read_params::Reader<'_>>().map_err(malformed)?;
            let data = fs.read(badge, p.get_count())?;
            results.init_root::<file::read_results::Builder<'_>>().set_data(&data);
        }
        method::file::WRITE => {
            let p = m.get_root::<file::write_params::Reader<'_>>().map_err(malformed)?;
            let written = fs.write(badge, p.get_data().map_err(malformed)?)?;
            results.init_root::<file::write_results::Builder<'_>>().set_written(written);
        }
        method::file::SEEK => {
            let p = m.get_root::<file::seek_params::Reader<'_>>().map_err(malformed)?;
            let whence = match p.get_whence().map_err(|_| CapError::InvalidArgument)? {
                schema::Whence::Start => capos_fs::Whence::Start,
                schema::Whence::Current => capos_fs::Whence::Current,
                schema::Whence::End => capos_fs::Whence::End,
            };
            let position = fs.seek(badge, p.get_offset(), whence)?;
            results.init_root::<file::seek_results::Builder<'_>>().set_position(position);
        }
        method::file::PREAD => {
            let p = m.get_root::<file::pread_params::Reader<'_>>().map_err(malformed)?;
            let data = fs.pread(badge, p.get_offset(), p.get_count())?;
            results.init_root::<file::pread_results::Builder<'_>>().set_data(&data);
        }
        method::file::PWRITE => {
            let p = m.get_root::<file::pwrite_params::Reader<'_>>().map_err(malformed)?;
            let written = fs.pwrite(badge, p.get_offset(), p.get_data().map_err(malformed)?)?;
            results.init_root::<file::pwrite_results::Builder<'_>>().set_written(written);
        }
        method::file::STAT => {
            let info = fs.file_stat(badge)?;
            set_info(results.init_root::<file::stat_results::Builder<'_>>().init_info(), info);
        }
        method::file::TRUNCATE => {
            let p = m.get_root::<file::truncate_params::Reader<'_>>().map_err(malformed)?;
            fs.truncate(badge, p.get_size())?;
            return Ok(Answer::plain(empty()));
        }
        method::file::SYNC => {
            fs.sync(badge)?;
            return Ok(Answer::plain(empty()));
        }
        method::file::CLOSE => {
            fs.close(badge)?;
            return Ok(Answer::plain(empty()));
        }
        method::file::SET_ATTRS => {
            let p = m.get_root::<file::set_attrs_params::Reader<'_>>().map_err(malformed)?;
            fs.file_set_attrs(badge, &attr_change(p.get_change())?)?;
            return Ok(Answer::plain(empty()));
        }
        _ => return Err(CapError::UnknownMethod),
    }
    Ok(Answer::plain(results))
}
