//! In-kernel tests (the `ktest` build): kernel-side test functions that need
//! real page tables, frames, heap and timer, run in QEMU after boot.
//!
//! Output follows `docs/serial-protocol.md`: one `ktest: NAME ... ok` or
//! `... FAILED: reason` line per test, then `ktest: N passed, M failed`, then
//! the run ends with the success or failure exit code.
//!
//! With `ktest.trigger=NAME` on the command line the suite is skipped and a
//! deliberate failure is triggered instead (`triggers.rs`), so the harness
//! can prove it catches faults and panics.

mod cap_tests;
mod tests;
mod triggers;

use alloc::string::String;

use crate::boot::BootInfo;
use crate::kprintln;

/// A test's verdict: `Err` carries the reason.
pub type TestResult = Result<(), String>;
/// A test function.
pub type TestFn = fn() -> TestResult;

/// Fails the test with a formatted reason unless `cond` holds.
#[macro_export]
macro_rules! ktest_assert {
    ($cond:expr, $($arg:tt)*) => {
        if !$cond {
            return Err(alloc::format!($($arg)*));
        }
    };
}

/// Runs the suite or the requested trigger, then ends the QEMU run.
pub fn main(boot: &BootInfo) -> ! {
    if let Some(name) = boot.cmdline_value("ktest.trigger") {
        triggers::fire(name);
    }
    let prefix = capos_abi::serial::KTEST;
    let all = tests::ALL;
    kprintln!("{prefix}running {} tests", all.len());
    let (mut passed, mut failed) = (0, 0);
    for (name, test) in all {
        match test() {
            Ok(()) => {
                passed += 1;
                kprintln!("{prefix}{name} ... ok");
            }
            Err(reason) => {
                failed += 1;
                kprintln!("{prefix}{name} ... FAILED: {reason}");
            }
        }
    }
    kprintln!("{prefix}{passed} passed, {failed} failed");
    let code = if failed == 0 { capos_abi::qemu_exit::SUCCESS } else { capos_abi::qemu_exit::FAILURE };
    crate::arch::x86_64::cpu::exit_qemu(code)
}
