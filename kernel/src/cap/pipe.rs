//! `PipeFactory` and `Pipe`: one-way byte streams in a 64 KiB kernel
//! buffer, what POSIX `pipe` is built on.
//!
//! A pipe has a read end and a write end, each a kernel object; copies of
//! an end's cap share the object, so the pipe learns that every writer (or
//! reader) is gone when the end's object is dropped. Reads wait for data
//! (empty data once the writers are gone: end of file); writes wait for
//! room, a write of at most [`PIPE_BUF`] bytes going in whole; a write
//! with no reader left fails with `PeerDied`. Waiting calls are kept in
//! order and completed as the state changes; a waiter whose process ended
//! is dropped, never handed data. Completions are delivered after the
//! pipe's lock is released.
//!
//! Kernel memory is charged to the process that causes it
//! (`mem::kmem_quota`): a pipe, with the whole of its buffer, to the
//! process that created it, so no write grows the heap past what was
//! charged. A pipe holds [`CAPACITY`] bytes; when its creator's quota has
//! no room for that, it holds [`PIPE_BUF`] (as Linux gives a pipe one
//! page past the user's pipe-buffer limit), and `create` is `OutOfMemory`
//! only when even that does not fit. A write waiting for room, with its
//! copy of the data, is charged to the writer. The buffer itself is
//! allocated as data comes, fallibly.

use alloc::collections::VecDeque;
use alloc::sync::Arc;
use alloc::vec::Vec;
use capos_abi::error::CapError;
use capos_lib::inline_list::List;
use capos_schema::{interface_id, method, pipe, pipe_factory};
use spin::Mutex;

use crate::mem::kmem_quota::{self, Charge, HEAP_OVERHEAD};

use super::{
    Call, CapObject, CapRef, MessageBytes, Outcome, PendingCall, Reply, empty_reply, malformed, read_params,
    reply_data, reply_with,
};

/// Bytes a pipe holds.
pub const CAPACITY: usize = 64 * 1024;
/// Writes up to this size go in whole (POSIX `PIPE_BUF`).
pub const PIPE_BUF: usize = 4096;
/// Largest read or write of one call.
pub const MAX_IO: usize = 64 * 1024;

/// Kernel memory of a pipe besides its buffer: its shared state and its
/// two ends.
const PIPE_COST: usize =
    core::mem::size_of::<Shared>() + 2 * core::mem::size_of::<PipeEnd>() + 6 * HEAP_OVERHEAD;
/// Kernel memory of a write waiting for room, besides its data.
const WRITE_COST: usize = core::mem::size_of::<Write>() + 2 * HEAP_OVERHEAD;

/// A write waiting for room: the call, its data and how much went in.
struct Write {
    call: PendingCall,
    data: Vec<u8>,
    written: usize,
    /// The copy's kernel memory, charged to the writer.
    _charge: Charge,
}

#[derive(Default)]
struct State {
    /// Most bytes the buffer holds ([`CAPACITY`] or [`PIPE_BUF`]).
    capacity: usize,
    buffer: VecDeque<u8>,
    readers_gone: bool,
    writers_gone: bool,
    reads: VecDeque<(PendingCall, usize)>,
    writes: VecDeque<Write>,
    read_ready: Vec<PendingCall>,
    write_ready: Vec<PendingCall>,
}

type Completion = (PendingCall, Result<Reply, CapError>);

/// `read`'s results carrying `parts` one after the other (the two halves
/// of the ring buffer), written without a builder
/// (`capos_config::wire`): one copy of the data, no heap for a reply of up
/// to `message::INLINE_LEN` bytes.
fn data_reply(parts: [&[u8]; 2]) -> Result<Reply, CapError> {
    let len = parts[0].len() + parts[1].len();
    let (header, n) = capos_config::wire::bytes_struct_header(None, len).ok_or(CapError::TooLarge)?;
    let padding = capos_config::wire::bytes_struct_len(0, len) - n - len;
    let message = MessageBytes::concat(&[&header[..n], parts[0], parts[1], &[0u8; 8][..padding]])?;
    Ok(Reply { message, ..Reply::default() })
}

/// `write`'s results: `written` (UInt32) in the low half of data word 0,
/// written without a builder or the heap.
fn written_reply(n: usize) -> Result<Reply, CapError> {
    reply_data(&[u64::from(n as u32)])
}

impl State {
    fn room(&self) -> usize {
        self.capacity.saturating_sub(self.buffer.len())
    }

    /// Takes up to `max` bytes as `read`'s reply (`OutOfMemory`, nothing
    /// taken, when the kernel heap has no room for it).
    fn take(&mut self, max: usize) -> Result<Reply, CapError> {
        let n = max.min(self.buffer.len());
        let (a, b) = self.buffer.as_slices();
        let first = n.min(a.len());
        let reply = data_reply([&a[..first], &b[..n - first]])?;
        // Dropping the drain only moves the buffer's start.
        self.buffer.drain(..n);
        Ok(reply)
    }

