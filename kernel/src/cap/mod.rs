//! Capabilities: kernel objects reached through a process's cap table.
//!
//! Every kernel object implements [`CapObject`]: it names the Cap'n Proto
//! interface it serves and answers a call (method number + params message)
//! with a results message and the caps it returns, or with a typed error,
//! or by keeping the call to complete later ([`PendingCall`]), as
//! `Timer.sleep` and `ProcessHandle.wait` do.
//!
//! `ring.rs` turns SQEs into calls and replies into CQEs; `table.rs` is the
//! per-process table; the other files are the kernel's objects.

pub mod boot_package;
pub mod console;
pub mod endpoint;
pub mod entropy;
pub mod memory;
pub mod message;
pub mod output;
pub mod park;
pub mod pipe;
pub mod process_spawner;
pub mod revocable;
pub mod ring;
pub mod table;
pub mod terminal_session;
pub mod timer;
pub mod wall_clock;

use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use capos_abi::error::CapError;

use crate::process::Process;
pub use message::MessageBytes;

/// A reference to a kernel object, as held in cap tables.
pub type CapRef = Arc<dyn CapObject>;

/// A kernel object callable through the ring.
pub trait CapObject: core::any::Any + Send + Sync {
    /// The Cap'n Proto interface id it implements.
    fn interface_id(&self) -> u64;
    /// Serves one call.
    fn call(&self, call: Call<'_>) -> Outcome;
    /// The call fast path of an object that answers some method at once
    /// with a struct of data words and nothing else (no caps in or out, no
    /// call kept, nothing to undo): `Timer.now`, `WallClock.now`. `ring`
    /// asks it first for a call that sends no caps; `None` sends the call
    /// the general way ([`Self::call`]), which must give the same answer.
    fn call_now(&self, _method: u16, _params: &[u8]) -> Option<Result<DataReply, CapError>> {
        None
    }
    /// Whether holders may pass it on to other processes.
    fn transferable(&self) -> bool {
        true
    }
    /// Whether it keeps an endpoint's server side alive (it is one, or
    /// forwards to one). Such a cap may not wait in an endpoint's queue:
    /// the queue could end up holding the last reference to its own server
    /// (directly or through other queues), a cycle nothing would ever
    /// receive from or free.
    fn holds_server(&self) -> bool {
        false
    }
    /// How many forwarding objects (revocables) a call to it passes
    /// through before reaching a real object (0 for a real object).
    fn forwarding_depth(&self) -> u32 {
        0
    }

    /// The kernel-cap kind this object is (`None` for objects that are not
    /// kernel caps, and for wrappers such as revocable copies): holding one
    /// of a kind is what lets a spawner grant that kind to a child
    /// (`process_spawner`, docs/decisions.md).
    fn kernel_kind(&self) -> Option<capos_schema::KernelCap> {
        None
    }

    /// The open-file status flags it carries for POSIX
    /// (`capos_abi::syscall::SYS_CAP_FLAGS`), if it is an object a file
    /// descriptor opens: a pipe end, an endpoint client.
    fn status_flags(&self) -> Option<&core::sync::atomic::AtomicU32> {
        None
    }
}

/// One call, as an object sees it.
pub struct Call<'a> {
    /// Method number.
    pub method: u16,
    /// The params message (already copied out of user memory).
    pub params: &'a [u8],
    /// Caps sent with the call, in the order of the message's cap list.
    pub caps: Vec<CapRef>,
    /// Where to deliver the result if the object completes the call later.
    pub pending: PendingCall,
}

/// What an object did with a call.
#[allow(
    clippy::large_enum_variant,
    reason = "a reply's small message is inline (`MessageBytes`), never boxed"
)]
pub enum Outcome {
    /// Finished: deliver this reply now.
    Done(Reply),
    /// Failed.
    Error(CapError),
    /// The object kept `Call::pending` and will complete it later.
    Pending,
}

/// The results of a call answered at once ([`CapObject::call_now`]): a root
/// struct of up to [`DataReply::MAX`] data words and no pointers, kept as
/// the message's words (`capos_config::wire::data_struct_words`: the bytes
/// [`reply_data`] gives the same data).
#[derive(Debug, Clone, Copy)]
pub struct DataReply {
    message: [u64; 2 + Self::MAX],
    words: usize,
}

impl DataReply {
    /// Most data words.
    pub const MAX: usize = 4;

    /// A struct of `data` (at most [`Self::MAX`] words; more is a kernel
    /// bug, refused as `TooLarge`).
    pub fn new(data: &[u64]) -> Result<Self, CapError> {
        let mut message = [0; 2 + Self::MAX];
        let words = capos_config::wire::data_struct_words(data, &mut message).ok_or(CapError::TooLarge)?;
        Ok(Self { message, words })
    }

