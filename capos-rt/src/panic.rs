//! Panics: print `panic: MESSAGE at FILE:LINE` on standard error (the
//! `stderr` cap, else the terminal, else the console: see [`crate::stdio`])
//! and a copy on the console (the kernel log) when standard error is
//! somewhere else, then exit with status 101.
//!
//! So a program run from a shell or `capos run` shows why it exited 101 on
//! its own stderr, and the kernel log still records it.

use alloc::format;
use core::panic::PanicInfo;
use core::sync::atomic::{AtomicBool, Ordering};

use crate::stdio::{Output, stderr};

/// Exit status of a process that panicked.
pub const PANIC_EXIT_CODE: i32 = 101;

/// Set by the first panic: a panic while reporting one exits at once
/// instead of recursing.
static PANICKING: AtomicBool = AtomicBool::new(false);

#[panic_handler]
fn panic(info: &PanicInfo<'_>) -> ! {
    if PANICKING.swap(true, Ordering::Relaxed) {
        crate::syscall::exit(PANIC_EXIT_CODE)
    }
    let location = info.location().map(|l| format!(" at {}:{}", l.file(), l.line())).unwrap_or_default();
    let report = format!("panic: {}{location}\n", info.message());
    let err = stderr();
    let _ = err.print(&report);
    if let Some(console) = crate::entry::console()
        && err != Output::Console(console.clone())
    {
        let _ = console.write(&report);
    }
    crate::syscall::exit(PANIC_EXIT_CODE)
}