    /// Makes room in the buffer's allocation for `n` more bytes; false
    /// when the kernel heap has none (the data then waits, as for a full
    /// pipe). Within the pipe's charge, which covers the whole buffer.
    fn reserve(&mut self, n: usize) -> bool {
        self.buffer.try_reserve(n).is_ok()
    }

    /// Puts as much of `data[written..]` as the rules allow; returns the
    /// new `written`.
    fn put(&mut self, data: &[u8], written: usize) -> usize {
        let rest = &data[written..];
        if rest.len() <= PIPE_BUF && data.len() <= PIPE_BUF {
            if self.room() < rest.len() || !self.reserve(rest.len()) {
                return written;
            }
            self.buffer.extend(rest);
            return data.len();
        }
        let n = rest.len().min(self.room());
        if !self.reserve(n) {
            return written;
        }
        self.buffer.extend(&rest[..n]);
        written + n
    }

    /// Serves waiting calls while any can be served; returns their
    /// completions.
    fn progress(&mut self) -> List<Completion> {
        let mut done = List::default();
        loop {
            let mut moved = false;
            while let Some((call, max)) = self.reads.pop_front() {
                if call.live_caller().is_none() {
                    moved = true;
                    continue;
                }
                if !self.buffer.is_empty() {
                    let reply = self.take(max);
                    done.push((call, reply));
                    moved = true;
                } else if self.writers_gone {
                    done.push((call, data_reply([&[], &[]])));
                    moved = true;
                } else {
                    self.reads.push_front((call, max));
                    break;
                }
            }
            while let Some(mut w) = self.writes.pop_front() {
                if w.call.live_caller().is_none() {
                    moved = true;
                    continue;
                }
                if self.readers_gone {
                    let result =
                        if w.written > 0 { written_reply(w.written) } else { Err(CapError::PeerDied) };
                    done.push((w.call, result));
                    moved = true;
                    continue;
                }
                let before = w.written;
                w.written = self.put(&w.data, w.written);
                moved |= w.written != before;
                if w.written == w.data.len() {
                    done.push((w.call, written_reply(w.written)));
                } else {
                    self.writes.push_front(w);
                    break;
                }
            }
            if !moved {
                break;
            }
        }
        if !self.buffer.is_empty() || self.writers_gone {
            done.extend(self.read_ready.drain(..).map(|c| (c, empty_reply())));
        }
        if self.room() > 0 || self.readers_gone {
            done.extend(self.write_ready.drain(..).map(|c| (c, empty_reply())));
        }
        done
    }
}

/// What both ends share.
struct Shared {
    state: Mutex<State>,
    /// The pipe's kernel memory, charged to the process that created it.
    _charge: Charge,
}

fn deliver(done: List<Completion>) {
    for (call, result) in done {
        call.complete(result);
    }
}

/// One end of a pipe.
pub struct PipeEnd {
    shared: Arc<Shared>,
    write: bool,
    /// Open-file status flags (`CapObject::status_flags`).
    flags: core::sync::atomic::AtomicU32,
}

impl Drop for PipeEnd {
    fn drop(&mut self) {
        let done = {
            let mut s = self.shared.state.lock();
            if self.write {
                s.writers_gone = true;
            } else {
                s.readers_gone = true;
                s.buffer.clear();
            }
            let mut done = s.progress();
            // Calls still waiting on this end's own side can never be
            // served now: none of this end's holders is left to wait.
            if self.write {
                done.extend(s.writes.drain(..).map(|w| (w.call, Err(CapError::Cancelled))));
                done.extend(s.write_ready.drain(..).map(|c| (c, Err(CapError::Cancelled))));
            } else {
                done.extend(s.reads.drain(..).map(|(c, _)| (c, Err(CapError::Cancelled))));
                done.extend(s.read_ready.drain(..).map(|c| (c, Err(CapError::Cancelled))));
            }
            done
        };
        deliver(done);
    }
}

impl PipeEnd {
    fn read(&self, call: Call<'_>) -> Result<Option<Reply>, CapError> {
        let message = read_params(call.params)?;
        let p = message.get_root::<pipe::read_params::Reader<'_>>().map_err(malformed)?;
        let max = p.get_max() as usize;
        if !(1..=MAX_IO).contains(&max) {
            return Err(CapError::InvalidArgument);
        }
        let mut s = self.shared.state.lock();
        if s.reads.is_empty() {
            if !s.buffer.is_empty() {
                let reply = s.take(max)?;
                let done = s.progress();
                drop(s);
                deliver(done);
                return Ok(Some(reply));
            }
            if s.writers_gone {
                return data_reply([&[], &[]]).map(Some);
            }
        }
        if p.get_nonblocking() {
            return Err(CapError::WouldBlock);
        }
        s.reads.try_reserve(1).map_err(|_| CapError::OutOfMemory)?;
        s.reads.push_back((call.pending, max));
        Ok(None)
    }

