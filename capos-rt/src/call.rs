//! Capability calls: build a Cap'n Proto params message, send it with a
//! CALL SQE, and read the results message and returned caps from the CQE.
//!
//! [`call`] waits for the answer; [`submit`] returns a [`PendingCall`] to
//! wait on later, so several calls can be in flight and complete in any
//! order.

use alloc::vec;
use alloc::vec::Vec;
use capnp::message::ReaderOptions;
use capnp::serialize::NoAllocSliceSegments;
use capos_abi::error::CapError;
use capos_config::ring::{MAX_CALL_CAPS, Opcode, Sqe, TransferDescriptor};
use core::mem::MaybeUninit;

use crate::ring::with_ring;

/// A message builder for params.
pub type Builder = capnp::message::Builder<capnp::message::HeapAllocator>;
/// A decoded results message.
pub type Reader = capnp::message::Reader<ReplySegments>;

/// The segments of a results message: read in place from the result
/// buffer the kernel wrote (no copy) when it is 8-byte aligned, as the
/// heap gives it; copied into aligned segments otherwise.
pub enum ReplySegments {
    /// Read where the kernel wrote them (no allocation: the segment
    /// table is parsed in place).
    InPlace(capnp::serialize::NoAllocBufferSegments<Vec<u8>>),
    /// Copied out.
    Copied(capnp::serialize::OwnedSegments),
}

impl capnp::message::ReaderSegments for ReplySegments {
    fn get_segment(&self, idx: u32) -> Option<&[u8]> {
        match self {
            Self::InPlace(s) => s.get_segment(idx),
            Self::Copied(s) => s.get_segment(idx),
        }
    }

    fn len(&self) -> usize {
        match self {
            Self::InPlace(s) => s.len(),
            Self::Copied(s) => s.len(),
        }
    }
}

/// Decodes a results message from the bytes of a result buffer.
pub fn decode_reply(bytes: Vec<u8>) -> Result<Reader, CapError> {
    let options = capnp::message::ReaderOptions::new();
    let segments = if (bytes.as_ptr() as usize).is_multiple_of(8) {
        ReplySegments::InPlace(
            capnp::serialize::NoAllocBufferSegments::from_buffer(bytes, options)
                .map_err(|_| CapError::MalformedParams)?,
        )
    } else {
        let message = capnp::serialize::read_message(&mut bytes.as_slice(), options)
            .map_err(|_| CapError::MalformedParams)?;
        ReplySegments::Copied(message.into_segments())
    };
    Ok(capnp::message::Reader::new(segments, options))
}

/// Words of a new message's first segment: room for the params or
/// results of most methods. Capnp's default (1024 words) is an 8 KiB
/// zeroed allocation per message, which under TCG cost more than a small
/// call itself; a message that outgrows this gets a second segment.
pub const FIRST_SEGMENT_WORDS: u32 = 64;

/// An empty message builder for params or results (a small first
/// segment, [`FIRST_SEGMENT_WORDS`]).
pub fn new_message() -> Builder {
    Builder::new(capnp::message::HeapAllocator::new().first_segment_words(FIRST_SEGMENT_WORDS))
}

/// Result buffer size most calls use; calls returning data ask for more.
pub const DEFAULT_RESULT_LEN: u32 = 4096;

/// What a call sends.
pub struct Request<'a> {
    /// Target cap id.
    pub cap: u32,
    /// Interface id the target must implement.
    pub interface_id: u64,
    /// Method number.
    pub method: u16,
    /// The params message.
    pub params: Builder,
    /// Caps sent with the call.
    pub caps: &'a [TransferDescriptor],
    /// Room for caps the call returns.
    pub caps_in_max: u16,
    /// Result buffer size.
    pub result_len: u32,
}

impl<'a> Request<'a> {
    /// A request with empty params (a null root, which reads as a struct
    /// with every field at its default); set them through `params`.
    pub fn new(cap: u32, interface_id: u64, method: u16) -> Self {
        let mut params = new_message();
        params.init_root::<capnp::any_pointer::Builder<'_>>();
        Self { cap, interface_id, method, params, caps: &[], caps_in_max: 0, result_len: DEFAULT_RESULT_LEN }
    }
}

/// A successful call's results.
pub struct Reply {
    /// The results message.
    pub message: Reader,
    /// Ids of the caps the call returned, in cap-list order.
    pub caps: Vec<u32>,
    /// The CQE's `aux` (a RECV's call token).
    pub aux: u64,
    /// The CQE's `reserved` word (a RECV's method number).
    pub tag: u32,
}

