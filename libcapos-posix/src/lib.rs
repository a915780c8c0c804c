//! capOS's POSIX adapter: what musl's system calls become on capOS.
//!
//! musl (the C library, built by `ports/musl/` with capOS's ARCH) turns
//! every system call into a call of [`__capos_syscall`]: Linux x86_64
//! system-call numbers, arguments and results (`-errno` on failure) are
//! the contract. This crate serves them over the process's caps: files and
//! directories over the file service (`fs`), the terminal and `stderr`,
//! memory over `virtualMemory`, clocks over `timer`/`wallClock`, random
//! bytes over `entropy`, threads over `thread_create` and ParkSpace.
//! `docs/posix-abi.md` lists every call: implemented, partial (how), or
//! `ENOSYS`. A call that is not implemented always fails with `ENOSYS`.
//!
//! - [`start`]: the C program start (`_start` in `crt1.o` calls
//!   `__capos_start`): the capOS bootstrap, `argv`/`envp`/`auxv`, fds 0–2;
//! - [`table`]: the one dispatch table (number, name, argument kinds,
//!   handler) and `CAPOS_TRACE`;
//! - [`errno`]: `CapError` to errno, in one function;
//! - [`fd`]: the fd table; [`files`]: files and directories;
//!   [`terminal`]: the terminal, `stderr` and the `/dev` devices;
//! - [`pipe`]: pipes and `poll`/`select`; [`children`]: `fork`, `wait4`; [`exec`]: `execve`;
//! - [`signal`]: signals, process groups, the handler trampoline;
//! - [`memory`], [`time`], [`thread`], [`process`]: the other calls;
//! - [`musl`]: constants and layouts from musl's headers (bindgen).
#![no_std]

extern crate alloc;
// libcapos (`include/capos/capos.h`): its C functions ship in this
// library, so a program has one runtime for both.
extern crate capos_c;

pub mod attrs;
pub mod children;
pub mod errno;
pub mod exec;
pub mod fd;
pub mod files;
pub mod links;
pub mod memory;
pub mod musl;
pub mod pipe;
pub mod process;
pub mod signal;
pub mod start;
pub mod table;
pub mod terminal;
pub mod thread;
pub mod time;
pub mod user;

pub use errno::{Errno, SysResult};

/// musl's system-call boundary: runs Linux x86_64 system call `number`
/// with its arguments and returns its result, or `-errno`.
#[unsafe(no_mangle)]
///
/// No signal handler runs while the call is served (the adapter holds
/// locks a handler's own calls would need); one that became due runs
/// before the call returns ([`signal`]).
pub extern "C" fn __capos_syscall(number: i64, a1: u64, a2: u64, a3: u64, a4: u64, a5: u64, a6: u64) -> i64 {
    signal::enter();
    let result = table::dispatch(number, [a1, a2, a3, a4, a5, a6]);
    signal::leave();
    result
}
