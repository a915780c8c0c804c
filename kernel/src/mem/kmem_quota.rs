//! Per-process kernel-memory quotas: the kernel side of
//! `capos_lib::kmem_quota`. Each process has an [`Account`]
//! (`Process::kmem`); what it makes the kernel hold is a [`Charge`]
//! against it, kept with the memory and dropped with it.
//!
//! The accounts are carved, as memory limits are: init's is the
//! [`root`], what the heap's limit allows less a reserve for the kernel's
//! own use; a spawned child's is carved out of its spawner's
//! ([`carve_for_child`]: [`DEFAULT_LIMIT`], or half of what the spawner has
//! left if that is less); a forked child shares its parent's account.
//! When the last process of an account has ended (`Process::end`), what
//! it does not still hold goes back to the spawner at once, and the rest
//! as it is freed (a message it left queued elsewhere, its `Process`
//! until reaped). So the
//! quotas of all processes together never pass the heap's limit, and one
//! subtree of processes can take no more than what it was given. What is
//! charged:
//!
//! - the process itself and its cap table's room ([`PROCESS_COST`], and
//!   [`SLOT_COST`] per slot of its quota), for as long as it exists
//!   (until its parent reaps it); so the number of processes is bounded
//!   by each subtree's quota, not by one system-wide count;
//! - each thread: its kernel stack and `Thread` ([`THREAD_COST`]);
//! - each endpoint it creates, and each client it mints (with the room
//!   for that client's release notice);
//! - each endpoint call it makes: the queued params and call until the
//!   server receives it, then the pending call until it is answered;
//! - each call of any kind while an object keeps it pending (a sleep, a
//!   wait, a RECV: `cap::PENDING_COST`, `PendingCall::charged`).
//!
//! Its page tables and pages are charged to its address-space quota
//! (`address_space::FrameQuota`), not here. A charge past the limit is
//! `OutOfMemory` to the caller (`QuotaExceeded` for a spawn or fork that
//! does not fit); the heap's own limit (`heap::limit`) backs every quota
//! together.

use alloc::sync::Arc;
use capos_abi::error::CapError;

pub use capos_lib::kmem_quota::{Account, Charge};

/// Kernel memory a spawned child gets unless its spawner has less than
/// twice that left: room for its 64 threads (about 1.1 MiB), its cap
/// table, and a little under 3 MiB of queued messages and other objects
/// (shared with the processes it forks, and carved further for those it
/// spawns).
pub const DEFAULT_LIMIT: usize = 4 << 20;

/// Heap bytes a process takes for its own bookkeeping (the `Process`, its
/// ring's kernel state, its entries in the kernel's lists), charged for as
/// long as it exists.
pub const PROCESS_COST: usize = core::mem::size_of::<crate::process::Process>()
    + core::mem::size_of::<crate::cap::ring::Ring>()
    + 512
    + 8 * HEAP_OVERHEAD;

/// Heap bytes one cap-table slot can take (the slot and the table's
/// spare room).
pub const SLOT_COST: usize = 32;

/// Kernel memory of one thread: its kernel stack and its `Thread`.
pub const THREAD_COST: usize =
    super::kstack::STACK_SIZE as usize + core::mem::size_of::<crate::thread::Thread>() + HEAP_OVERHEAD;

/// What the heap adds to a block for its bookkeeping and alignment (an
/// estimate per allocation, charged with it).
pub const HEAP_OVERHEAD: usize = 32;

/// What a process with `cap_slots` cap slots is charged for as long as
/// it exists (its first thread is charged on its own).
pub fn process_cost(cap_slots: u16) -> usize {
    PROCESS_COST + usize::from(cap_slots) * SLOT_COST
}

/// The root account (init's): the heap's limit less what the kernel holds
/// now and a reserve for its own later use (1/16 of the limit, at least
/// 1 MiB), and at most what the kernel stacks can back (every thread is
/// charged [`THREAD_COST`], so the quotas can never ask for more threads
/// than there are stacks). Called once, when init is made.
pub fn root() -> Result<Arc<Account>, CapError> {
    let limit = usize::try_from(super::heap::size_and_limit().1).unwrap_or(usize::MAX);
    let (used, _) = super::heap::usage();
    let reserve = used.saturating_add((limit / 16).max(1 << 20));
    let stacks = super::kstack::USER_STACKS.saturating_mul(THREAD_COST);
    let bytes = limit.saturating_sub(reserve).min(stacks);
    Arc::try_new(Account::new(bytes)).map_err(|_| CapError::OutOfMemory)
}

/// A spawned child's account of `asked` bytes, carved out of its
/// spawner's `from`; for 0, [`DEFAULT_LIMIT`], or half of what `from` has
/// left if that is less. `QuotaExceeded` if `from` has less left, or the
/// default is too little to start a process with `cap_slots` cap slots;
/// `InvalidArgument` if `asked` is (nothing carved).
pub fn carve_for_child(from: &Arc<Account>, cap_slots: u16, asked: u64) -> Result<Arc<Account>, CapError> {
    let least = process_cost(cap_slots).saturating_add(THREAD_COST);
    let bytes = match asked {
        0 => Account::default_carve(from.left(), DEFAULT_LIMIT),
        asked => usize::try_from(asked).map_err(|_| CapError::QuotaExceeded)?,
    };
    if bytes < least {
        return Err(if asked == 0 { CapError::QuotaExceeded } else { CapError::InvalidArgument });
    }
    let account = Account::carve(from, bytes).map_err(|_| CapError::QuotaExceeded)?;
    // On failure the account is dropped, which gives the carve back.
    Arc::try_new(account).map_err(|_| CapError::OutOfMemory)
}

/// Charges a new process with `cap_slots` cap slots to `account` for its
/// life: `QuotaExceeded` unless the account also has room for its first
/// thread (a process that cannot run is not made).
pub fn charge_process(account: &Arc<Account>, cap_slots: u16) -> Result<Charge, CapError> {
    let cost = process_cost(cap_slots);
    if account.left() < cost.saturating_add(THREAD_COST) {
        return Err(CapError::QuotaExceeded);
    }
    Charge::take(account, cost).map_err(|_| CapError::QuotaExceeded)
}

/// Charges `bytes` to `account`: `OutOfMemory` past its limit.
pub fn charge(account: &Arc<Account>, bytes: usize) -> Result<Charge, CapError> {
    Ok(Charge::take(account, bytes)?)
}