/// A call in flight. Dropping it before it completes is safe: its buffers
/// are kept until the kernel has posted the completion, which is then
/// discarded.
pub struct PendingCall {
    user_data: u64,
    // Buffers the kernel writes into at completion; kept alive until then.
    result: Vec<u8>,
    caps: Vec<u8>,
    params: Vec<u8>,
    done: bool,
}

impl Drop for PendingCall {
    fn drop(&mut self) {
        if !self.done {
            let buffers = alloc::vec![
                core::mem::take(&mut self.result),
                core::mem::take(&mut self.caps),
                core::mem::take(&mut self.params),
            ];
            let user_data = self.user_data;
            let _ = with_ring(|ring| ring.orphan(user_data, buffers));
        }
    }
}

/// Sends a call without waiting.
pub fn submit(request: Request<'_>) -> Result<PendingCall, CapError> {
    let (sqe, params) = call_sqe(&request);
    submit_sqe(sqe, params, request.caps, request.result_len, request.caps_in_max)
}

/// The CALL SQE for `request` (addresses filled in at submission) and its
/// serialized params.
fn call_sqe(request: &Request<'_>) -> (Sqe, Vec<u8>) {
    let params = capnp::serialize::write_message_to_words(&request.params);
    let sqe = Sqe {
        opcode: Opcode::Call as u8,
        method: request.method,
        cap: request.cap,
        interface_id: request.interface_id,
        ..Sqe::default()
    };
    (sqe, params)
}

/// Submits `sqe` (any opcode) with `params` as its params buffer,
/// `descriptors` as the caps it sends, a result buffer of `result_len`
/// bytes and room for `caps_in_max` returned cap ids. Fills in the
/// addresses, lengths and `user_data`; the buffers live in the returned
/// [`PendingCall`] until the completion arrives.
pub fn submit_sqe(
    mut sqe: Sqe,
    params: Vec<u8>,
    descriptors: &[TransferDescriptor],
    result_len: u32,
    caps_in_max: u16,
) -> Result<PendingCall, CapError> {
    if descriptors.len() > usize::from(MAX_CALL_CAPS) {
        return Err(CapError::TooLarge);
    }
    // Not zeroed: the kernel writes the results (`cqe.result` bytes) and
    // only those are read (`wait_raw`). A RECV's buffer is 64 KiB, whose
    // zeroing was most of a small call's cost in the server.
    let result: Vec<u8> = Vec::with_capacity(result_len as usize);
    let cap_slots = descriptors.len().max(usize::from(caps_in_max));
    let mut caps = vec![0u8; cap_slots * 8];
    for (i, d) in descriptors.iter().enumerate() {
        caps[i * 8..i * 8 + 8].copy_from_slice(&d.to_bytes());
    }
    sqe.params_addr = if params.is_empty() { 0 } else { params.as_ptr() as u64 };
    sqe.params_len = params.len() as u32;
    sqe.result_addr = if result_len == 0 { 0 } else { result.as_ptr() as u64 };
    sqe.result_len = result_len;
    sqe.caps_addr = if cap_slots > 0 { caps.as_ptr() as u64 } else { 0 };
    sqe.caps_out = descriptors.len() as u16;
    sqe.caps_in_max = caps_in_max;
    let user_data = with_ring(|ring| {
        sqe.user_data = ring.next_user_data();
        ring.submit(&sqe).map(|()| sqe.user_data)
    })??;
    Ok(PendingCall { user_data, result, caps, params, done: false })
}

/// Submits `sqe` exactly as given (only `user_data` is filled in), for
/// operations whose address fields are not buffers (PARK, UNPARK).
/// `keep` is memory the operation needs alive until it completes.
pub fn submit_raw(mut sqe: Sqe, keep: Vec<u8>) -> Result<PendingCall, CapError> {
    let user_data = with_ring(|ring| {
        sqe.user_data = ring.next_user_data();
        ring.submit(&sqe).map(|()| sqe.user_data)
    })??;
    Ok(PendingCall { user_data, result: Vec::new(), caps: Vec::new(), params: keep, done: false })
}

/// A completion with the bytes and cap ids it delivered.
pub struct Completion {
    /// The CQE.
    pub cqe: capos_config::ring::Cqe,
    /// The bytes written to the result buffer (`cqe.result` of them).
    pub bytes: Vec<u8>,
    /// The cap ids written at `caps_addr` (`cqe.caps` of them).
    pub caps: Vec<u32>,
}

