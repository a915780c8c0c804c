//! The per-process capability table: slots holding the kernel's object
//! handles, named by [`CapId`]s, with a slot quota fixed at creation.
//!
//! # Cap ids
//!
//! A [`CapId`] is a `u32`: bits 0..16 are the slot index, bits 16..32 the
//! slot's generation. Every slot starts at generation 1 and moves to the
//! next generation each time the cap in it goes away (removed, or moved to
//! another table), wrapping from 65535 back to 1. Generation 0 is never
//! used, so the raw value 0 is never a valid id. An id whose slot has moved
//! on is [`CapTableError::Stale`]; a slot is only reused with a new
//! generation, so an old id cannot reach the new cap until the slot has
//! been reused 65535 times.
//!
//! # Quota
//!
//! A table never holds more than `quota` slots (at most 65535). Live caps,
//! slots reserved for an incoming transfer and slots whose cap is being
//! moved out all count against the quota; freed slots are reused (LIFO)
//! before the table grows.
//!
//! # Transfers
//!
//! Moving or copying caps between tables (or within one) is all-or-nothing
//! and happens in two phases, so the kernel can check everything before it
//! changes anything and can keep a transfer pending while a call is in
//! flight:
//!
//! 1. `dest.reserve(n)` takes `n` slots from the destination's quota and
//!    returns a [`Reservation`] (or `QuotaExceeded`, changing nothing).
//! 2. `src.prepare_move(ids)`, `src.prepare_copy(ids)` or `src.prepare(items)`
//!    checks every id (`Invalid`, `Stale`, `InTransfer`, `DuplicateMove`) and
//!    only then takes the objects into a [`Prepared`] transfer: copies are
//!    cloned, moved caps leave their slot "in transfer" (unusable, still
//!    counted) until the transfer ends.
//! 3. [`CapTable::commit`] (or [`CapTable::commit_local`] when source and
//!    destination are the same table) installs the objects in the reserved
//!    slots, returns their new ids in request order and frees the moved
//!    source slots (bumping their generations). Alternatively
//!    [`CapTable::rollback`] puts moved caps back exactly as they were and
//!    [`CapTable::cancel_reservation`] returns the reserved slots.
//!
//! [`Reservation`] and [`Prepared`] are not `Clone`, are consumed by the
//! call that ends them and are `#[must_use]`. Each remembers the table it
//! came from; handing it to another table is [`CapTableError::WrongTable`]
//! and gives the token back (in a [`TokenError`]) so it can still be ended
//! properly. Dropping a token without ending it leaks its slots (they stay
//! reserved or in transfer) but breaks nothing else; that is only right when
//! the table it came from is gone.

use alloc::vec::Vec;
use capos_abi::error::CapError;
use core::sync::atomic::{AtomicU64, Ordering};

/// Largest slot quota (slot indices are 16 bits).
pub const MAX_QUOTA: u16 = u16::MAX;

/// Names a cap in one table: slot index in bits 0..16, generation in bits
/// 16..32. The raw value travels in SQEs and the bootstrap CapSet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CapId(u32);

impl CapId {
    /// The id with this raw value (any value; tables check it).
    pub const fn from_raw(raw: u32) -> Self {
        Self(raw)
    }

    /// The id of slot `index` at `generation`.
    pub const fn new(index: u16, generation: u16) -> Self {
        Self((generation as u32) << 16 | index as u32)
    }

    /// The raw `u32` value.
    pub const fn raw(self) -> u32 {
        self.0
    }

    /// The slot index (bits 0..16).
    pub const fn index(self) -> u16 {
        self.0 as u16
    }

    /// The generation (bits 16..32); 0 in no valid id.
    pub const fn generation(self) -> u16 {
        (self.0 >> 16) as u16
    }
}

impl From<CapId> for u32 {
    fn from(id: CapId) -> u32 {
        id.raw()
    }
}

impl core::fmt::Display for CapId {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "cap {}.{}", self.index(), self.generation())
    }
}

/// The generation after `g`: wraps from 65535 to 1, never 0.
pub const fn next_generation(g: u16) -> u16 {
    if g == u16::MAX { 1 } else { g + 1 }
}

/// Why a table operation failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CapTableError {
    /// The id names no slot of the table, has generation 0, or names an
    /// empty slot at a generation that was never handed out.
    Invalid,
    /// The slot's generation differs from the id's: the cap was released
    /// (and the slot maybe reused).
    Stale,
    /// The slot quota is used up.
    QuotaExceeded,
    /// The cap is being moved by a pending transfer.
    InTransfer,
    /// One transfer moves the same cap twice, or moves and copies it.
    DuplicateMove,
    /// A [`Reservation`] or [`Prepared`] transfer handed to a table it did
    /// not come from.
    WrongTable,
    /// The reservation's slot count differs from the transfer's cap count.
    CountMismatch,
    /// The kernel heap could not grow the table's bookkeeping.
    OutOfMemory,
}

impl core::fmt::Display for CapTableError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Self::Invalid => "invalid capability id",
            Self::Stale => "stale capability id",
            Self::QuotaExceeded => "capability slot quota exceeded",
            Self::InTransfer => "capability is being transferred",
            Self::DuplicateMove => "capability moved twice in one transfer",
            Self::WrongTable => "transfer token used with the wrong table",
            Self::CountMismatch => "reservation size differs from the transfer size",
            Self::OutOfMemory => "out of memory for the capability table",
        })
    }
}

impl From<CapTableError> for CapError {
    /// `InTransfer` is `WouldBlock` (the cap comes back if its transfer is
    /// rolled back); the token misuse errors are kernel bugs and read as
    /// `InvalidArgument`.
    fn from(e: CapTableError) -> CapError {
        match e {
            CapTableError::Invalid => CapError::InvalidCap,
            CapTableError::Stale => CapError::StaleCap,
            CapTableError::QuotaExceeded => CapError::QuotaExceeded,
            CapTableError::InTransfer => CapError::WouldBlock,
            CapTableError::DuplicateMove | CapTableError::WrongTable | CapTableError::CountMismatch => {
                CapError::InvalidArgument
            }
            CapTableError::OutOfMemory => CapError::OutOfMemory,
        }
    }
}

/// An error that hands back the token the failed call consumed, so it can
/// still be committed, rolled back or cancelled on the right table.
#[derive(Debug)]
pub struct TokenError<V> {
    /// What went wrong.
    pub error: CapTableError,
    /// The token, unchanged.
    pub token: V,
}

impl<V> core::fmt::Display for TokenError<V> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        self.error.fmt(f)
    }
}

/// How one cap travels in a transfer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TransferKind {
    /// The source keeps its cap; the destination gets a clone.
    Copy,
    /// The source's slot is freed when the transfer commits.
    Move,
}

/// Slots taken from a table's quota for an incoming transfer. End it with
/// [`CapTable::commit`], [`CapTable::commit_local`] or
/// [`CapTable::cancel_reservation`].
#[must_use = "a reservation holds slots until it is committed or cancelled"]
#[derive(Debug, PartialEq, Eq)]
pub struct Reservation {
    table: u64,
    slots: Vec<u16>,
    /// `slots[fresh_from..]` were created for this reservation (past the
    /// table's end at the time), the ones before came off the free list.
    fresh_from: usize,
}

impl Reservation {
    /// Number of slots reserved.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether no slots are reserved.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }
}

