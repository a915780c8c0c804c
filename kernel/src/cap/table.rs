//! The kernel's per-process cap table: `capos_lib::cap_table` holding
//! [`CapRef`]s, with the operations the ring needs and errors already
//! mapped to `CapError`.
//!
//! The table never drops an object itself: every operation that takes
//! objects out of it returns them ([`Released`], or a `Vec`), because the
//! table lives behind its process's lock and dropping the last reference
//! of an object can end another process or complete a call of this one,
//! which takes that lock again. Callers drop what they get back after the
//! lock is released ([`crate::process::Process::finish_transfer`] does it
//! for transfers).

use alloc::vec::Vec;
use capos_abi::error::CapError;
use capos_config::ring::{TransferDescriptor, TransferMode};
use capos_lib::cap_table::{self, CapId, Prepared, TransferKind};
use core::sync::atomic::{AtomicUsize, Ordering};

use super::CapRef;

/// Caps on their way into a call: the objects the callee gets, and the
/// token that commits or rolls back the sender's side.
pub struct Transfer {
    /// Ends the transfer (see [`CapTable::finish_transfer`]).
    pub prepared: Prepared<CapRef>,
    /// The objects, in descriptor order.
    pub objects: Vec<CapRef>,
}

/// Objects that left a cap table, to be dropped once its process's lock is
/// released (see the module documentation).
#[must_use = "drop released caps only after the process lock is released"]
pub struct Released(pub Vec<CapRef>);

/// A process's capabilities.
pub struct CapTable(cap_table::CapTable<CapRef>);

/// Slots in use (live, reserved or in transfer) across every table; with
/// no process alive it must be 0 (the leak report prints it).
static SLOTS_IN_USE: AtomicUsize = AtomicUsize::new(0);

/// Cap-table slots in use across all processes.
pub fn slots_in_use() -> usize {
    SLOTS_IN_USE.load(Ordering::Relaxed)
}

impl CapTable {
    fn used(&self) -> usize {
        self.0.quota().saturating_sub(self.0.free_slots())
    }

    /// Runs `f` on the table and accounts for the slots it took or freed.
    fn track<R>(&mut self, f: impl FnOnce(&mut cap_table::CapTable<CapRef>) -> R) -> R {
        let before = self.used();
        let result = f(&mut self.0);
        let after = self.used();
        if after >= before {
            SLOTS_IN_USE.fetch_add(after - before, Ordering::Relaxed);
        } else {
            SLOTS_IN_USE.fetch_sub(before - after, Ordering::Relaxed);
        }
        result
    }

    /// An empty table with room for `quota` caps.
    pub fn new(quota: u16) -> Self {
        Self(cap_table::CapTable::new(quota))
    }

    /// The slot quota.
    pub fn quota(&self) -> u16 {
        self.0.quota() as u16
    }

    /// A copy for a forked process: every cap at the same id, made by
    /// `copy` (`None`: it does not go to the child).
    pub fn duplicate(&self, copy: impl FnMut(&CapRef) -> Option<CapRef>) -> Result<Self, CapError> {
        let copy = self.0.duplicate(copy).map(Self).map_err(|_| CapError::OutOfMemory)?;
        // Its slots are in use as much as any table's (its drop gives them
        // back).
        SLOTS_IN_USE.fetch_add(copy.used(), Ordering::Relaxed);
        Ok(copy)
    }

    /// The object behind `id`.
    pub fn get(&self, id: u32) -> Result<CapRef, CapError> {
        Ok(self.0.get(CapId::from_raw(id))?.clone())
    }

    /// Adds a cap, returning its id; on failure the cap comes back with
    /// the error, to be dropped outside the lock (it may be the last
    /// reference to its object).
    pub fn insert(&mut self, cap: CapRef) -> Result<u32, (CapError, Released)> {
        if self.0.free_slots() == 0 {
            return Err((CapError::QuotaExceeded, Released(alloc::vec![cap])));
        }
        // With a free slot, inserting cannot fail (and so drops nothing).
        let kept = cap.clone();
        match self.track(|t| t.insert(cap)) {
            Ok(id) => Ok(id.raw()),
            Err(e) => Err((e.into(), Released(alloc::vec![kept]))),
        }
    }