impl Completion {
    /// The call's results: its message decoded (in place), its caps and
    /// the CQE's words.
    pub fn into_reply(self) -> Result<Reply, CapError> {
        let message = decode_reply(self.bytes)?;
        Ok(Reply { message, caps: self.caps, aux: self.cqe.aux, tag: self.cqe.reserved })
    }
}

impl PendingCall {
    /// Whether the answer has arrived ([`Self::wait`] then returns at once).
    pub fn is_complete(&self) -> bool {
        with_ring(|ring| ring.is_complete(self.user_data)).unwrap_or(false)
    }

    /// Waits for the completion; an error CQE is returned as the error.
    pub fn wait_raw(self) -> Result<Completion, CapError> {
        let cqe = crate::ring::wait_for(self.user_data)?;
        self.finish_raw(cqe)
    }

    /// Ends the call with its completion `cqe`, already taken from the
    /// ring (`crate::ring::wait_for_pair`); an error CQE is returned as the
    /// error.
    pub fn finish_raw(mut self, cqe: capos_config::ring::Cqe) -> Result<Completion, CapError> {
        self.done = true;
        if let Some(e) = cqe.error_code() {
            return Err(e);
        }
        let mut bytes = core::mem::take(&mut self.result);
        let len = (cqe.result as usize).min(bytes.capacity());
        // SAFETY: a successful completion's `result` is the number of bytes
        // the kernel wrote at the start of the result buffer (ring ABI);
        // `len` is within the capacity, and those bytes are initialised.
        unsafe { bytes.set_len(len) };
        let caps = (0..cqe.caps as usize)
            .filter_map(|i| self.caps.get(i * 4..i * 4 + 4))
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        Ok(Completion { cqe, bytes, caps })
    }

    /// [`Self::finish_raw`], with the results message decoded.
    pub fn finish(self, cqe: capos_config::ring::Cqe) -> Result<Reply, CapError> {
        self.finish_raw(cqe)?.into_reply()
    }

    /// Waits for the answer and decodes its results message.
    pub fn wait(self) -> Result<Reply, CapError> {
        self.wait_raw()?.into_reply()
    }

    /// The SQE's `user_data`.
    pub fn user_data(&self) -> u64 {
        self.user_data
    }
}

/// Waits until at least one of `calls` has its answer; returns the index
/// of one that has.
pub fn wait_any(calls: &[&PendingCall]) -> Result<usize, CapError> {
    if calls.is_empty() {
        return Err(CapError::InvalidArgument);
    }
    loop {
        // The tail first: whatever is posted after it wakes the wait.
        let seen = crate::ring::seen()?;
        if let Some(i) = calls.iter().position(|c| c.is_complete()) {
            return Ok(i);
        }
        crate::ring::wait_since(seen, capos_abi::syscall::NO_TIMEOUT, 0)?;
    }
}

/// [`wait_any`], but a signal with a handler ends the wait with
/// `Interrupted` (POSIX calls that fail with `EINTR`); the calls stay in
/// flight.
pub fn wait_any_interruptible(calls: &[&PendingCall], timeout_ns: u64) -> Result<Option<usize>, CapError> {
    let seen = crate::ring::seen()?;
    if let Some(i) = calls.iter().position(|c| c.is_complete()) {
        return Ok(Some(i));
    }
    crate::ring::wait_since(seen, timeout_ns, capos_abi::syscall::CAP_ENTER_INTERRUPTIBLE)?;
    Ok(calls.iter().position(|c| c.is_complete()))
}

/// Bytes of results [`call_inline`] takes.
pub const INLINE_RESULT_LEN: usize = 512;

