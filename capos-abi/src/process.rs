//! How a process ended, as the kernel reports it (`ProcessHandle.wait`) and
//! runtimes decode it: one type for both sides; and the limits on starting
//! processes.

/// Init's exit status when the boot failed: it could not read or use the
/// boot manifest, or could not start the manifest's `statusFrom` service
/// (it then stops the services it did start). 125, the status with which
/// `env(1)` and `timeout(1)` report a failure of their own, and `capos run`
/// its own; init prints why on lines starting with
/// [`crate::serial::INIT_ERROR`].
pub const BOOT_FAILED: i32 = 125;

/// The most processes one process may have started and still running at
/// once (`ProcessSpawner.spawn` fails with `QuotaExceeded` past it). There
/// is no system-wide count: every process is charged to a kernel-memory
/// quota carved out of its spawner's (a spawn or fork past it fails with
/// `QuotaExceeded`), so one subtree cannot take another's room.
pub const MAX_CHILDREN: usize = 64;

/// The memory limit a child gets when its spawner passes `memoryLimit` 0:
/// 64 MiB, or half of what the spawner has left if that is less.
pub const DEFAULT_MEMORY_LIMIT: u64 = 64 << 20;

/// Cap-table slots a process has unless its spawner says otherwise: every
/// cap it holds (an open file, a pipe end, a bootstrap cap) takes one.
pub const DEFAULT_CAP_SLOTS: u16 = 256;

/// How a process ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// It called `exit(code)` (or returned `code` from `main`).
    Exited(i32),
    /// A CPU exception in user mode ended it.
    Faulted {
        /// Exception vector (14 page fault, 13 general protection, 6
        /// invalid opcode, 0 divide error …).
        vector: u8,
        /// The error code the CPU pushed (0 for exceptions without one).
        error_code: u64,
        /// The faulting address (CR2) for page faults, else 0.
        address: u64,
        /// The instruction pointer at the fault.
        rip: u64,
    },
    /// `ProcessHandle.kill` ended it (as `SIGKILL` would).
    Killed,
    /// A signal ended it (its default action, or `SIGKILL` sent by
    /// `kill`): the signal's number.
    Signaled(u8),
}

impl ExitStatus {
    /// The status a POSIX shell reports (`$?`): the code, or 128 + the
    /// signal that ended it (9 when killed, 11 for a page or protection
    /// fault, 8 divide error, 4 invalid opcode, 5 breakpoint).
    pub fn shell_status(self) -> i32 {
        match self {
            Self::Exited(code) => code,
            Self::Faulted { .. } | Self::Killed | Self::Signaled(_) => {
                128 + i32::from(self.signal().unwrap_or(9))
            }
        }
    }

    /// The signal a Linux process would have been killed by (`None` when
    /// it exited).
    pub fn signal(self) -> Option<u8> {
        match self {
            Self::Exited(_) => None,
            Self::Faulted { vector, .. } => Some(match vector {
                0 => 8,  // divide error: SIGFPE
                3 => 5,  // breakpoint: SIGTRAP
                6 => 4,  // invalid opcode: SIGILL
                _ => 11, // page fault, protection: SIGSEGV
            }),
            Self::Killed => Some(9),
            Self::Signaled(sig) => Some(sig),
        }
    }
}

impl core::fmt::Display for ExitStatus {
    /// `exited with code C`, `faulted (vector V, address A, rip R)` or
    /// `was killed` — the words init and the tests use.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match *self {
            Self::Exited(code) => write!(f, "exited with code {code}"),
            Self::Faulted { vector, address, rip, .. } => {
                write!(f, "faulted (vector {vector}, address {address:#x}, rip {rip:#x})")
            }
            Self::Killed => f.write_str("was killed"),
            Self::Signaled(sig) => write!(f, "was killed by signal {sig}"),
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::ExitStatus;
    use std::string::ToString;

    #[test]
    fn displays_as_init_reports_it() {
        assert_eq!(ExitStatus::Exited(-3).to_string(), "exited with code -3");
        let fault = ExitStatus::Faulted { vector: 14, error_code: 4, address: 0, rip: 0x2046 };
        assert_eq!(fault.to_string(), "faulted (vector 14, address 0x0, rip 0x2046)");
        assert_eq!(ExitStatus::Killed.to_string(), "was killed");
        assert_eq!(ExitStatus::Signaled(15).to_string(), "was killed by signal 15");
    }

    #[test]
    fn shell_status_is_128_plus_the_signal() {
        assert_eq!(ExitStatus::Exited(3).shell_status(), 3);
        assert_eq!(ExitStatus::Killed.shell_status(), 137);
        assert_eq!(ExitStatus::Signaled(15).shell_status(), 143);
        let fault = ExitStatus::Faulted { vector: 14, error_code: 4, address: 0, rip: 0 };
        assert_eq!(fault.shell_status(), 139);
    }
}
