//! The kernel's profile counters: present only in a kernel built with the
//! cargo feature `profile` (`make bench PROFILE=1`), where the syscall
//! [`SYS_PROFILE`] resets and reads them. In a normal kernel that number is
//! an unknown syscall, so a program can ask without knowing how the kernel
//! was built. `apps/ring-bench` reads them around each measurement and
//! prints them per operation (`docs/benchmarks.md`).

/// `profile(op, buf, len)`: [`OP_RESET`] sets every counter to 0;
/// [`OP_READ`] copies the counters, one `u64` each in the order of
/// [`COUNTERS`], to `buf` (at most `len` of them) and returns how many it
/// wrote. `-UnknownSyscall` from a kernel built without the feature.
/// ("prof" in ASCII: far from the numbered syscalls, which the ring
/// fuzzer's unknown numbers start after.)
pub const SYS_PROFILE: u64 = 0x7072_6f66;
/// [`SYS_PROFILE`] operation: zero the counters.
pub const OP_RESET: u64 = 0;
/// [`SYS_PROFILE`] operation: copy the counters out.
pub const OP_READ: u64 = 1;

/// What the kernel counts, in the order `OP_READ` writes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(usize)]
pub enum Counter {
    /// Syscalls dispatched (every number, known or not).
    Syscalls = 0,
    /// Acquisitions of a process's lock (`Process::inner`).
    ProcessLocks = 1,
    /// Kernel heap allocations.
    HeapAllocs = 2,
    /// Writes of CR3 (address-space switches).
    Cr3Writes = 3,
    /// Copies between user memory and the kernel (`copy_from_user`,
    /// `copy_to_user`), the ring's entries not counted.
    UserCopies = 4,
    /// Bytes those copies moved.
    UserCopyBytes = 5,
    /// SQEs read from and CQEs written to the ring.
    RingEntries = 6,
    /// Context switches (one thread off the CPU, another on).
    Switches = 7,
    /// TSC cycles in syscall dispatch, blocked time included.
    DispatchCycles = 8,
    /// TSC cycles of `cap_enter` blocked waiting for completions (other
    /// threads, the idle loop and the switches run meanwhile).
    BlockedCycles = 9,
    /// TSC cycles of `cap_enter` taking SQEs from the ring (lock, copy,
    /// reservation of the CQ slot).
    TakeCycles = 10,
    /// TSC cycles of `cap_enter` carrying out SQEs (posting of the CQEs of
    /// calls that finished at once included).
    ExecuteCycles = 11,
    /// TSC cycles posting CQEs (`post_cqe`/`deliver`, wherever called).
    PostCycles = 12,
    /// User page faults the kernel resolved (a copy-on-write page given a
    /// frame of its own, a page of the main stack's reserve mapped).
    PageFaults = 13,
    /// Copy-on-write breaks that copied a frame (its other owner still
    /// held it), by a fault or by a kernel write into user memory.
    CowCopies = 14,
    /// Frames allocated zeroed (user pages, page tables, kernel stacks).
    FramesZeroed = 15,
    /// TSC cycles in the `fork` syscall.
    ForkCycles = 16,
    /// TSC cycles in the `exec` syscall.
    ExecCycles = 17,
    /// TSC cycles tearing down address spaces (unmapping and freeing every
    /// frame and table: an exit, or the old image of an `exec`).
    TeardownCycles = 18,
    /// TSC cycles resolving the user page faults of [`Counter::PageFaults`]
    /// (from the fault's entry into the kernel's handler to its return).
    FaultCycles = 19,
}

/// Every counter with its name, in `OP_READ` order.
pub const COUNTERS: [(Counter, &str); 20] = [
    (Counter::Syscalls, "syscalls"),
    (Counter::ProcessLocks, "process locks"),
    (Counter::HeapAllocs, "heap allocs"),
    (Counter::Cr3Writes, "CR3 writes"),
    (Counter::UserCopies, "user copies"),
    (Counter::UserCopyBytes, "user copy bytes"),
    (Counter::RingEntries, "ring entries"),
    (Counter::Switches, "switches"),
    (Counter::DispatchCycles, "cycles in syscalls"),
    (Counter::BlockedCycles, "cycles blocked"),
    (Counter::TakeCycles, "cycles taking SQEs"),
    (Counter::ExecuteCycles, "cycles executing"),
    (Counter::PostCycles, "cycles posting CQEs"),
    (Counter::PageFaults, "page faults"),
    (Counter::CowCopies, "COW copies"),
    (Counter::FramesZeroed, "frames zeroed"),
    (Counter::ForkCycles, "cycles in fork"),
    (Counter::ExecCycles, "cycles in exec"),
    (Counter::TeardownCycles, "cycles in teardown"),
    (Counter::FaultCycles, "cycles in page faults"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_are_listed_in_their_order() {
        for (i, (counter, _)) in COUNTERS.iter().enumerate() {
            assert_eq!(*counter as usize, i);
        }
    }
}
