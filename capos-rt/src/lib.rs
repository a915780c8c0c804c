//! The capOS userspace runtime.
//!
//! - [`entry`]: the program entry (`capos::entry_point!` calls
//!   [`entry::start`]), which validates the bootstrap CapSet, sets up the
//!   heap and the ring, runs `main` and exits with its code;
//! - [`syscall`]: the two raw syscalls;
//! - [`ring`]: the ring client: submit SQEs, collect CQEs in any order;
//! - [`call`]: capability calls with Cap'n Proto params and results;
//! - [`client`]: typed clients for every kernel interface;
//! - [`handle`]: clients own their caps (dropping one releases it;
//!   `try_clone`, `into_id`); bootstrap lookups give [`Borrowed`] views;
//! - [`caps`]: the process's initial capabilities by name (a failed lookup
//!   names the cap); [`error`]: an app's error, a failed call or a missing
//!   cap;
//! - [`server`]: serving an endpoint (RECV and RETURN); [`service`]: the
//!   server loop and typed stubs, so a service author writes methods;
//! - [`thread`], [`park`], [`sync`]: threads, ParkSpace, Mutex and Condvar;
//! - [`fork`]: this process copied into a new one;
//! - [`heap`]: the allocator (grows through `virtualMemory`);
//! - [`fs`]: typed clients of the file service (`Directory`, `File`);
//! - [`pipe`]: pipes (`PipeFactory`, `Pipe`);
//! - [`stdio`]: standard input, output and error by cap name.
//!
//! One ring per process, shared by its threads: the ring client sits behind
//! a lock that is never held while a thread blocks in `cap_enter` (see
//! `docs/ring-abi.md`).
#![no_std]

extern crate alloc;

pub mod call;
pub mod caps;
pub mod client;
pub mod entry;
pub mod error;
pub mod fork;
pub mod fs;
pub mod handle;
pub mod heap;
mod panic;
pub mod park;
pub mod pipe;
pub mod ring;
pub mod server;
pub mod service;
pub mod stdio;
pub mod sync;
pub mod syscall;
pub mod thread;

pub use capnp;
pub use capos_abi::error::CapError;
pub use caps::{CapLookupError, Caps};
pub use error::Error;
pub use handle::{Borrowed, Cap, Handle};
