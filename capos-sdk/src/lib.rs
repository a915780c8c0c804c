//! The capOS SDK: everything a native Rust app needs.
//!
//! A capOS program is a `#![no_std]`, `#![no_main]` binary built for the
//! `x86_64-unknown-capos` target. It names its `main` with
//! [`entry_point!`]; `main` receives the capabilities the boot manifest (or
//! the process that spawned it) granted, looks them up by name as typed
//! clients, and returns its exit status:
//!
//! ```ignore
//! #![no_std]
//! #![no_main]
//!
//! use capos::prelude::*;
//!
//! capos::entry_point!(main);
//!
//! fn main(caps: Caps) -> i32 {
//!     let Ok(console) = Console::from_caps(&caps, "console") else { return 1 };
//!     let _ = console.line("hello from capOS");
//!     0
//! }
//! ```
//!
//! Add the app under `apps/NAME/` (package `NAME`; its `Cargo.toml`
//! depends on `capos`; the workspace finds it by itself) and declare it as
//! a service in `system.cue` with the caps it needs; `make run` builds and
//! boots it.
//! The README's "Writing a native app" section walks through it.
//!
//! Every call returns `Result<_, CapError>`: a missing or stale cap, a bad
//! argument or an exhausted quota is a typed error, never a crash.
//!
//! Clients own their caps ([`handle`]): a `ProcessHandle`, `File` or
//! `MemoryObject` a call returns is released when dropped; `try_clone`
//! makes a second owner, `into_id` gives the cap up (to send it by move).
//! Bootstrap lookups (`Console::from_caps`, [`Caps::get`]) give a
//! [`Borrowed`] view that is never released; [`Caps::take`] moves a
//! bootstrap cap out as an owner. Looking
//! a cap up by name (`from_caps`) fails with a [`CapLookupError`] that
//! names the cap; an app's own functions can return [`Error`] (either
//! kind, converted by `?`) and print it, so the user learns which cap the
//! program lacks.
#![no_std]

pub use capos_rt as rt;
pub use capos_rt::{
    Borrowed, Cap, CapError, CapLookupError, Caps, Error, Handle, call, capnp, client, fs, handle, heap,
    park, server, service, stdio, sync, syscall, thread,
};
pub use capos_schema as schema;

/// The usual imports for an app.
pub mod prelude {
    pub use crate::client::{
        BootPackage, Console, Echo, EndpointFactory, EntropySource, ExitStatus, FrameAllocator, Grant,
        GrantSource, MemoryObject, ProcessHandle, ProcessSpawner, RevocationFactory, Revoker, TerminalMode,
        TerminalSession, Timer, VirtualMemory, WallClock, WallTime,
    };
    pub use crate::fs::{
        AttrChange, DirEntry, Directory, File, NodeInfo, NodeKind, OpenOptions, TimeChange, Timestamp, Whence,
    };
    pub use crate::schema::{KernelCap, MapRights, TimeProvenance};
    pub use crate::server::{Endpoint, Incoming};
    pub use crate::stdio::{fail, stderr, stdin, stdout};
    pub use crate::{Borrowed, Cap, CapError, Caps, Handle};
}

/// Declares the program's `main`: `fn main(caps: Caps) -> i32`. Defines the
/// `_start` symbol the kernel enters, which validates the bootstrap CapSet,
/// sets up the heap and the ring, calls `main` and exits with its result.
#[macro_export]
macro_rules! entry_point {
    ($main:path) => {
        /// The program entry the kernel jumps to (made by `capos::entry_point!`).
        #[unsafe(no_mangle)]
        pub extern "C" fn _start(bootstrap: u64) -> ! {
            $crate::rt::entry::start(bootstrap, $main)
        }
    };
}
