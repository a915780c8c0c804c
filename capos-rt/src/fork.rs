//! `fork`: this process copied into a new one (the `fork` syscall,
//! `capos_abi::syscall::SYS_FORK`). The child has a copy of the memory and
//! of every cap (at the same ids), the calling thread only, and a fresh
//! ring; [`fork`] sets the runtime up again on the child's side before it
//! returns there.
//!
//! Only the calling thread goes on in the child. A lock another thread
//! held at the moment of the fork would stay locked for ever in the child;
//! the runtime's own locks (the ring client, the heap) are released there,
//! a program's own are its affair (as with POSIX `fork`).

use capos_abi::error::CapError;
use capos_abi::syscall::SYS_FORK;

use crate::client::ProcessHandle;

/// Which side of a fork this is.
pub enum Forked {
    /// The parent: the child's pid and a handle to it.
    Parent {
        /// The child's pid.
        pid: u64,
        /// A handle to wait for or kill it.
        handle: ProcessHandle,
    },
    /// The child.
    Child,
}

/// Forks the process (see the module docs).
pub fn fork() -> Result<Forked, CapError> {
    let mut handle: u32 = 0;
    let result: i64;
    // SAFETY: `fork` reads its one argument, the address of `handle`, and
    // writes the new cap id there in the parent; the child resumes here
    // with RAX = 0 and every other register as the parent had them.
    unsafe {
        core::arch::asm!(
            "syscall",
            inlateout("rax") SYS_FORK as i64 => result,
            in("rdi") &raw mut handle as u64,
            lateout("rcx") _,
            lateout("r11") _,
            options(nostack),
        );
    }
    match result {
        0 => {
            after_fork_in_child();
            Ok(Forked::Child)
        }
        pid if pid > 0 => Ok(Forked::Parent { pid: pid as u64, handle: ProcessHandle::from_id(handle) }),
        e => Err(CapError::from_result(e as i32).unwrap_or(CapError::Unsupported)),
    }
}

/// The child's side: a fresh ring client for the child's fresh ring, and
/// the runtime's locks released (no other thread exists to hold them).
fn after_fork_in_child() {
    crate::heap::unlock_after_fork();
    crate::ring::reset_after_fork();
}