/// A call with small params and results, made without the heap: `params`
/// is an encoded message (`capos_config::wire` writes small ones), the
/// results land in a buffer on the stack ([`INLINE_RESULT_LEN`] bytes) and
/// `read` reads them in place. No caps go either way. The call fast path
/// (`Timer.now`): one SQE, one `cap_enter`, nothing allocated when it is
/// the only call in flight.
pub fn call_inline<T>(
    cap: u32,
    interface_id: u64,
    method: u16,
    params: &[u8],
    read: impl FnOnce(capnp::message::Reader<NoAllocSliceSegments<'_>>) -> Result<T, CapError>,
) -> Result<T, CapError> {
    call_inline_raw(cap, interface_id, method, params, |bytes| read_in_place(bytes, read))
}

/// [`call_inline`] handing `read` the results message's bytes (for a
/// reader faster than capnp's on the shapes it knows:
/// `capos_config::wire::read_data_struct`). The buffer is not cleared
/// first: `read` sees only the bytes the kernel wrote.
pub fn call_inline_raw<T>(
    cap: u32,
    interface_id: u64,
    method: u16,
    params: &[u8],
    read: impl FnOnce(&[u8]) -> Result<T, CapError>,
) -> Result<T, CapError> {
    let mut result = [MaybeUninit::<u64>::uninit(); INLINE_RESULT_LEN / 8];
    call_raw(cap, interface_id, method, params, &mut result, read)
}

/// [`call_inline`] with the caller's result buffer (on its stack: a pipe
/// read of a few KiB).
pub fn call_into<T>(
    cap: u32,
    interface_id: u64,
    method: u16,
    params: &[u8],
    result: &mut [u64],
    read: impl FnOnce(capnp::message::Reader<NoAllocSliceSegments<'_>>) -> Result<T, CapError>,
) -> Result<T, CapError> {
    // SAFETY: `MaybeUninit<u64>` has the layout of `u64`, and only whole
    // initialised words (the kernel's bytes) are ever written through it.
    let result = unsafe { &mut *(core::ptr::from_mut(result) as *mut [MaybeUninit<u64>]) };
    call_raw(cap, interface_id, method, params, result, |bytes| read_in_place(bytes, read))
}

/// Makes the call and hands `read` the bytes of the results the kernel
/// wrote into `result`. One lock of the ring to submit (noting the CQ tail
/// collected so far), one `cap_enter` that takes the SQE and, when the
/// object answers at once, returns with the completion posted, one lock
/// to collect it.
///
/// Returns only once the kernel has posted the completion, since it writes
/// into `result`; if the ring can no longer be waited on (the process
/// corrupted it itself) the process ends rather than return.
fn call_raw<T>(
    cap: u32,
    interface_id: u64,
    method: u16,
    params: &[u8],
    result: &mut [MaybeUninit<u64>],
    read: impl FnOnce(&[u8]) -> Result<T, CapError>,
) -> Result<T, CapError> {
    let capacity = core::mem::size_of_val(result);
    let result_len = u32::try_from(capacity).map_err(|_| CapError::TooLarge)?;
    let params_len = u32::try_from(params.len()).map_err(|_| CapError::TooLarge)?;
    let sqe = Sqe {
        opcode: Opcode::Call as u8,
        method,
        cap,
        interface_id,
        params_addr: if params.is_empty() { 0 } else { params.as_ptr() as u64 },
        params_len,
        result_addr: result.as_mut_ptr() as u64,
        result_len,
        ..Sqe::default()
    };
    let (user_data, seen) = with_ring(|ring| {
        let user_data = ring.next_user_data();
        ring.submit(&Sqe { user_data, ..sqe }).map(|()| (user_data, ring.seen()))
    })??;
    let cqe = match crate::ring::wait_for_submitted(user_data, seen) {
        Ok(cqe) => cqe,
        // The kernel may still write into `result`: never return.
        Err(e) => panic!("capos-rt: a call's completion can no longer be awaited ({e:?})"),
    };
    if let Some(e) = cqe.error_code() {
        return Err(e);
    }
    let len = usize::try_from(cqe.result).ok().filter(|&n| n <= capacity).ok_or(CapError::MalformedParams)?;
    // SAFETY: the kernel wrote the first `cqe.result` bytes of `result`
    // (what its completion says, checked against the buffer's size) before
    // posting the completion; `u8` has no alignment and the bytes are
    // borrowed for no longer than `result`.
    let bytes = unsafe { core::slice::from_raw_parts(result.as_ptr().cast::<u8>(), len) };
    read(bytes)
}

/// Words of the scratch space on the stack a [`call_built`] message is
/// built in (512 bytes: the params of most methods).
pub const SCRATCH_WORDS: usize = 64;

/// A builder over scratch space ([`call_built`]).
pub type ScratchBuilder<'a> = capnp::message::Builder<capnp::message::ScratchSpaceHeapAllocator<'a>>;

/// Makes a call whose params `build` writes into a message built in
/// scratch space on the stack ([`SCRATCH_WORDS`]) and whose results `read`
/// reads in place from a buffer on the stack ([`DEFAULT_RESULT_LEN`]
/// bytes, as [`call`] gives): no heap allocation on the program's side
/// for a message that fits (a larger one spills into heap segments and is
/// sent all the same). No caps are sent or received; for calls that need
/// them, or to keep a call in flight, use [`Request`] and [`submit`].
pub fn call_built<T>(
    cap: u32,
    interface_id: u64,
    method: u16,
    build: impl FnOnce(&mut ScratchBuilder<'_>),
    read: impl FnOnce(capnp::message::Reader<NoAllocSliceSegments<'_>>) -> Result<T, CapError>,
) -> Result<T, CapError> {
    let mut scratch = [capnp::word(0, 0, 0, 0, 0, 0, 0, 0); SCRATCH_WORDS];
    let mut message = capnp::message::Builder::new(capnp::message::ScratchSpaceHeapAllocator::new(
        capnp::Word::words_to_bytes_mut(&mut scratch),
    ));
    build(&mut message);
    let mut result = [MaybeUninit::<u64>::uninit(); DEFAULT_RESULT_LEN as usize / 8];
    let segments = message.get_segments_for_output();
    if let [segment] = &segments[..] {
        // The stream form of a one-segment message: a segment count less
        // one (0) and the segment's length in words, then the segment.
        let mut params = [capnp::word(0, 0, 0, 0, 0, 0, 0, 0); SCRATCH_WORDS + 1];
        let bytes = capnp::Word::words_to_bytes_mut(&mut params);
        let len = 8 + segment.len();
        if let (Some(body), Ok(words)) = (bytes.get_mut(8..len), u32::try_from(segment.len() / 8)) {
            body.copy_from_slice(segment);
            bytes[4..8].copy_from_slice(&words.to_le_bytes());
            return call_raw(cap, interface_id, method, &bytes[..len], &mut result, |b| {
                read_in_place(b, read)
            });
        }
    }
    let params = capnp::serialize::write_message_to_words(&message);
    call_raw(cap, interface_id, method, &params, &mut result, |b| read_in_place(b, read))
}

/// Reads a results message in place with capnp (it must be 8-byte
/// aligned: a result buffer of words is).
pub fn read_in_place<T>(
    bytes: &[u8],
    read: impl FnOnce(capnp::message::Reader<NoAllocSliceSegments<'_>>) -> Result<T, CapError>,
) -> Result<T, CapError> {
    let options = ReaderOptions::new();
    let mut slice = bytes;
    let segments =
        NoAllocSliceSegments::from_slice(&mut slice, options).map_err(|_| CapError::MalformedParams)?;
    read(capnp::message::Reader::new(segments, options))
}

/// Sends a call and waits for the answer.
pub fn call(request: Request<'_>) -> Result<Reply, CapError> {
    submit(request)?.wait()
}

/// [`call`] for a service that may be busy: a call refused with
/// `WouldBlock` (its endpoint's queue is full, `docs/ring-abi.md`: "retry
/// later") is sent again after yielding, until it gets another answer.
/// For calls that must not fail because a server is momentarily behind
/// (file operations).
pub fn call_when_ready(request: Request<'_>) -> Result<Reply, CapError> {
    let (sqe, params) = call_sqe(&request);
    loop {
        let pending = submit_sqe(sqe, params.clone(), request.caps, request.result_len, request.caps_in_max)?;
        match pending.wait() {
            Err(CapError::WouldBlock) => crate::syscall::yield_now(),
            answer => return answer,
        }
    }
}

/// Releases a cap (the RELEASE opcode).
pub fn release(cap: u32) -> Result<(), CapError> {
    let user_data = with_ring(|ring| {
        let user_data = ring.next_user_data();
        let sqe = Sqe { opcode: Opcode::Release as u8, cap, user_data, ..Sqe::default() };
        ring.submit(&sqe).map(|()| user_data)
    })??;
    let cqe = crate::ring::wait_for(user_data)?;
    cqe.error_code().map_or(Ok(()), Err)
}

/// A second id for cap `cap` (the COPY opcode): the same object, in a new
/// slot of this process's table; `QuotaExceeded` when the table is full.
pub fn copy(cap: u32) -> Result<u32, CapError> {
    let user_data = with_ring(|ring| {
        let user_data = ring.next_user_data();
        let sqe = Sqe { opcode: Opcode::Copy as u8, cap, user_data, ..Sqe::default() };
        ring.submit(&sqe).map(|()| user_data)
    })??;
    let cqe = crate::ring::wait_for(user_data)?;
    match cqe.error_code() {
        Some(e) => Err(e),
        None => u32::try_from(cqe.aux).map_err(|_| CapError::MalformedParams),
    }
}

/// A NOP round trip (for measuring the ring).
pub fn nop() -> Result<(), CapError> {
    let user_data = with_ring(|ring| {
        let user_data = ring.next_user_data();
        ring.submit(&Sqe { user_data, ..Sqe::default() }).map(|()| user_data)
    })??;
    crate::ring::wait_for(user_data)?;
    Ok(())
}