    /// The results message, as words.
    pub fn words(&self) -> &[u64] {
        &self.message[..self.words]
    }

    /// The same results as a [`Reply`], for the general path.
    pub fn reply(&self) -> Result<Reply, CapError> {
        reply_data(&self.message[2..self.words])
    }
}

/// A successful result.
#[derive(Default)]
pub struct Reply {
    /// The results message (Cap'n Proto, serialized; inline when small).
    pub message: MessageBytes,
    /// Caps the call returns, in the order of the message's cap list.
    pub caps: Vec<CapRef>,
    /// The CQE's `aux` (a RECV's call token; 0 otherwise).
    pub aux: u64,
    /// The CQE's `reserved` word (a RECV's method number; 0 otherwise).
    pub tag: u32,
    /// What undoes the call's effect if the reply cannot be delivered
    /// (result buffer too small, no room for the caps, the caller gone):
    /// a call that fails leaves nothing behind. Run with no lock held.
    pub undo: Option<Undo>,
}

/// The undo action of a [`Reply`].
pub type Undo = alloc::boxed::Box<dyn FnOnce() + Send>;

impl Reply {
    /// Runs the undo action, if any (the reply was not delivered).
    pub fn undo(&mut self) {
        if let Some(undo) = self.undo.take() {
            undo();
        }
    }
}

impl From<Result<Reply, CapError>> for Outcome {
    fn from(r: Result<Reply, CapError>) -> Self {
        match r {
            Ok(reply) => Self::Done(reply),
            Err(e) => Self::Error(e),
        }
    }
}

/// Everything needed to complete a call after `cap_enter` returned: which
/// process, which SQE (by `user_data`) and where its result buffers are.
#[derive(Debug)]
pub struct PendingCall {
    /// The caller.
    pub process: Weak<Process>,
    /// The SQE's `user_data`.
    pub user_data: u64,
    /// Result buffer address.
    pub result_addr: u64,
    /// Result buffer capacity.
    pub result_len: u32,
    /// Where returned cap ids go.
    pub caps_addr: u64,
    /// Room for returned cap ids.
    pub caps_in_max: u16,
    /// The caller's image when it made the call ([`Process::epoch`]).
    pub epoch: u64,
    /// The kernel memory it holds while pending, charged to the caller
    /// ([`Self::charged`]; `None` for the copy a completion is delivered
    /// through, and for calls charged elsewhere).
    pub _charge: Option<crate::mem::kmem_quota::Charge>,
}

/// Kernel memory a call held pending takes (the [`PendingCall`] where an
/// object keeps it: a sleeper, a waiter, a RECV), charged to the caller.
pub const PENDING_COST: usize = core::mem::size_of::<PendingCall>() + crate::mem::kmem_quota::HEAP_OVERHEAD;

impl PendingCall {
    /// The caller, while it still runs the image that made the call.
    pub fn target(&self) -> Option<alloc::sync::Arc<Process>> {
        self.process.upgrade().filter(|p| p.epoch.load(core::sync::atomic::Ordering::Acquire) == self.epoch)
    }

    /// The pending form of `sqe`, submitted by `process`.
    pub fn for_sqe(process: &alloc::sync::Arc<Process>, sqe: &capos_config::ring::Sqe) -> Self {
        Self {
            process: alloc::sync::Arc::downgrade(process),
            user_data: sqe.user_data,
            result_addr: sqe.result_addr,
            result_len: sqe.result_len,
            caps_addr: sqe.caps_addr,
            caps_in_max: sqe.caps_in_max,
            epoch: process.epoch.load(core::sync::atomic::Ordering::Acquire),
            _charge: None,
        }
    }

    /// [`Self::for_sqe`], charged [`PENDING_COST`] to the caller's
    /// kernel-memory quota for as long as it exists (a call an object
    /// keeps: a sleep, a wait, a RECV): `OutOfMemory` past it.
    pub fn charged(
        process: &alloc::sync::Arc<Process>,
        sqe: &capos_config::ring::Sqe,
    ) -> Result<Self, CapError> {
        let charge = crate::mem::kmem_quota::charge(&process.kmem, PENDING_COST)?;
        Ok(Self { _charge: Some(charge), ..Self::for_sqe(process, sqe) })
    }

    /// Whether `process` made this call (whatever image it runs now).
    pub fn is_from(&self, process: &Process) -> bool {
        core::ptr::eq(self.process.as_ptr(), process)
    }

    /// The caller, if it is still running (a process that ended may still
    /// exist while handles to it do).
    pub fn live_caller(&self) -> Option<alloc::sync::Arc<Process>> {
        self.target().filter(|p| p.exit_status().is_none())
    }

