//! Per-process kernel-memory quotas: the kernel side of
//! `capos_lib::kmem_quota`. Each process has an [`Account`]
//! (`Process::kmem`) of [`DEFAULT_LIMIT`] bytes; what it makes the kernel
//! hold is a [`Charge`] against it, kept with the memory and dropped with
//! it:
//!
//! - its cap table's room ([`SLOT_COST`] per slot of its quota), fixed for
//!   its life;
//! - each thread: its kernel stack and `Thread` ([`THREAD_COST`]);
//! - each endpoint it creates, and each client it mints (with the room
//!   for that client's release notice);
//! - each endpoint call it makes: the queued params and call until the
//!   server receives it, then the pending call until it is answered.
//!
//! Its page tables and pages are charged to its address-space quota
//! (`address_space::FrameQuota`), not here. A charge past the limit is
//! `OutOfMemory` to the caller; the heap's own limit (`heap::limit`) backs
//! every quota together.

use alloc::sync::Arc;

pub use capos_lib::kmem_quota::{Account, Charge};

/// Kernel memory one process may cause: room for its 64 threads (about
/// 1.1 MiB), its cap table, and a little under 3 MiB of queued messages
/// and other objects.
pub const DEFAULT_LIMIT: usize = 4 << 20;

/// Heap bytes one cap-table slot can take (the slot and the table's
/// spare room).
pub const SLOT_COST: usize = 32;

/// Kernel memory of one thread: its kernel stack and its `Thread`.
pub const THREAD_COST: usize =
    super::kstack::STACK_SIZE as usize + core::mem::size_of::<crate::thread::Thread>() + HEAP_OVERHEAD;

/// What the heap adds to a block for its bookkeeping and alignment (an
/// estimate per allocation, charged with it).
pub const HEAP_OVERHEAD: usize = 32;

/// A new account for a process with `cap_slots` cap slots, or
/// `OutOfMemory` when the heap has no room for it.
pub fn account(cap_slots: u16) -> Result<Arc<Account>, capos_abi::error::CapError> {
    Arc::try_new(Account::with_fixed(DEFAULT_LIMIT, usize::from(cap_slots) * SLOT_COST))
        .map_err(|_| capos_abi::error::CapError::OutOfMemory)
}

/// Charges `bytes` to `account`: `OutOfMemory` past its limit.
pub fn charge(account: &Arc<Account>, bytes: usize) -> Result<Charge, capos_abi::error::CapError> {
    Ok(Charge::take(account, bytes)?)
}
