//! [`Error`]: what an app's own fallible code can return — a call that
//! failed ([`CapError`]) or a bootstrap cap it was not given
//! ([`CapLookupError`], which names the cap). `?` converts both, so a
//! program prints the one message that says what went wrong:
//!
//! ```ignore
//! fn run(caps: &Caps) -> Result<(), capos::Error> {
//!     let spawner = ProcessSpawner::from_caps(caps, "processSpawner")?;
//!     spawner.spawn("hello", &[], &[], &[])?;
//!     Ok(())
//! }
//! // `spawner: error: no ProcessSpawner cap named "processSpawner"`
//! ```

use capos_abi::error::CapError;

use crate::caps::CapLookupError;

/// A failed call or a missing bootstrap cap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// A call (or syscall) failed.
    Call(CapError),
    /// A bootstrap cap was missing or of another interface.
    Lookup(CapLookupError),
}

impl Error {
    /// The typed error code (a lookup's is `NotFound` or `WrongInterface`).
    pub fn code(&self) -> CapError {
        match self {
            Error::Call(e) => *e,
            Error::Lookup(e) => e.error(),
        }
    }
}

impl From<CapError> for Error {
    fn from(e: CapError) -> Self {
        Error::Call(e)
    }
}

impl From<CapLookupError> for Error {
    fn from(e: CapLookupError) -> Self {
        Error::Lookup(e)
    }
}

impl core::fmt::Display for Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Error::Call(e) => e.fmt(f),
            Error::Lookup(e) => e.fmt(f),
        }
    }
}
