//! The process's initial capabilities, looked up by the names the manifest
//! (or the spawning process) gave them.

use capos_abi::error::CapError;
use capos_config::capset::{CapEntry, CapSet};

/// The validated bootstrap CapSet.
#[derive(Clone, Copy)]
pub struct Caps {
    set: CapSet<'static>,
}

impl Caps {
    pub(crate) fn new(set: CapSet<'static>) -> Self {
        Self { set }
    }

    /// The entry named `name`.
    pub fn entry(&self, name: &str) -> Option<CapEntry<'static>> {
        self.set.find(name)
    }

    /// Every entry, in order.
    pub fn iter(&self) -> impl Iterator<Item = CapEntry<'static>> + '_ {
        self.set.caps()
    }

    /// The id of the cap named `name` if it implements `interface_id`:
    /// `NotFound` if there is none, `WrongInterface` if it is another kind.
    pub fn id(&self, name: &str, interface_id: u64) -> Result<u32, CapError> {
        let entry = self.entry(name).ok_or(CapError::NotFound)?;
        if entry.interface_id != interface_id {
            return Err(CapError::WrongInterface);
        }
        Ok(entry.cap_id)
    }

    /// The program's arguments (`argv[0]` first).
    pub fn args(&self) -> impl Iterator<Item = &'static str> + use<> {
        self.set.args().iter()
    }

    /// The environment (`KEY=VALUE`).
    pub fn env(&self) -> impl Iterator<Item = &'static str> + use<> {
        self.set.env().iter()
    }

    /// The value of environment variable `key`.
    pub fn var(&self, key: &str) -> Option<&'static str> {
        self.env().find_map(|kv| kv.strip_prefix(key).and_then(|rest| rest.strip_prefix('=')))
    }

    /// This process's id.
    pub fn pid(&self) -> u64 {
        self.set.info().pid
    }

    /// The raw bootstrap CapSet.
    pub fn capset(&self) -> CapSet<'static> {
        self.set
    }
}