    /// Delivers the result to the caller (if it still exists): results and
    /// caps into its memory and cap table, a CQE into its ring, and a wake-up
    /// if its thread waits for completions.
    pub fn complete(self, result: Result<Reply, CapError>) {
        match self.target() {
            Some(process) => {
                let _ = ring::deliver(&process, &self, result);
            }
            None => {
                if let Ok(mut reply) = result {
                    reply.undo();
                }
            }
        }
    }

    /// Completes the call with a bare CQE (result 0), for operations that
    /// return nothing (a PARK woken by UNPARK).
    pub fn complete_empty(self) {
        if let Some(process) = self.target() {
            ring::post_cqe(
                &process,
                &capos_config::ring::Cqe { user_data: self.user_data, ..Default::default() },
            );
        }
    }

    /// Completes the call with `error` and `aux` in the CQE (e.g. the size
    /// needed with `ResultTooSmall`).
    pub fn complete_with_aux(self, error: Result<(), CapError>, aux: u64) {
        if let (Some(process), Err(e)) = (self.target(), error) {
            ring::post_error(&process, &self, e, aux);
        }
    }
}

/// A message builder for replies: its first segment is a buffer
/// [`reply_sized`] provides (on the stack for a small reply).
pub type Builder<'a> = capnp::message::Builder<capnp::message::ScratchSpaceHeapAllocator<'a>>;