    fn write(&self, call: Call<'_>) -> Result<Option<Reply>, CapError> {
        let message = read_params(call.params)?;
        let p = message.get_root::<pipe::write_params::Reader<'_>>().map_err(malformed)?;
        let data = p.get_data().map_err(malformed)?;
        if data.len() > MAX_IO {
            return Err(CapError::TooLarge);
        }
        let mut s = self.shared.state.lock();
        if s.readers_gone {
            return Err(CapError::PeerDied);
        }
        let mut written = 0;
        if s.writes.is_empty() {
            written = s.put(data, 0);
            if written == data.len() || (p.get_nonblocking() && written > 0) {
                let done = s.progress();
                drop(s);
                deliver(done);
                return written_reply(written).map(Some);
            }
        }
        if p.get_nonblocking() {
            return Err(CapError::WouldBlock);
        }
        let writer = call.pending.target().ok_or(CapError::Cancelled)?;
        let charge = kmem_quota::charge(&writer.kmem, WRITE_COST.saturating_add(data.len()))?;
        drop(writer);
        let mut copy = Vec::new();
        copy.try_reserve_exact(data.len()).map_err(|_| CapError::OutOfMemory)?;
        copy.extend_from_slice(data);
        s.writes.try_reserve(1).map_err(|_| CapError::OutOfMemory)?;
        s.writes.push_back(Write { call: call.pending, data: copy, written, _charge: charge });
        let done = s.progress();
        drop(s);
        deliver(done);
        Ok(None)
    }

    fn status(&self) -> Result<Reply, CapError> {
        let s = self.shared.state.lock();
        let (available, room) = (s.buffer.len(), s.room());
        let gone = if self.write { s.readers_gone } else { s.writers_gone };
        drop(s);
        reply_with(|m| {
            let mut r = m.init_root::<pipe::status_results::Builder<'_>>();
            r.set_available(available as u32);
            r.set_room(room as u32);
            r.set_peer_gone(gone);
            Ok(())
        })
    }

    fn wait_ready(&self, call: Call<'_>) -> Result<Option<Reply>, CapError> {
        let mut s = self.shared.state.lock();
        let ready =
            if self.write { s.room() > 0 || s.readers_gone } else { !s.buffer.is_empty() || s.writers_gone };
        if ready {
            return empty_reply().map(Some);
        }
        let list = if self.write { &mut s.write_ready } else { &mut s.read_ready };
        list.try_reserve(1).map_err(|_| CapError::OutOfMemory)?;
        list.push(call.pending);
        Ok(None)
    }
}

impl CapObject for PipeEnd {
    fn status_flags(&self) -> Option<&core::sync::atomic::AtomicU32> {
        Some(&self.flags)
    }

    fn interface_id(&self) -> u64 {
        interface_id::PIPE
    }

    fn call(&self, call: Call<'_>) -> Outcome {
        let result = match (call.method, self.write) {
            (method::pipe::READ, false) => self.read(call),
            (method::pipe::WRITE, true) => self.write(call),
            (method::pipe::READ | method::pipe::WRITE, _) => Err(CapError::PermissionDenied),
            (method::pipe::STATUS, _) => self.status().map(Some),
            (method::pipe::WAIT_READY, _) => self.wait_ready(call),
            _ => Err(CapError::UnknownMethod),
        };
        match result {
            Ok(Some(reply)) => Outcome::Done(reply),
            Ok(None) => Outcome::Pending,
            Err(e) => Outcome::Error(e),
        }
    }
}

/// The `PipeFactory` capability.
pub struct PipeFactory;

impl CapObject for PipeFactory {
    fn kernel_kind(&self) -> Option<capos_schema::KernelCap> {
        Some(capos_schema::KernelCap::PipeFactory)
    }

    fn interface_id(&self) -> u64 {
        interface_id::PIPE_FACTORY
    }

    fn call(&self, call: Call<'_>) -> Outcome {
        if call.method != method::pipe_factory::CREATE {
            return Outcome::Error(CapError::UnknownMethod);
        }
        let Some(creator) = call.pending.target() else { return Outcome::Error(CapError::Cancelled) };
        let charged = [CAPACITY, PIPE_BUF].into_iter().find_map(|capacity| {
            Some((capacity, kmem_quota::charge(&creator.kmem, PIPE_COST + capacity).ok()?))
        });
        drop(creator);
        let Some((capacity, charge)) = charged else { return Outcome::Error(CapError::OutOfMemory) };
        let objects = (|| {
            let state = State { capacity, ..State::default() };
            let shared = Arc::try_new(Shared { state: Mutex::new(state), _charge: charge }).ok()?;
            let reader: CapRef =
                Arc::try_new(PipeEnd { shared: shared.clone(), write: false, flags: Default::default() })
                    .ok()?;
            let writer: CapRef =
                Arc::try_new(PipeEnd { shared, write: true, flags: Default::default() }).ok()?;
            Some((reader, writer))
        })();
        let Some((reader, writer)) = objects else { return Outcome::Error(CapError::OutOfMemory) };
        let reply = reply_with(|m| {
            let mut r = m.init_root::<pipe_factory::create_results::Builder<'_>>();
            r.set_reader(0);
            r.set_writer(1);
            Ok(())
        });
        match reply {
            Ok(mut reply) => {
                reply.caps = alloc::vec![reader, writer];
                Outcome::Done(reply)
            }
            Err(e) => Outcome::Error(e),
        }
    }
}
