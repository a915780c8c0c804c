//! The kernel's per-process cap table: `capos_lib::cap_table` holding
//! [`CapRef`]s, with the operations the ring needs and errors already
//! mapped to `CapError`.

use alloc::vec::Vec;
use capos_abi::error::CapError;
use capos_config::ring::{TransferDescriptor, TransferMode};
use capos_lib::cap_table::{self, CapId};

use super::CapRef;

/// A process's capabilities.
pub struct CapTable(cap_table::CapTable<CapRef>);

impl CapTable {
    /// An empty table with room for `quota` caps.
    pub fn new(quota: u16) -> Self {
        Self(cap_table::CapTable::new(quota))
    }

    /// The object behind `id`.
    pub fn get(&self, id: u32) -> Result<CapRef, CapError> {
        Ok(self.0.get(CapId::from_raw(id))?.clone())
    }

    /// Adds a cap, returning its id.
    pub fn insert(&mut self, cap: CapRef) -> Result<u32, CapError> {
        Ok(self.0.insert(cap)?.raw())
    }

    /// Adds several caps, all or none.
    pub fn insert_all(&mut self, caps: Vec<CapRef>) -> Result<Vec<u32>, CapError> {
        if caps.len() > self.0.free_slots() {
            return Err(CapError::QuotaExceeded);
        }
        let mut ids = Vec::new();
        ids.try_reserve_exact(caps.len()).map_err(|_| CapError::OutOfMemory)?;
        for cap in caps {
            // Cannot fail: there were enough free slots.
            ids.push(self.0.insert(cap)?.raw());
        }
        Ok(ids)
    }

    /// Removes a cap, returning its object (to be dropped by the caller
    /// outside any process lock).
    pub fn remove(&mut self, id: u32) -> Result<CapRef, CapError> {
        Ok(self.0.remove(CapId::from_raw(id))?)
    }

    /// Removes the caps `ids` that exist, returning their objects.
    pub fn remove_all(&mut self, ids: &[u32]) -> Vec<CapRef> {
        ids.iter().filter_map(|id| self.0.remove(CapId::from_raw(*id)).ok()).collect()
    }

    /// Takes the caps a call sends: every descriptor is checked first
    /// (valid id, transferable, a moved cap named once), then copies are
    /// cloned and moves removed, so the call either takes all or nothing.
    pub fn take_for_call(&mut self, descriptors: &[TransferDescriptor]) -> Result<Vec<CapRef>, CapError> {
        for (i, d) in descriptors.iter().enumerate() {
            let object = self.0.get(CapId::from_raw(d.cap))?;
            if !object.transferable() {
                return Err(CapError::NotTransferable);
            }
            if d.mode == TransferMode::Move && descriptors[..i].iter().any(|e| e.cap == d.cap) {
                return Err(CapError::InvalidArgument);
            }
            if d.mode == TransferMode::Copy
                && descriptors[..i].iter().any(|e| e.cap == d.cap && e.mode == TransferMode::Move)
            {
                return Err(CapError::InvalidArgument);
            }
        }
        let mut taken = Vec::new();
        taken.try_reserve_exact(descriptors.len()).map_err(|_| CapError::OutOfMemory)?;
        for d in descriptors {
            let id = CapId::from_raw(d.cap);
            taken.push(match d.mode {
                TransferMode::Copy => self.0.get(id)?.clone(),
                TransferMode::Move => self.0.remove(id)?,
            });
        }
        Ok(taken)
    }

    /// Empties the table (the process ended), returning every object.
    pub fn take_all(&mut self) -> Vec<CapRef> {
        let ids: Vec<CapId> = self.0.iter().map(|(id, _)| id).collect();
        ids.into_iter().filter_map(|id| self.0.remove(id).ok()).collect()
    }
}