/// Encodes a Cap'n Proto message built by `build` into a reply: for
/// results of a few hundred bytes (a reply carrying data uses
/// [`reply_sized`]).
pub fn reply_with(
    build: impl FnOnce(&mut Builder<'_>) -> Result<(), capnp::Error>,
) -> Result<Reply, CapError> {
    reply_sized(0, build)
}

/// Words of a reply's first segment besides its data: room for every
/// kernel result struct and its pointers.
const REPLY_SEGMENT_WORDS: usize = 64;

/// Like [`reply_with`], for results carrying up to `data_bytes` bytes of
/// data (or of lists and text: every variable part of a reply is counted
/// here by its caller). The builder's allocations cannot fail one by one,
/// so the heap is probed first for the segment and the encoded copy
/// (`OutOfMemory` if they do not fit), and the first segment is made large
/// enough that no second one is needed: on the stack when it fits
/// [`REPLY_SEGMENT_WORDS`], else on the heap. The encoded message is kept
/// inline in the reply when it is small ([`MessageBytes`]), so a small
/// reply costs one heap allocation: the builder's own list of segments
/// (replies of data fields only avoid even that: [`reply_data`]).
/// A builder that needed a second segment anyway (a caller that counted
/// wrong: a kernel bug, which no user input can cause) got it from an
/// allocation that could not fail; its reply is refused (`OutOfMemory`)
/// and the kernel log names the bug.
pub fn reply_sized(
    data_bytes: usize,
    build: impl FnOnce(&mut Builder<'_>) -> Result<(), capnp::Error>,
) -> Result<Reply, CapError> {
    let words = REPLY_SEGMENT_WORDS.saturating_add(data_bytes.div_ceil(8));
    // The segment, the encoded message, and slack for the builder's own
    // small allocations.
    if !crate::mem::heap::has_room(words.saturating_mul(16).saturating_add(1024)) {
        return Err(CapError::OutOfMemory);
    }
    let mut stack = [capnp::word(0, 0, 0, 0, 0, 0, 0, 0); REPLY_SEGMENT_WORDS];
    let mut heap = Vec::new();
    let segment: &mut [capnp::Word] = if words <= REPLY_SEGMENT_WORDS {
        &mut stack
    } else {
        heap.try_reserve_exact(words).map_err(|_| CapError::OutOfMemory)?;
        heap.resize(words, capnp::word(0, 0, 0, 0, 0, 0, 0, 0));
        &mut heap
    };
    let mut message = capnp::message::Builder::new(capnp::message::ScratchSpaceHeapAllocator::new(
        capnp::Word::words_to_bytes_mut(segment),
    ));
    build(&mut message).map_err(|_| CapError::OutOfMemory)?;
    let segments = message.get_segments_for_output();
    let [segment] = &segments[..] else {
        log::error!(
            "a reply of {data_bytes} counted bytes needed a second segment: its size is counted wrong"
        );
        return Err(CapError::OutOfMemory);
    };
    // One segment: the table is its count less one (0) and its size in
    // words, then the segment (as `capnp::serialize` writes it).
    let size = u32::try_from(segment.len() / 8).map_err(|_| CapError::TooLarge)?;
    let mut table = [0u8; 8];
    table[4..].copy_from_slice(&size.to_le_bytes());
    Ok(Reply { message: MessageBytes::concat(&[&table, segment])?, ..Reply::default() })
}

/// A reply whose results struct has only data fields, given as its data
/// words (as the schema lays them out): written without a builder
/// (`capos_config::wire`), so a small one takes no heap at all.
pub fn reply_data(data: &[u64]) -> Result<Reply, CapError> {
    Ok(Reply { message: MessageBytes::data_struct(data)?, ..Reply::default() })
}

/// A reply with an empty results struct (every `-> ()` method's).
pub fn empty_reply() -> Result<Reply, CapError> {
    Ok(Reply { message: MessageBytes::copy_of(&capos_config::wire::EMPTY_STRUCT)?, ..Reply::default() })
}

/// Reader limits for params messages from user space: small, since no
/// kernel method takes more than a few kilobytes of structure.
pub fn reader_options() -> capnp::message::ReaderOptions {
    let mut options = capnp::message::ReaderOptions::new();
    options.traversal_limit_in_words(Some(64 * 1024)).nesting_limit(16);
    options
}

/// The segments of a params message: read in place from an 8-byte
/// aligned buffer (the ring's scratch buffer; no heap allocation), or
/// from an aligned copy of one that is not (one fallible allocation).
pub enum ParamsSegments<'a> {
    /// In place.
    Borrowed(capnp::serialize::NoAllocSliceSegments<'a>),
    /// Copied.
    Owned(capnp::serialize::NoAllocBufferSegments<AlignedParams>),
}

/// An 8-byte aligned copy of params bytes.
pub struct AlignedParams {
    words: Vec<capnp::Word>,
    len: usize,
}

impl AlignedParams {
    /// A copy of `bytes`, or `OutOfMemory`.
    fn copy(bytes: &[u8]) -> Result<Self, CapError> {
        let count = bytes.len().div_ceil(8);
        let mut words = Vec::new();
        words.try_reserve_exact(count).map_err(|_| CapError::OutOfMemory)?;
        words.resize(count, capnp::word(0, 0, 0, 0, 0, 0, 0, 0));
        capnp::Word::words_to_bytes_mut(&mut words)[..bytes.len()].copy_from_slice(bytes);
        Ok(Self { words, len: bytes.len() })
    }
}

impl AsRef<[u8]> for AlignedParams {
    fn as_ref(&self) -> &[u8] {
        &capnp::Word::words_to_bytes(&self.words)[..self.len]
    }
}

impl capnp::message::ReaderSegments for ParamsSegments<'_> {
    fn get_segment(&self, idx: u32) -> Option<&[u8]> {
        match self {
            Self::Borrowed(segments) => segments.get_segment(idx),
            Self::Owned(segments) => segments.get_segment(idx),
        }
    }

    fn len(&self) -> usize {
        match self {
            Self::Borrowed(segments) => segments.len(),
            Self::Owned(segments) => segments.len(),
        }
    }
}

/// Decodes a params message; any malformation is `MalformedParams`, no
/// memory for an aligned copy `OutOfMemory`. Both ways check the segment
/// table against the bytes the same way (the same code), and the reader's
/// limits (`reader_options`) apply to both; reading allocates nothing
/// more.
pub fn read_params(bytes: &[u8]) -> Result<capnp::message::Reader<ParamsSegments<'_>>, CapError> {
    let mut slice = bytes;
    let options = reader_options();
    let segments = if bytes.as_ptr().align_offset(8) == 0 {
        ParamsSegments::Borrowed(
            capnp::serialize::NoAllocSliceSegments::from_slice(&mut slice, options)
                .map_err(|_| CapError::MalformedParams)?,
        )
    } else {
        ParamsSegments::Owned(
            capnp::serialize::NoAllocBufferSegments::from_buffer(AlignedParams::copy(bytes)?, options)
                .map_err(|_| CapError::MalformedParams)?,
        )
    };
    Ok(capnp::message::Reader::new(segments, options))
}

/// Checks a params message a method reads no field of (`Timer.now`,
/// `WallClock.now`): refused as [`read_params`] refuses it. The shape the
/// runtime sends (one segment, a null or in-segment struct root:
/// `capos_config::wire::read_data_struct`) passes without building a
/// reader; anything else goes through `read_params`, so the fast path
/// accepts only messages `read_params` accepts.
pub fn check_params(bytes: &[u8]) -> Result<(), CapError> {
    const FAST_LEN: usize = 4096;
    if bytes.len() <= FAST_LEN && capos_config::wire::read_data_struct(bytes).is_some() {
        return Ok(());
    }
    read_params(bytes).map(drop)
}

/// Maps a capnp error while reading fields to a typed error.
pub fn malformed(_: capnp::Error) -> CapError {
    CapError::MalformedParams
}