    /// Adds several caps, all or none; on failure the caps come back with
    /// the error, to be dropped outside the lock.
    pub fn insert_all(&mut self, caps: Vec<CapRef>) -> Result<Vec<u32>, (CapError, Released)> {
        // No caps (most replies): nothing to insert, nothing allocated.
        if caps.is_empty() {
            return Ok(Vec::new());
        }
        if caps.len() > self.0.free_slots() {
            return Err((CapError::QuotaExceeded, Released(caps)));
        }
        let mut ids = Vec::new();
        if ids.try_reserve_exact(caps.len()).is_err() {
            return Err((CapError::OutOfMemory, Released(caps)));
        }
        let mut caps = caps.into_iter();
        while let Some(cap) = caps.next() {
            match self.track(|t| t.insert(cap)) {
                Ok(id) => ids.push(id.raw()),
                // Cannot happen (there were enough free slots); undo.
                Err(e) => {
                    let mut back = self.remove_all(&ids);
                    back.extend(caps);
                    return Err((e.into(), Released(back)));
                }
            }
        }
        Ok(ids)
    }

    /// Removes a cap, returning its object (to be dropped by the caller
    /// outside any process lock).
    pub fn remove(&mut self, id: u32) -> Result<CapRef, CapError> {
        Ok(self.track(|t| t.remove(CapId::from_raw(id)))?)
    }

    /// Removes the caps `ids` that exist, returning their objects.
    pub fn remove_all(&mut self, ids: &[u32]) -> Vec<CapRef> {
        ids.iter().filter_map(|id| self.remove(*id).ok()).collect()
    }

    /// Prepares the caps a call sends: every descriptor is checked (valid
    /// id, transferable object, a moved cap named once), moved caps become
    /// unusable until [`Self::finish_transfer`]. Returns the objects for the
    /// call and the token that ends the transfer; nothing changes on error.
    pub fn prepare_transfer(&mut self, descriptors: &[TransferDescriptor]) -> Result<Transfer, CapError> {
        // No caps sent (most calls): an empty token, no slot changes.
        if descriptors.is_empty() {
            return Ok(Transfer { prepared: self.0.prepare(&[])?, objects: Vec::new() });
        }
        let mut items = Vec::new();
        items.try_reserve_exact(descriptors.len()).map_err(|_| CapError::OutOfMemory)?;
        for d in descriptors {
            let id = CapId::from_raw(d.cap);
            if !self.0.get(id)?.transferable() {
                return Err(CapError::NotTransferable);
            }
            let kind = match d.mode {
                TransferMode::Copy => TransferKind::Copy,
                TransferMode::Move => TransferKind::Move,
            };
            items.push((id, kind));
        }
        let prepared = self.track(|t| t.prepare(&items))?;
        let objects = prepared.iter().map(|(_, _, object)| object.clone()).collect();
        Ok(Transfer { prepared, objects })
    }

    /// Ends a transfer: if the call took the caps (`accepted`), moved caps
    /// leave the table for good (their ids go stale) and come back as
    /// [`Released`]; otherwise everything is restored as it was.
    pub fn finish_transfer(&mut self, prepared: Prepared<CapRef>, accepted: bool) -> Released {
        self.track(|t| {
            // A token this table did not make (never the case here) gives
            // its objects back too, rather than dropping them here.
            if accepted {
                // The objects were cloned for the call: the table's share is
                // handed back, maybe the last reference.
                Released(t.commit_out(prepared).unwrap_or_else(|refused| refused.token.into_objects()))
            } else {
                Released(
                    t.rollback(prepared)
                        .err()
                        .map(|refused| refused.token.into_objects())
                        .unwrap_or_default(),
                )
            }
        })
    }

    /// The first object for which `matches` holds (a clone of its
    /// reference), in id order.
    pub fn find(&self, matches: impl Fn(&CapRef) -> bool) -> Option<CapRef> {
        self.0.iter().map(|(_, object)| object).find(|object| matches(object)).cloned()
    }

    /// Empties the table (the process ended), returning the old one with
    /// every object, to be dropped outside the lock; allocates nothing (a
    /// process ends with the heap full too). The table left has no room.
    pub fn take_all(&mut self) -> CapTable {
        core::mem::replace(self, CapTable::new(0))
    }
}

impl Drop for CapTable {
    fn drop(&mut self) {
        SLOTS_IN_USE.fetch_sub(self.used(), Ordering::Relaxed);
    }
}
