//! Panics: print `panic: MESSAGE at FILE:LINE` on the console (if the
//! process has one named `console`) and exit with status 101.

use alloc::format;
use core::panic::PanicInfo;

/// Exit status of a process that panicked.
pub const PANIC_EXIT_CODE: i32 = 101;

#[panic_handler]
fn panic(info: &PanicInfo<'_>) -> ! {
    if let Some(console) = crate::entry::console() {
        let location = info.location().map(|l| format!(" at {}:{}", l.file(), l.line())).unwrap_or_default();
        let _ = console.write(&format!("panic: {}{location}\n", info.message()));
    }
    crate::syscall::exit(PANIC_EXIT_CODE)
}