#[derive(Debug)]
struct PreparedItem<T> {
    source: CapId,
    kind: TransferKind,
    object: T,
}

/// Caps taken out of a source table for a transfer: clones for copies, the
/// objects themselves for moves (whose source slots are in transfer). End
/// it with [`CapTable::commit`], [`CapTable::commit_local`] or
/// [`CapTable::rollback`].
#[must_use = "a prepared transfer holds caps until it is committed or rolled back"]
#[derive(Debug)]
pub struct Prepared<T> {
    table: u64,
    items: Vec<PreparedItem<T>>,
}

impl<T> Prepared<T> {
    /// Number of caps in the transfer.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether the transfer carries no caps.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The caps in request order: source id, kind, object (so the kernel
    /// can check e.g. transferability before committing).
    pub fn iter(&self) -> impl Iterator<Item = (CapId, TransferKind, &T)> + '_ {
        self.items.iter().map(|i| (i.source, i.kind, &i.object))
    }

    /// The objects, for a caller that must choose where they are dropped
    /// (a token its table refused).
    pub fn into_objects(self) -> Vec<T> {
        self.items.into_iter().map(|i| i.object).collect()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Slot<T> {
    /// Empty; `generation` is the one the next cap will get.
    Free { generation: u16, next: Option<u16> },
    /// Holds a cap.
    Live { generation: u16, object: T },
    /// Held by a [`Reservation`]; `generation` is the one the cap will get.
    Reserved { generation: u16 },
    /// The cap (generation `generation`) is in a [`Prepared`] move.
    InTransfer { generation: u16 },
}

impl<T> Slot<T> {
    fn generation(&self) -> u16 {
        match *self {
            Self::Free { generation, .. }
            | Self::Live { generation, .. }
            | Self::Reserved { generation }
            | Self::InTransfer { generation } => generation,
        }
    }
}

static NEXT_TABLE_ID: AtomicU64 = AtomicU64::new(1);

/// A capability table holding objects of type `T` (the kernel's handle,
/// e.g. an `Arc` of a kernel object).
#[derive(Debug)]
pub struct CapTable<T> {
    /// Unique per table, to match tokens with their table.
    id: u64,
    slots: Vec<Slot<T>>,
    free_head: Option<u16>,
    quota: u16,
    /// Live slots.
    live: usize,
    /// Slots that are not free (live, reserved, in transfer).
    used: usize,
}

fn try_vec<V>(capacity: usize) -> Result<Vec<V>, CapTableError> {
    let mut v = Vec::new();
    v.try_reserve_exact(capacity).map_err(|_| CapTableError::OutOfMemory)?;
    Ok(v)
}

impl<T> CapTable<T> {
    /// An empty table that will hold at most `quota` slots.
    pub fn new(quota: u16) -> Self {
        Self {
            id: NEXT_TABLE_ID.fetch_add(1, Ordering::Relaxed),
            slots: Vec::new(),
            free_head: None,
            quota,
            live: 0,
            used: 0,
        }
    }

    /// The slot quota.
    pub fn quota(&self) -> usize {
        usize::from(self.quota)
    }

    /// Number of live caps.
    pub fn len(&self) -> usize {
        self.live
    }

    /// Whether the table holds no live caps.
    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// Slots still available (quota minus live, reserved and in-transfer
    /// slots).
    pub fn free_slots(&self) -> usize {
        self.quota().saturating_sub(self.used)
    }

    /// The slot index of a live cap, or why `id` names none.
    fn lookup(&self, id: CapId) -> Result<usize, CapTableError> {
        let generation = id.generation();
        if generation == 0 {
            return Err(CapTableError::Invalid);
        }
        let index = usize::from(id.index());
        let slot = self.slots.get(index).ok_or(CapTableError::Invalid)?;
        if slot.generation() != generation {
            return Err(CapTableError::Stale);
        }
        match slot {
            Slot::Live { .. } => Ok(index),
            Slot::InTransfer { .. } => Err(CapTableError::InTransfer),
            Slot::Free { .. } | Slot::Reserved { .. } => Err(CapTableError::Invalid),
        }
    }

    /// The object `id` names.
    pub fn get(&self, id: CapId) -> Result<&T, CapTableError> {
        match self.slots.get(self.lookup(id)?) {
            Some(Slot::Live { object, .. }) => Ok(object),
            _ => Err(CapTableError::Invalid),
        }
    }

    /// The object `id` names, mutably.
    pub fn get_mut(&mut self, id: CapId) -> Result<&mut T, CapTableError> {
        let index = self.lookup(id)?;
        match self.slots.get_mut(index) {
            Some(Slot::Live { object, .. }) => Ok(object),
            _ => Err(CapTableError::Invalid),
        }
    }

    /// Every live cap with its id, in slot order.
    pub fn iter(&self) -> impl Iterator<Item = (CapId, &T)> + '_ {
        self.slots.iter().enumerate().filter_map(|(i, slot)| match slot {
            Slot::Live { generation, object } => Some((CapId::new(i as u16, *generation), object)),
            _ => None,
        })
    }

    /// Takes a slot off the free list (or past the end) and marks it
    /// reserved; returns its index.
    fn alloc_slot(&mut self) -> Result<u16, CapTableError> {
        if self.used >= self.quota() {
            return Err(CapTableError::QuotaExceeded);
        }
        if let Some(head) = self.free_head {
            let slot = self.slots.get_mut(usize::from(head)).ok_or(CapTableError::Invalid)?;
            let Slot::Free { generation, next } = *slot else {
                return Err(CapTableError::Invalid);
            };
            *slot = Slot::Reserved { generation };
            self.free_head = next;
            self.used += 1;
            return Ok(head);
        }
        let index = self.slots.len();
        if index >= self.quota() {
            return Err(CapTableError::QuotaExceeded);
        }
        self.slots.try_reserve(1).map_err(|_| CapTableError::OutOfMemory)?;
        self.slots.push(Slot::Reserved { generation: 1 });
        self.used += 1;
        // index < quota <= u16::MAX.
        Ok(index as u16)
    }

    /// Puts `object` in a free slot and returns its id.
    pub fn insert(&mut self, object: T) -> Result<CapId, CapTableError> {
        let index = self.alloc_slot()?;
        let slot = self.slots.get_mut(usize::from(index)).ok_or(CapTableError::Invalid)?;
        let generation = slot.generation();
        *slot = Slot::Live { generation, object };
        self.live += 1;
        Ok(CapId::new(index, generation))
    }

    /// Frees slot `index` (which must not be free), moving it to the next
    /// generation; returns what it held.
    fn free_slot(&mut self, index: usize) -> Option<Slot<T>> {
        let next = self.free_head;
        let slot = self.slots.get_mut(index)?;
        if matches!(slot, Slot::Free { .. }) {
            return None;
        }
        let generation = next_generation(slot.generation());
        let old = core::mem::replace(slot, Slot::Free { generation, next });
        self.free_head = Some(index as u16);
        self.used -= 1;
        if matches!(old, Slot::Live { .. }) {
            self.live -= 1;
        }
        Some(old)
    }

    /// Removes the cap `id` names and returns its object; `id` (and every
    /// copy of it) is stale from now on.
    pub fn remove(&mut self, id: CapId) -> Result<T, CapTableError> {
        let index = self.lookup(id)?;
        match self.free_slot(index) {
            Some(Slot::Live { object, .. }) => Ok(object),
            _ => Err(CapTableError::Invalid),
        }
    }

    /// A copy of this table for a forked process: every live cap at the
    /// same id, its object made by `copy` (`None`: the cap does not go to
    /// the child; its slot is free there, and the id is stale). Slots held
    /// by a reservation or a transfer in flight are free in the copy (the
    /// operation belongs to the original's process). The copy has the
    /// same quota and its own identity (tokens of this table do not match
    /// it).
    pub fn duplicate(&self, mut copy: impl FnMut(&T) -> Option<T>) -> Result<Self, CapTableError> {
        let mut slots = try_vec(self.slots.len())?;
        let (mut live, mut free_head) = (0, None);
        // Built back to front, so the free list starts at the lowest free
        // index, as a fresh table's would.
        let mut reversed: Vec<Slot<T>> = try_vec(self.slots.len())?;
        for index in (0..self.slots.len()).rev() {
            let slot = &self.slots[index];
            let kept = match slot {
                Slot::Live { generation, object } => {
                    copy(object).map(|object| Slot::Live { generation: *generation, object })
                }
                _ => None,
            };
            let slot = match kept {
                Some(slot) => {
                    live += 1;
                    slot
                }
                None => {
                    let generation = match slot {
                        Slot::Free { generation, .. } => *generation,
                        other => next_generation(other.generation()),
                    };
                    let free = Slot::Free { generation, next: free_head };
                    // index < slots.len() <= quota <= u16::MAX.
                    free_head = Some(index as u16);
                    free
                }
            };
            reversed.push(slot);
        }
        slots.extend(reversed.into_iter().rev());
        Ok(Self {
            id: NEXT_TABLE_ID.fetch_add(1, Ordering::Relaxed),
            slots,
            free_head,
            quota: self.quota,
            live,
            used: live,
        })
    }

    /// Reserves `n` slots for an incoming transfer; `QuotaExceeded` (with
    /// nothing changed) if fewer are free.
    pub fn reserve(&mut self, n: usize) -> Result<Reservation, CapTableError> {
        if n > self.free_slots() {
            return Err(CapTableError::QuotaExceeded);
        }
        let mut slots = try_vec(n)?;
        let old_len = self.slots.len();
        // Grow the slot vector up front so no allocation can fail midway.
        let fresh_needed = n.saturating_sub(self.free_list_len());
        self.slots.try_reserve(fresh_needed).map_err(|_| CapTableError::OutOfMemory)?;
        for _ in 0..n {
            match self.alloc_slot() {
                Ok(index) => slots.push(index),
                Err(e) => {
                    let fresh_from = slots.iter().position(|&i| usize::from(i) >= old_len);
                    let partial =
                        Reservation { table: self.id, fresh_from: fresh_from.unwrap_or(slots.len()), slots };
                    // Cannot fail: the slots were just reserved here.
                    let _ = self.cancel_reservation(partial);
                    return Err(e);
                }
            }
        }
        let fresh_from = slots.iter().position(|&i| usize::from(i) >= old_len).unwrap_or(slots.len());
        Ok(Reservation { table: self.id, slots, fresh_from })
    }

    /// Free slots below the end of the slot vector (every slot is free or
    /// used).
    fn free_list_len(&self) -> usize {
        self.slots.len().saturating_sub(self.used)
    }

    /// Gives reserved slots back, restoring the table exactly as it was
    /// before [`Self::reserve`] if nothing else changed it in between.
    pub fn cancel_reservation(&mut self, reservation: Reservation) -> Result<(), TokenError<Reservation>> {
        if let Err(error) = self.check_reservation(&reservation) {
            return Err(TokenError { error, token: reservation });
        }
        for (pos, &index) in reservation.slots.iter().enumerate().rev() {
            let index = usize::from(index);
            let fresh = pos >= reservation.fresh_from;
            if fresh && index + 1 == self.slots.len() {
                // Never handed out an id, so its generation need not be kept.
                self.slots.pop();
                self.used -= 1;
            } else if let Some(slot) = self.slots.get_mut(index) {
                // No id was handed out either: keep the generation.
                *slot = Slot::Free { generation: slot.generation(), next: self.free_head };
                self.free_head = Some(index as u16);
                self.used -= 1;
            }
        }
        Ok(())
    }

    fn check_reservation(&self, reservation: &Reservation) -> Result<(), CapTableError> {
        if reservation.table != self.id {
            return Err(CapTableError::WrongTable);
        }
        let all_reserved = reservation
            .slots
            .iter()
            .all(|&i| matches!(self.slots.get(usize::from(i)), Some(Slot::Reserved { .. })));
        if all_reserved { Ok(()) } else { Err(CapTableError::Invalid) }
    }

    /// Prepares moving the caps `ids` out of this table.
    pub fn prepare_move(&mut self, ids: &[CapId]) -> Result<Prepared<T>, CapTableError> {
        self.prepare_inner(ids.iter().map(|&id| (id, TransferKind::Move)), None)
    }

    /// Prepares copying the caps `ids` (duplicates allowed).
    pub fn prepare_copy(&mut self, ids: &[CapId]) -> Result<Prepared<T>, CapTableError>
    where
        T: Clone,
    {
        self.prepare_inner(ids.iter().map(|&id| (id, TransferKind::Copy)), Some(T::clone))
    }

    /// Prepares a transfer mixing copies and moves. A moved cap may appear
    /// only once in `items`; copied caps may repeat.
    pub fn prepare(&mut self, items: &[(CapId, TransferKind)]) -> Result<Prepared<T>, CapTableError>
    where
        T: Clone,
    {
        self.prepare_inner(items.iter().copied(), Some(T::clone))
    }

    fn prepare_inner(
        &mut self,
        items: impl Iterator<Item = (CapId, TransferKind)> + Clone,
        clone: Option<fn(&T) -> T>,
    ) -> Result<Prepared<T>, CapTableError> {
        // A transfer of no caps (most calls): nothing to check or take.
        if items.clone().next().is_none() {
            return Ok(Prepared { table: self.id, items: Vec::new() });
        }
        // Phase 1: check every id; nothing changes.
        let mut count = 0;
        let mut moves: Vec<u16> = Vec::new();
        for (id, kind) in items.clone() {
            self.lookup(id)?;
            count += 1;
            match kind {
                TransferKind::Move => {
                    moves.try_reserve(1).map_err(|_| CapTableError::OutOfMemory)?;
                    moves.push(id.index());
                }
                TransferKind::Copy if clone.is_none() => return Err(CapTableError::Invalid),
                TransferKind::Copy => {}
            }
        }
        moves.sort_unstable();
        if moves.windows(2).any(|w| w[0] == w[1]) {
            return Err(CapTableError::DuplicateMove);
        }
        let moved_and_copied = items
            .clone()
            .any(|(id, kind)| kind == TransferKind::Copy && moves.binary_search(&id.index()).is_ok());
        if moved_and_copied {
            return Err(CapTableError::DuplicateMove);
        }
        let mut prepared = Prepared { table: self.id, items: try_vec(count)? };

        // Phase 2: take the objects. Every id was checked above, so the
        // fallbacks below only guard against a broken invariant.
        for (id, kind) in items {
            let index = usize::from(id.index());
            let object = match (kind, clone, self.slots.get_mut(index)) {
                (TransferKind::Copy, Some(clone), Some(Slot::Live { object, .. })) => Some(clone(object)),
                (TransferKind::Move, _, Some(slot @ Slot::Live { .. })) => {
                    let generation = slot.generation();
                    match core::mem::replace(slot, Slot::InTransfer { generation }) {
                        Slot::Live { object, .. } => {
                            self.live -= 1;
                            Some(object)
                        }
                        other => {
                            *slot = other;
                            None
                        }
                    }
                }
                _ => None,
            };
            match object {
                Some(object) => prepared.items.push(PreparedItem { source: id, kind, object }),
                None => {
                    self.restore_moves(prepared);
                    return Err(CapTableError::Invalid);
                }
            }
        }
        Ok(prepared)
    }

    /// Puts moved objects back in their in-transfer slots; drops copies.
    fn restore_moves(&mut self, prepared: Prepared<T>) {
        for item in prepared.items {
            if item.kind != TransferKind::Move {
                continue;
            }
            if let Some(slot) = self.slots.get_mut(usize::from(item.source.index())) {
                let generation = item.source.generation();
                if matches!(slot, Slot::InTransfer { generation: g } if *g == generation) {
                    *slot = Slot::Live { generation, object: item.object };
                    self.live += 1;
                }
            }
        }
    }

    fn check_prepared(&self, prepared: &Prepared<T>) -> Result<(), CapTableError> {
        if prepared.table != self.id {
            return Err(CapTableError::WrongTable);
        }
        let moves_in_transfer = prepared.items.iter().filter(|i| i.kind == TransferKind::Move).all(|i| {
            let generation = i.source.generation();
            matches!(self.slots.get(usize::from(i.source.index())),
                Some(Slot::InTransfer { generation: g }) if *g == generation)
        });
        if moves_in_transfer { Ok(()) } else { Err(CapTableError::Invalid) }
    }

    /// Abandons a prepared transfer: moved caps are live again under their
    /// old ids, copies are dropped. The table is exactly as it was before
    /// the `prepare_*` call (if nothing else changed it in between).
    pub fn rollback(&mut self, prepared: Prepared<T>) -> Result<(), TokenError<Prepared<T>>> {
        if let Err(error) = self.check_prepared(&prepared) {
            return Err(TokenError { error, token: prepared });
        }
        self.restore_moves(prepared);
        Ok(())
    }

    /// Puts `object` in reserved slot `index` and records its id (`ids`
    /// has room: no allocation).
    fn install(&mut self, index: u16, object: T, ids: &mut Vec<CapId>) {
        if let Some(slot) = self.slots.get_mut(usize::from(index)) {
            let generation = slot.generation();
            *slot = Slot::Live { generation, object };
            self.live += 1;
            ids.push(CapId::new(index, generation));
        }
    }

    /// Ends a transfer from `source` to `dest`: the prepared objects go into
    /// the reserved slots of `dest` (their ids are returned in request
    /// order) and moved caps' slots in `source` are freed, which makes the
    /// old ids stale. Nothing changes on error, and the tokens come back.
    pub fn commit(
        source: &mut Self,
        dest: &mut Self,
        prepared: Prepared<T>,
        reservation: Reservation,
    ) -> Result<Vec<CapId>, TokenError<(Prepared<T>, Reservation)>> {
        let checked = source
            .check_prepared(&prepared)
            .and_then(|()| dest.check_reservation(&reservation))
            .and_then(|()| Self::check_counts(&prepared, &reservation));
        let mut ids = match checked {
            Ok(ids) => ids,
            Err(error) => return Err(TokenError { error, token: (prepared, reservation) }),
        };
        for (item, &index) in prepared.items.into_iter().zip(&reservation.slots) {
            if item.kind == TransferKind::Move {
                source.free_slot(usize::from(item.source.index()));
            }
            dest.install(index, item.object, &mut ids);
        }
        Ok(ids)
    }

    /// Ends a transfer whose receiver is not a table (the kernel keeps the
    /// objects, e.g. caps sent to a kernel object with a call): returns the
    /// prepared objects in request order and frees the moved caps' slots,
    /// making their old ids stale. Nothing changes on error, and the token
    /// comes back.
    pub fn commit_out(&mut self, prepared: Prepared<T>) -> Result<Vec<T>, TokenError<Prepared<T>>> {
        if let Err(error) = self.check_prepared(&prepared) {
            return Err(TokenError { error, token: prepared });
        }
        let mut objects = match try_vec(prepared.items.len()) {
            Ok(v) => v,
            Err(error) => return Err(TokenError { error, token: prepared }),
        };
        for item in prepared.items {
            if item.kind == TransferKind::Move {
                self.free_slot(usize::from(item.source.index()));
            }
            objects.push(item.object);
        }
        Ok(objects)
    }

    /// [`Self::commit`] for a transfer within this one table.
    pub fn commit_local(
        &mut self,
        prepared: Prepared<T>,
        reservation: Reservation,
    ) -> Result<Vec<CapId>, TokenError<(Prepared<T>, Reservation)>> {
        let checked = self
            .check_prepared(&prepared)
            .and_then(|()| self.check_reservation(&reservation))
            .and_then(|()| Self::check_counts(&prepared, &reservation));
        let mut ids = match checked {
            Ok(ids) => ids,
            Err(error) => return Err(TokenError { error, token: (prepared, reservation) }),
        };
        for (item, &index) in prepared.items.into_iter().zip(&reservation.slots) {
            if item.kind == TransferKind::Move {
                self.free_slot(usize::from(item.source.index()));
            }
            self.install(index, item.object, &mut ids);
        }
        Ok(ids)
    }

    /// Checks the sizes match and allocates the id vector.
    fn check_counts(prepared: &Prepared<T>, reservation: &Reservation) -> Result<Vec<CapId>, CapTableError> {
        if prepared.items.len() != reservation.slots.len() {
            return Err(CapTableError::CountMismatch);
        }
        try_vec(prepared.items.len())
    }

    /// Verifies the table's internal bookkeeping (free list, counters,
    /// quota, generations); for tests, fuzzing and kernel self-checks.
    pub fn check_invariants(&self) -> Result<(), &'static str> {
        if self.slots.len() > self.quota() {
            return Err("more slots than the quota");
        }
        let (mut live, mut used, mut free) = (0, 0, 0);
        for slot in &self.slots {
            if slot.generation() == 0 {
                return Err("slot at generation 0");
            }
            match slot {
                Slot::Free { .. } => free += 1,
                Slot::Live { .. } => {
                    live += 1;
                    used += 1;
                }
                Slot::Reserved { .. } | Slot::InTransfer { .. } => used += 1,
            }
        }
        if live != self.live || used != self.used {
            return Err("live or used count out of step");
        }
        let mut walked = 0;
        let mut cursor = self.free_head;
        while let Some(index) = cursor {
            walked += 1;
            if walked > free {
                return Err("free list longer than the free slots (cycle or non-free entry)");
            }
            match self.slots.get(usize::from(index)) {
                Some(Slot::Free { next, .. }) => cursor = *next,
                _ => return Err("free list reaches a slot that is not free"),
            }
        }
        if walked != free {
            return Err("free list misses free slots");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_token_gives_its_objects_back() {
        let mut a = CapTable::new(4);
        let mut b: CapTable<char> = CapTable::new(4);
        let x = a.insert('x').unwrap();
        let y = a.insert('y').unwrap();
        let prepared = a.prepare(&[(x, TransferKind::Copy), (y, TransferKind::Move)]).unwrap();
        let refused = b.rollback(prepared).unwrap_err();
        assert_eq!(refused.token.into_objects(), ['x', 'y']);
    }

    #[test]
    fn commit_out_hands_objects_over_and_frees_moved_slots() {
        let mut t = CapTable::new(4);
        let a = t.insert('a').unwrap();
        let b = t.insert('b').unwrap();
        let prepared = t.prepare(&[(a, TransferKind::Copy), (b, TransferKind::Move)]).unwrap();
        assert_eq!(t.get(b), Err(CapTableError::InTransfer), "a moved cap is unusable while in transfer");
        assert_eq!(t.commit_out(prepared).unwrap(), vec!['a', 'b']);
        assert_eq!(t.get(a), Ok(&'a'), "a copy stays");
        assert_eq!(t.get(b), Err(CapTableError::Stale), "a moved cap is gone");
        assert_eq!(t.len(), 1);
        t.check_invariants().unwrap();
        let prepared = t.prepare_move(&[a]).unwrap();
        t.rollback(prepared).unwrap();
        assert_eq!(t.get(a), Ok(&'a'), "rollback restores a move");
    }
    use std::collections::{BTreeMap, BTreeSet};

    /// The table's whole observable and internal state, for "nothing
    /// changed" checks.
    #[derive(Debug, PartialEq)]
    struct Snapshot<T> {
        slots: Vec<Slot<T>>,
        free_head: Option<u16>,
        live: usize,
        used: usize,
    }

    fn snapshot<T: Clone>(t: &CapTable<T>) -> Snapshot<T> {
        Snapshot { slots: t.slots.clone(), free_head: t.free_head, live: t.live, used: t.used }
    }

    fn filled(quota: u16, n: u32) -> (CapTable<String>, Vec<CapId>) {
        let mut t = CapTable::new(quota);
        let ids = (0..n).map(|i| t.insert(format!("obj{i}")).unwrap()).collect();
        (t, ids)
    }

    #[test]
    fn cap_id_layout() {
        let id = CapId::new(0x1234, 0xabcd);
        assert_eq!(id.raw(), 0xabcd_1234);
        assert_eq!((id.index(), id.generation()), (0x1234, 0xabcd));
        assert_eq!(CapId::from_raw(0xabcd_1234), id);
        assert_eq!(u32::from(id), 0xabcd_1234);
        assert_eq!(id.to_string(), "cap 4660.43981");
        assert_eq!(next_generation(1), 2);
        assert_eq!(next_generation(u16::MAX), 1);
    }

    #[test]
    fn insert_get_remove() {
        let mut t = CapTable::new(4);
        assert!(t.is_empty());
        let a = t.insert("a").unwrap();
        let b = t.insert("b").unwrap();
        assert_eq!(a, CapId::new(0, 1), "first id: slot 0, generation 1");
        assert_ne!(a.raw(), 0);
        assert_eq!((t.get(a), t.get(b)), (Ok(&"a"), Ok(&"b")));
        *t.get_mut(b).unwrap() = "B";
        assert_eq!((t.len(), t.free_slots(), t.quota()), (2, 2, 4));
        assert_eq!(t.remove(a), Ok("a"));
        assert_eq!(t.remove(a), Err(CapTableError::Stale));
        assert_eq!(t.get(a), Err(CapTableError::Stale));
        assert_eq!(t.get_mut(a), Err(CapTableError::Stale));
        assert_eq!(t.iter().collect::<Vec<_>>(), [(b, &"B")]);
        t.check_invariants().unwrap();
    }

    #[test]
    fn invalid_ids() {
        let (mut t, ids) = filled(8, 2);
        assert_eq!(t.get(CapId::from_raw(0)), Err(CapTableError::Invalid), "raw 0 is never valid");
        assert_eq!(t.get(CapId::new(0, 0)), Err(CapTableError::Invalid), "generation 0");
        assert_eq!(t.get(CapId::new(2, 1)), Err(CapTableError::Invalid), "slot never used");
        assert_eq!(t.get(CapId::new(9, 1)), Err(CapTableError::Invalid), "past the quota");
        assert_eq!(t.get(CapId::new(u16::MAX, 1)), Err(CapTableError::Invalid));
        assert_eq!(t.get(CapId::new(0, 7)), Err(CapTableError::Stale), "wrong generation");
        t.remove(ids[1]).unwrap();
        assert_eq!(
            t.get(CapId::new(1, 2)),
            Err(CapTableError::Invalid),
            "empty slot, generation never issued"
        );
        let r = t.reserve(1).unwrap();
        assert_eq!(t.get(CapId::new(1, 2)), Err(CapTableError::Invalid), "reserved slot is not a cap");
        t.cancel_reservation(r).unwrap();
    }

    #[test]
    fn stale_after_remove_and_reuse() {
        let (mut t, ids) = filled(4, 3);
        t.remove(ids[1]).unwrap();
        let reused = t.insert("new".into()).unwrap();
        assert_eq!(reused.index(), ids[1].index(), "slot reused");
        assert_eq!(reused.generation(), 2);
        assert_eq!(t.get(ids[1]), Err(CapTableError::Stale));
        assert_eq!(t.remove(ids[1]), Err(CapTableError::Stale));
        assert_eq!(t.get(reused).unwrap(), "new");
        assert_eq!(t.get(ids[0]).unwrap(), "obj0");
    }

    #[test]
    fn generation_wraps_skipping_zero() {
        let mut t = CapTable::new(1);
        let first = t.insert(0u32).unwrap();
        assert_eq!(first, CapId::new(0, 1));
        // Walk the whole generation cycle natively; under Miri start near
        // its end (the loop is the same, only shorter).
        let start = if cfg!(miri) { u16::MAX - 8 } else { 1 };
        if start != 1 {
            t.slots[0] = Slot::Live { generation: start, object: 0 };
        }
        let mut id = CapId::new(0, start);
        for expect in start + 1..=u16::MAX {
            t.remove(id).unwrap();
            id = t.insert(u32::from(expect)).unwrap();
            assert_eq!(id.generation(), expect);
        }
        t.remove(id).unwrap();
        let wrapped = t.insert(1).unwrap();
        assert_eq!(wrapped, CapId::new(0, 1), "after 65535 comes 1, never 0");
        assert_eq!(t.get(id), Err(CapTableError::Stale));
        assert_eq!(
            t.get(first),
            Ok(&1),
            "the id of generation 1 names the slot again (ABA after a full wrap)"
        );
        t.check_invariants().unwrap();
    }

    #[test]
    fn quota_exhaustion_and_recovery() {
        let (mut t, ids) = filled(3, 3);
        assert_eq!(t.free_slots(), 0);
        assert_eq!(t.insert("x".into()), Err(CapTableError::QuotaExceeded));
        assert_eq!(t.reserve(1), Err(CapTableError::QuotaExceeded));
        assert_eq!(t.slots.len(), 3, "never grows past the quota");
        t.remove(ids[0]).unwrap();
        let again = t.insert("x".into()).unwrap();
        assert_eq!(again.index(), 0);
        assert_eq!(t.insert("y".into()), Err(CapTableError::QuotaExceeded));
        let mut zero: CapTable<u8> = CapTable::new(0);
        assert_eq!(zero.insert(1), Err(CapTableError::QuotaExceeded));
        assert!(zero.reserve(0).unwrap().is_empty());
        let mut big: CapTable<()> = CapTable::new(MAX_QUOTA);
        assert_eq!(big.quota(), 65535);
        assert_eq!(big.reserve(65536), Err(CapTableError::QuotaExceeded));
    }

    #[test]
    fn free_slots_are_reused_lifo() {
        let (mut t, ids) = filled(8, 5);
        t.remove(ids[1]).unwrap();
        t.remove(ids[3]).unwrap();
        assert_eq!(t.insert("p".into()).unwrap().index(), 3);
        assert_eq!(t.insert("q".into()).unwrap().index(), 1);
        assert_eq!(t.insert("r".into()).unwrap().index(), 5);
        t.check_invariants().unwrap();
    }

    #[test]
    fn copy_transfer_commits() {
        let (mut src, ids) = filled(8, 3);
        let (mut dst, _) = filled(8, 1);
        let before = snapshot(&src);
        let r = dst.reserve(3).unwrap();
        assert_eq!(dst.free_slots(), 4);
        let p = src.prepare_copy(&[ids[2], ids[0], ids[2]]).unwrap();
        assert_eq!(p.len(), 3);
        assert_eq!(
            p.iter().map(|(id, k, o)| (id, k, o.as_str())).collect::<Vec<_>>(),
            [
                (ids[2], TransferKind::Copy, "obj2"),
                (ids[0], TransferKind::Copy, "obj0"),
                (ids[2], TransferKind::Copy, "obj2")
            ]
        );
        let new = CapTable::commit(&mut src, &mut dst, p, r).unwrap();
        assert_eq!(new.len(), 3);
        let got: Vec<_> = new.iter().map(|&id| dst.get(id).unwrap().as_str()).collect();
        assert_eq!(got, ["obj2", "obj0", "obj2"]);
        assert_eq!(snapshot(&src), before, "copies leave the source untouched");
        assert_eq!((dst.len(), dst.free_slots()), (4, 4));
        src.check_invariants().unwrap();
        dst.check_invariants().unwrap();
    }

    #[test]
    fn move_transfer_commits() {
        let (mut src, ids) = filled(4, 3);
        let mut dst = CapTable::new(4);
        let r = dst.reserve(2).unwrap();
        let p = src.prepare_move(&[ids[1], ids[0]]).unwrap();
        assert_eq!(src.len(), 1, "moved caps are not live while in transfer");
        assert_eq!(src.free_slots(), 1, "but still count against the quota");
        assert_eq!(src.get(ids[1]), Err(CapTableError::InTransfer));
        assert_eq!(src.remove(ids[0]), Err(CapTableError::InTransfer));
        assert_eq!(src.prepare_move(&[ids[0]]).unwrap_err(), CapTableError::InTransfer, "no double move");
        assert_eq!(src.prepare_copy(&[ids[1]]).unwrap_err(), CapTableError::InTransfer);
        let new = CapTable::commit(&mut src, &mut dst, p, r).unwrap();
        assert_eq!(dst.get(new[0]).unwrap(), "obj1");
        assert_eq!(dst.get(new[1]).unwrap(), "obj0");
        assert_eq!(src.get(ids[0]), Err(CapTableError::Stale));
        assert_eq!(src.get(ids[1]), Err(CapTableError::Stale));
        assert_eq!((src.len(), src.free_slots()), (1, 3));
        assert_eq!(src.iter().map(|(id, _)| id).collect::<Vec<_>>(), [ids[2]]);
        src.check_invariants().unwrap();
        dst.check_invariants().unwrap();
    }

    #[test]
    fn mixed_transfer_within_one_table() {
        let (mut t, ids) = filled(6, 3);
        let r = t.reserve(3).unwrap();
        let p = t.prepare(&[
            (ids[0], TransferKind::Move),
            (ids[1], TransferKind::Copy),
            (ids[1], TransferKind::Copy),
        ]);
        let p = p.unwrap();
        assert_eq!(t.free_slots(), 0);
        let new = t.commit_local(p, r).unwrap();
        assert_eq!(
            new.iter().map(|&id| t.get(id).unwrap().as_str()).collect::<Vec<_>>(),
            ["obj0", "obj1", "obj1"]
        );
        assert_eq!(t.get(ids[0]), Err(CapTableError::Stale));
        assert_eq!(t.get(ids[1]).unwrap(), "obj1");
        assert_eq!((t.len(), t.free_slots()), (5, 1));
        t.check_invariants().unwrap();
    }

    #[test]
    fn rollback_and_cancel_restore_exact_state() {
        let (mut src, ids) = filled(8, 4);
        src.remove(ids[2]).unwrap();
        let (mut dst, dids) = filled(5, 3);
        dst.remove(dids[0]).unwrap();
        let (src_before, dst_before) = (snapshot(&src), snapshot(&dst));
        let r = dst.reserve(3).unwrap();
        assert_eq!(r.len(), 3);
        assert_eq!(r.fresh_from, 1, "one slot from the free list, two new ones");
        let p = src.prepare(&[
            (ids[3], TransferKind::Move),
            (ids[0], TransferKind::Copy),
            (ids[1], TransferKind::Move),
        ]);
        let p = p.unwrap();
        assert_ne!(snapshot(&src), src_before);
        src.rollback(p).unwrap();
        dst.cancel_reservation(r).unwrap();
        assert_eq!(snapshot(&src), src_before);
        assert_eq!(snapshot(&dst), dst_before);
        // And the next operations behave as if nothing happened.
        assert_eq!(dst.insert("n".into()).unwrap(), CapId::new(0, 2));
        assert_eq!(src.get(ids[3]).unwrap(), "obj3");
    }

    #[test]
    fn cancel_keeps_generations_of_reused_last_slots() {
        let (mut t, ids) = filled(4, 2);
        t.remove(ids[1]).unwrap(); // the last slot, now at generation 2
        let r = t.reserve(2).unwrap();
        t.cancel_reservation(r).unwrap();
        assert_eq!(t.slots.len(), 2, "the reused slot stays, only the fresh one goes");
        assert_eq!(t.get(ids[1]), Err(CapTableError::Stale));
        assert_eq!(t.insert("x".into()).unwrap(), CapId::new(1, 2));
        t.check_invariants().unwrap();
    }

    #[test]
    fn failures_change_nothing() {
        let (mut src, ids) = filled(8, 4);
        src.remove(ids[2]).unwrap();
        let (mut dst, _) = filled(4, 3);
        let (src_before, dst_before) = (snapshot(&src), snapshot(&dst));
        assert_eq!(dst.reserve(2).unwrap_err(), CapTableError::QuotaExceeded);
        let forged = CapId::new(7, 1);
        for (list, err) in [
            (vec![ids[0], ids[2], ids[1]], CapTableError::Stale),
            (vec![ids[0], ids[1], forged], CapTableError::Invalid),
            (vec![ids[0], ids[1], ids[0]], CapTableError::DuplicateMove),
            (vec![ids[3], CapId::from_raw(0)], CapTableError::Invalid),
        ] {
            assert_eq!(src.prepare_move(&list).unwrap_err(), err, "{list:?}");
        }
        let mixed =
            [(ids[0], TransferKind::Copy), (ids[1], TransferKind::Move), (ids[0], TransferKind::Move)];
        assert_eq!(src.prepare(&mixed).unwrap_err(), CapTableError::DuplicateMove, "copied and moved");
        let mixed = [(ids[0], TransferKind::Move), (ids[2], TransferKind::Copy)];
        assert_eq!(src.prepare(&mixed).unwrap_err(), CapTableError::Stale);
        assert_eq!(src.prepare_copy(&[ids[0], ids[2]]).unwrap_err(), CapTableError::Stale);
        assert_eq!(snapshot(&src), src_before);
        assert_eq!(snapshot(&dst), dst_before);
    }

    #[test]
    fn token_misuse_gives_tokens_back() {
        let (mut a, a_ids) = filled(4, 2);
        let (mut b, _) = filled(4, 0);
        let (a_before, b_before) = (snapshot(&a), snapshot(&b));
        let r = b.reserve(1).unwrap();
        let p = a.prepare_move(&[a_ids[0]]).unwrap();
        // Tokens on the wrong tables.
        let e = a.cancel_reservation(r).unwrap_err();
        assert_eq!(e.error, CapTableError::WrongTable);
        assert_eq!(e.to_string(), "transfer token used with the wrong table");
        let r = e.token;
        let e = b.rollback(p).unwrap_err();
        assert_eq!(e.error, CapTableError::WrongTable);
        let p = e.token;
        let e = CapTable::commit(&mut b, &mut a, p, r).unwrap_err();
        assert_eq!(e.error, CapTableError::WrongTable);
        let (p, r) = e.token;
        let e = a.commit_local(p, r).unwrap_err();
        assert_eq!(e.error, CapTableError::WrongTable);
        let (p, r) = e.token;
        // Sizes that do not match.
        let r2 = b.reserve(1).unwrap();
        let e = CapTable::commit(&mut a, &mut b, p, Reservation { slots: vec![], fresh_from: 0, ..r2 })
            .unwrap_err();
        assert_eq!(e.error, CapTableError::CountMismatch);
        let (p, _) = e.token;
        // Clean up properly: everything is as before.
        let r2 = Reservation { table: b.id, slots: vec![1], fresh_from: 0 };
        b.cancel_reservation(r2).unwrap();
        b.cancel_reservation(r).unwrap();
        a.rollback(p).unwrap();
        assert_eq!(snapshot(&a), a_before);
        assert_eq!(snapshot(&b), b_before);
        // A forged reservation naming non-reserved slots is refused.
        let forged = Reservation { table: a.id, slots: vec![0], fresh_from: 0 };
        assert_eq!(a.cancel_reservation(forged).unwrap_err().error, CapTableError::Invalid);
    }

    #[test]
    fn errors_map_to_cap_errors() {
        use CapTableError as E;
        let all = [
            (E::Invalid, CapError::InvalidCap),
            (E::Stale, CapError::StaleCap),
            (E::QuotaExceeded, CapError::QuotaExceeded),
            (E::InTransfer, CapError::WouldBlock),
            (E::DuplicateMove, CapError::InvalidArgument),
            (E::WrongTable, CapError::InvalidArgument),
            (E::CountMismatch, CapError::InvalidArgument),
            (E::OutOfMemory, CapError::OutOfMemory),
        ];
        let mut texts = BTreeSet::new();
        for (e, c) in all {
            assert_eq!(CapError::from(e), c);
            assert!(texts.insert(e.to_string()), "duplicate message for {e:?}");
        }
    }

    /// xorshift64*: deterministic, no extra crates.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    /// The reference model of one table: which ids are live (and their
    /// values), which were live once, and how many slots are reserved or
    /// in transfer.
    #[derive(Default)]
    struct Model {
        quota: usize,
        live: BTreeMap<CapId, u64>,
        dead: BTreeSet<CapId>,
        in_transfer: BTreeMap<CapId, u64>,
        reserved: usize,
    }

    impl Model {
        fn used(&self) -> usize {
            self.live.len() + self.in_transfer.len() + self.reserved
        }

        /// What a lookup of `id` must give, if the model knows.
        fn expect(&self, id: CapId) -> Option<Result<u64, CapTableError>> {
            if let Some(v) = self.live.get(&id) {
                Some(Ok(*v))
            } else if self.in_transfer.contains_key(&id) {
                Some(Err(CapTableError::InTransfer))
            } else if self.dead.contains(&id) {
                Some(Err(CapTableError::Stale))
            } else if id.generation() == 0 || usize::from(id.index()) >= self.quota {
                Some(Err(CapTableError::Invalid))
            } else {
                None // forged: must fail, the variant depends on the slot
            }
        }

        fn check(&self, t: &CapTable<u64>) {
            t.check_invariants().unwrap();
            assert_eq!(t.len(), self.live.len());
            assert_eq!(t.free_slots(), self.quota - self.used());
            let actual: BTreeMap<CapId, u64> = t.iter().map(|(id, v)| (id, *v)).collect();
            assert_eq!(actual, self.live);
        }

        fn issued(&mut self, id: CapId, v: u64) {
            assert!(!self.live.contains_key(&id) && !self.in_transfer.contains_key(&id), "{id} issued twice");
            assert_ne!(id.generation(), 0);
            self.dead.remove(&id);
            self.live.insert(id, v);
        }
    }

    /// An outstanding transfer between tables `src` and `dst`.
    struct Pending {
        src: usize,
        dst: usize,
        reservation: Reservation,
        prepared: Prepared<u64>,
        items: Vec<(CapId, TransferKind, u64)>,
    }

    fn pick_id(rng: &mut Rng, m: &Model) -> CapId {
        let pools = [
            m.live.keys().copied().collect::<Vec<_>>(),
            m.dead.iter().copied().collect(),
            m.in_transfer.keys().copied().collect(),
        ];
        let pool = &pools[rng.below(3)];
        if pool.is_empty() || rng.below(8) == 0 {
            CapId::new(rng.below(m.quota + 2) as u16, rng.below(4) as u16)
        } else {
            pool[rng.below(pool.len())]
        }
    }

    /// How often each interesting outcome happened.
    #[derive(Default, Debug)]
    struct Stats {
        quota_hits: usize,
        stale: usize,
        prepare_errors: usize,
        commits: usize,
        local_commits: usize,
        rollbacks: usize,
    }

    /// Random operations on two tables, checked against the model after
    /// every step.
    fn run_model(seed: u64, steps: usize, stats: &mut Stats) {
        let mut rng = Rng(seed);
        let quotas = [1 + rng.below(12) as u16, 1 + rng.below(12) as u16];
        let mut tables = [CapTable::new(quotas[0]), CapTable::new(quotas[1])];
        let mut models = [
            Model { quota: quotas[0].into(), ..Model::default() },
            Model { quota: quotas[1].into(), ..Model::default() },
        ];
        let mut pending: Option<Pending> = None;
        let mut next_value = 0u64;
        for _ in 0..steps {
            let t = rng.below(2);
            match rng.below(10) {
                0..=2 => {
                    next_value += 1;
                    let got = tables[t].insert(next_value);
                    if models[t].used() < models[t].quota {
                        models[t].issued(got.unwrap(), next_value);
                    } else {
                        assert_eq!(got, Err(CapTableError::QuotaExceeded));
                        stats.quota_hits += 1;
                    }
                }
                3 | 4 => {
                    let id = pick_id(&mut rng, &models[t]);
                    let got = tables[t].remove(id);
                    match models[t].expect(id) {
                        Some(expected) => assert_eq!(got, expected, "remove {id}"),
                        None => assert!(got.is_err(), "forged {id} removed"),
                    }
                    stats.stale += usize::from(got == Err(CapTableError::Stale));
                    if got.is_ok() {
                        models[t].live.remove(&id);
                        models[t].dead.insert(id);
                    }
                }
                5 => {
                    let id = pick_id(&mut rng, &models[t]);
                    let got = tables[t].get(id).copied();
                    match models[t].expect(id) {
                        Some(expected) => assert_eq!(got, expected, "get {id}"),
                        None => assert!(got.is_err(), "forged {id} resolved"),
                    }
                }
                6 | 7 if pending.is_none() => {
                    let dst = rng.below(2);
                    let n = rng.below(4);
                    let items: Vec<(CapId, TransferKind)> = (0..n)
                        .map(|_| {
                            let kind =
                                if rng.below(2) == 0 { TransferKind::Copy } else { TransferKind::Move };
                            (pick_id(&mut rng, &models[t]), kind)
                        })
                        .collect();
                    let reservation = match tables[dst].reserve(n) {
                        Ok(r) => {
                            assert!(models[dst].quota - models[dst].used() >= n);
                            models[dst].reserved += n;
                            r
                        }
                        Err(e) => {
                            assert_eq!(e, CapTableError::QuotaExceeded);
                            assert!(models[dst].quota - models[dst].used() < n);
                            continue;
                        }
                    };
                    // The model's verdict: the first bad id in order, then
                    // duplicate moves.
                    let mut expected = Ok(());
                    for &(id, _) in &items {
                        match models[t].expect(id) {
                            Some(Ok(_)) => {}
                            Some(Err(e)) => {
                                expected = Err(Some(e));
                                break;
                            }
                            None => {
                                expected = Err(None);
                                break;
                            }
                        }
                    }
                    if expected.is_ok() {
                        let moved: Vec<CapId> =
                            items.iter().filter(|i| i.1 == TransferKind::Move).map(|i| i.0).collect();
                        let dup = items.iter().enumerate().any(|(i, a)| {
                            a.1 == TransferKind::Move
                                && items.iter().enumerate().any(|(j, b)| i != j && a.0 == b.0)
                        });
                        assert!(dup || moved.iter().collect::<BTreeSet<_>>().len() == moved.len());
                        if dup {
                            expected = Err(Some(CapTableError::DuplicateMove));
                        }
                    }
                    let got = tables[t].prepare(&items);
                    match (expected, got) {
                        (Ok(()), Ok(prepared)) => {
                            let items: Vec<_> = items
                                .iter()
                                .map(|&(id, kind)| {
                                    let v = models[t].live[&id];
                                    (id, kind, v)
                                })
                                .collect();
                            for &(id, kind, v) in &items {
                                if kind == TransferKind::Move {
                                    models[t].live.remove(&id);
                                    models[t].in_transfer.insert(id, v);
                                }
                            }
                            pending = Some(Pending { src: t, dst, reservation, prepared, items });
                        }
                        (Err(expected), Err(e)) => {
                            stats.prepare_errors += 1;
                            if let Some(expected) = expected {
                                assert_eq!(e, expected, "prepare {items:?}");
                            }
                            tables[dst].cancel_reservation(reservation).unwrap();
                            models[dst].reserved -= n;
                        }
                        (expected, got) => {
                            panic!("prepare {items:?}: expected {expected:?}, got {:?}", got.err())
                        }
                    }
                }
                8 | 9 if pending.is_some() => {
                    let Some(p) = pending.take() else { unreachable!() };
                    let n = p.items.len();
                    if rng.below(3) == 0 {
                        stats.rollbacks += 1;
                        tables[p.src].rollback(p.prepared).unwrap();
                        tables[p.dst].cancel_reservation(p.reservation).unwrap();
                        models[p.dst].reserved -= n;
                        for (id, kind, v) in p.items {
                            if kind == TransferKind::Move {
                                models[p.src].in_transfer.remove(&id);
                                models[p.src].live.insert(id, v);
                            }
                        }
                    } else {
                        stats.commits += 1;
                        let ids = if p.src == p.dst {
                            stats.local_commits += 1;
                            tables[p.src].commit_local(p.prepared, p.reservation).unwrap()
                        } else {
                            let [a, b] = &mut tables;
                            let (src, dst) = if p.src == 0 { (a, b) } else { (b, a) };
                            CapTable::commit(src, dst, p.prepared, p.reservation).unwrap()
                        };
                        assert_eq!(ids.len(), n);
                        models[p.dst].reserved -= n;
                        for (id, kind, _) in &p.items {
                            if *kind == TransferKind::Move {
                                models[p.src].in_transfer.remove(id);
                                models[p.src].dead.insert(*id);
                            }
                        }
                        for (new, (_, _, v)) in ids.into_iter().zip(p.items) {
                            models[p.dst].issued(new, v);
                        }
                    }
                }
                _ => {}
            }
            models[0].check(&tables[0]);
            models[1].check(&tables[1]);
        }
    }

    #[test]
    fn randomized_against_model() {
        let (seeds, steps) = if cfg!(miri) { (1, 200) } else { (40, 2500) };
        let mut stats = Stats::default();
        for seed in 0..seeds {
            run_model(0x9e37_79b9_7f4a_7c15 ^ (seed + 1), steps, &mut stats);
        }
        let Stats { quota_hits, stale, prepare_errors, commits, local_commits, rollbacks } = stats;
        assert!(
            cfg!(miri)
                || [quota_hits, stale, prepare_errors, commits, local_commits, rollbacks]
                    .iter()
                    .all(|&n| n >= 5),
            "the random walk missed a path: {stats:?}"
        );
    }

    #[test]
    fn duplicate_keeps_ids_drops_what_does_not_go_and_frees_transients() {
        let mut t: CapTable<u32> = CapTable::new(8);
        let a = t.insert(10).unwrap();
        let b = t.insert(20).unwrap();
        let c = t.insert(30).unwrap();
        t.remove(b).unwrap();
        let b2 = t.insert(21).unwrap();
        let d = t.insert(40).unwrap();
        let moving = t.prepare_move(&[d]).unwrap();
        // 30 does not go to the child; 40 is in a transfer.
        let mut child = t.duplicate(|&v| (v != 30).then_some(v + 1)).unwrap();
        assert_eq!(child.get(a), Ok(&11));
        assert_eq!(child.get(b2), Ok(&22));
        assert_eq!(child.get(b), Err(CapTableError::Stale));
        assert!(child.get(c).is_err());
        assert!(child.get(d).is_err());
        assert_eq!(child.len(), 2);
        assert_eq!(child.free_slots(), 6);
        child.check_invariants().unwrap();
        // New caps in the child take the freed slots, lowest first, with a
        // new generation; the parent is untouched.
        let e = child.insert(50).unwrap();
        assert_ne!(e, c);
        assert_eq!(child.get(e), Ok(&50));
        assert_eq!(t.get(c), Ok(&30));
        t.rollback(moving).unwrap();
        assert_eq!(t.get(d), Ok(&40));
        t.check_invariants().unwrap();
        // A token of the original does not fit the copy.
        let r = t.reserve(1).unwrap();
        assert!(child.cancel_reservation(r).is_err());
    }
}
