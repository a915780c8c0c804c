//! The process's initial capabilities, looked up by the names the manifest
//! (or the spawning process) gave them. A failed lookup is a
//! [`CapLookupError`] that names the cap, so a program can say which one it
//! lacks.

use alloc::string::String;
use alloc::vec::Vec;
use capos_abi::error::CapError;
use capos_config::capset::{CapEntry, CapSet};
use spin::Mutex;

use crate::handle::{Borrowed, Handle};

/// Ids of the bootstrap caps moved out with [`Caps::take`]: no lookup
/// finds them any more.
static TAKEN: Mutex<Vec<u32>> = Mutex::new(Vec::new());

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

    /// The id of the cap named `name` if it implements `interface_id`; else
    /// why not (no cap of that name, one of another interface, or one
    /// given away with [`Self::take`]). The process keeps owning it.
    pub fn id(&self, name: &str, interface_id: u64) -> Result<u32, CapLookupError> {
        self.id_unlocked(name, interface_id, &TAKEN.lock())
    }

    /// A view of the bootstrap cap named `name` as client `T`, checked to
    /// be `T`'s interface. Bootstrap caps live as long as the process and
    /// are shared by every lookup, so the view never releases the cap.
    pub fn get<T: Handle>(&self, name: &str) -> Result<Borrowed<'static, T>, CapLookupError> {
        self.id(name, T::INTERFACE_ID).map(Borrowed::from_id)
    }

    /// Moves the bootstrap cap named `name` out as an owner `T` (to send
    /// it by move, or release it); afterwards every lookup of `name`
    /// fails. A view from [`Self::get`] taken before must not be used
    /// after the owner is gone (its calls then fail with `StaleCap`).
    pub fn take<T: Handle>(&self, name: &str) -> Result<T, CapLookupError> {
        let mut taken = TAKEN.lock();
        let id = self.id_unlocked(name, T::INTERFACE_ID, &taken)?;
        taken.push(id);
        Ok(T::from_id(id))
    }

    fn id_unlocked(&self, name: &str, interface_id: u64, taken: &[u32]) -> Result<u32, CapLookupError> {
        let entry = self.entry(name).ok_or_else(|| CapLookupError::new(name, interface_id, None))?;
        if entry.interface_id != interface_id {
            return Err(CapLookupError::new(name, interface_id, Some(entry.interface_id)));
        }
        if taken.contains(&entry.cap_id) {
            return Err(CapLookupError { taken: true, ..CapLookupError::new(name, interface_id, None) });
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

    /// The pid of the process that spawned this one (0 for init).
    pub fn parent_pid(&self) -> u64 {
        self.set.info().parent_pid
    }

    /// The raw bootstrap CapSet.
    pub fn capset(&self) -> CapSet<'static> {
        self.set
    }
}

/// A bootstrap cap a program asked for by name and did not get: there is
/// none of that name, the one of that name implements another interface,
/// or the program gave it away ([`Caps::take`]). It displays as a sentence naming the cap, e.g. `no
/// ProcessSpawner cap named "processSpawner"`; `?` turns it into the
/// plain [`CapError`] (`NotFound` or `WrongInterface`) where only that is
/// wanted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapLookupError {
    /// The name looked up.
    pub name: String,
    /// The interface wanted.
    pub wanted: u64,
    /// The interface of the cap found under that name (`None`: there is
    /// none).
    pub found: Option<u64>,
    /// The cap was there but the program moved it out with
    /// [`Caps::take`].
    pub taken: bool,
}

impl CapLookupError {
    /// The error for cap `name` of interface `wanted`, `found` being the
    /// interface of the cap of that name, if there is one.
    pub fn new(name: &str, wanted: u64, found: Option<u64>) -> Self {
        Self { name: String::from(name), wanted, found, taken: false }
    }

    /// The typed error code: `NotFound` or `WrongInterface`.
    pub fn error(&self) -> CapError {
        if self.found.is_some() { CapError::WrongInterface } else { CapError::NotFound }
    }
}

/// The schema name of interface `id` (`Console`), or its id in hex.
fn interface_name(id: u64) -> alloc::borrow::Cow<'static, str> {
    match capos_schema::interface(id) {
        Some(info) => alloc::borrow::Cow::Borrowed(info.name),
        None => alloc::borrow::Cow::Owned(alloc::format!("interface {id:#x}")),
    }
}

impl core::fmt::Display for CapLookupError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let wanted = interface_name(self.wanted);
        match self.found {
            None if self.taken => write!(f, "the {wanted} cap {:?} was given away", self.name),
            None => write!(f, "no {wanted} cap named {:?}", self.name),
            Some(found) => {
                write!(f, "the cap {:?} is a {}, not a {wanted}", self.name, interface_name(found))
            }
        }
    }
}

impl From<CapLookupError> for CapError {
    fn from(e: CapLookupError) -> Self {
        e.error()
    }
}
