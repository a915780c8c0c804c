//! The two syscalls: `cap_enter` and `exit` (numbers and conventions in
//! `capos_abi::syscall`). Everything else is a capability call made through
//! the ring, which `cap_enter` processes.

use capos_abi::error::CapError;
use capos_abi::syscall::{SYS_CAP_ENTER, SYS_EXIT};

use crate::process::ExitStatus;

/// Runs syscall `number`; the value goes back to user mode in RAX.
pub fn dispatch(number: u64, arg0: u64, arg1: u64, _arg2: u64) -> i64 {
    crate::sched::reap();
    let Some(process) = crate::sched::current().and_then(|t| t.process()) else {
        return CapError::Cancelled.as_result().into();
    };
    let result = match number {
        SYS_CAP_ENTER => {
            let min_complete = u32::try_from(arg0).unwrap_or(u32::MAX);
            match crate::cap::ring::cap_enter(&process, min_complete, arg1) {
                Ok(n) => i64::from(n),
                Err(e) => i64::from(e.as_result()),
            }
        }
        SYS_EXIT => {
            process.terminate(ExitStatus::Exited(arg0 as i32));
            0
        }
        _ => i64::from(CapError::UnknownSyscall.as_result()),
    };
    // The process may have ended during the call (exit, a kill of itself
    // through its own handle): then this thread must not go back to it.
    if process.exit_status().is_some() {
        drop(process);
        crate::sched::exit_current();
    }
    result
}
