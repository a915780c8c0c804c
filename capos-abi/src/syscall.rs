//! The syscalls. capOS has almost none: everything else is a capability
//! call through the ring, which `cap_enter` processes.
//!
//! Convention (`syscall` instruction): number in RAX, arguments in RDI, RSI,
//! RDX; result in RAX (non-negative on success, `-(CapError code)` on
//! failure). RCX and R11 are clobbered by the instruction; every other
//! register is preserved.

/// `cap_enter(min_complete, timeout_ns)`: process every submitted SQE, then
/// block until at least `min_complete` completions are waiting or
/// `timeout_ns` nanoseconds passed (`u64::MAX`: no timeout). Returns the
/// number of completions waiting.
pub const SYS_CAP_ENTER: u64 = 0;
/// `cap_enter`'s third argument, flags: a signal with a handler to run
/// ends the wait with `Interrupted` (the handler runs on the way out,
/// unless the runtime defers it: `crate::signal::op::DEFER`). Without it
/// the wait goes on and the handler runs when the wait ends.
pub const CAP_ENTER_INTERRUPTIBLE: u64 = 1;
/// `cap_enter`'s flag: R10 holds the CQ tail the caller last saw (what it
/// read from `cq_tail` when it last collected completions), and the wait
/// is for `min_complete` completions posted after that one rather than
/// `min_complete` waiting. Several threads sharing one ring need it: a
/// thread that found nothing for itself and is about to wait cannot miss
/// its completion even if another thread collects it first (it is then
/// past the tail it saw, so `cap_enter` returns at once).
pub const CAP_ENTER_SINCE: u64 = 2;
/// `exit(code)`: ends the calling process with `code` (all its threads);
/// does not return.
pub const SYS_EXIT: u64 = 1;
/// `thread_create(entry, stack_top, arg, fs_base)` (arguments in RDI, RSI,
/// RDX, R10): starts a thread of the calling process at `entry` with RDI =
/// `arg`, RSP = `stack_top - 8` (as after a call; `stack_top` must be
/// 16-byte aligned) and FS base `fs_base`. Returns its thread id.
pub const SYS_THREAD_CREATE: u64 = 2;
/// `thread_exit(notify)`: ends the calling thread. If `notify` is not 0,
/// the kernel stores 0 in the 32-bit word at `notify` and UNPARKs every
/// waiter on it (how `join` works). The last thread's exit ends the process
/// with code 0.
pub const SYS_THREAD_EXIT: u64 = 3;
/// `yield()`: gives the CPU to the next ready thread (of any process), if
/// there is one; returns 0 when the caller runs again.
pub const SYS_YIELD: u64 = 4;
/// `set_fs_base(address)`: sets the calling thread's FS base (its thread
/// pointer, what a C library's TLS uses; `thread_create` sets a new
/// thread's). `address` must be 0 or a user address; returns 0, or
/// `-InvalidArgument`.
pub const SYS_SET_FS_BASE: u64 = 5;
/// `fork(handle_out)`: a new process that is a copy of the caller (its
/// memory, its caps at the same ids, the calling thread's registers; a
/// fresh ring). Returns the child's pid to the caller and 0 to the child;
/// when `handle_out` is not 0, a `ProcessHandle` cap for the child is
/// written to the 32-bit word there (the caller's cap id).
pub const SYS_FORK: u64 = 6;
/// `exec(request)`: the calling process runs a new program. `request`
/// points to six `u64`s: the ELF image's address and length, then the
/// arguments' and the environment's (each a block of NUL-terminated
/// strings). The process keeps its pid, parent, caps (at the same ids) and
/// quotas; its memory, ring, bootstrap region and registers are new. Does
/// not return on success; `-WouldBlock` while it has other threads,
/// `-InvalidArgument` for a bad image, `-TooLarge` past 16 MiB.
pub const SYS_EXEC: u64 = 7;
/// `signal(op, a, b, c)`: the calling process's signal state — actions,
/// the thread's blocked mask, pending signals, `kill`, the `ITIMER_REAL`
/// alarm, `sigsuspend` (`crate::signal::op` lists the operations).
pub const SYS_SIGNAL: u64 = 8;
/// `sigreturn(frame)`: ends a signal handler: restores the registers and
/// blocked mask saved in the `crate::signal::SignalFrame` at `frame`
/// (a bad frame ends the process with `SIGSEGV`). Does not return.
pub const SYS_SIGRETURN: u64 = 9;
/// `process_group(op, a, b)`: process groups and sessions
/// (`crate::signal::group_op`).
pub const SYS_PROCESS_GROUP: u64 = 10;
/// `cap_flags(cap, mask, value)`: the word of open-file status flags a
/// pipe end or an endpoint client (a file service `File`) carries, shared
/// by every holder of the cap (its copies, a fork's, an exec'd image's):
/// POSIX keeps `O_APPEND`/`O_NONBLOCK` in the open file description, which
/// dup and fork share. Replaces the bits of `mask` with those of `value`
/// (mask 0: only reads) and returns the word as it was; `-InvalidCap` for
/// a cap the caller does not hold, `-Unsupported` for a cap without one.
pub const SYS_CAP_FLAGS: u64 = 11;
/// `cpu_time(which)`: nanoseconds of CPU the caller has used: its whole
/// process's ([`cpu_time::PROCESS`]: every thread's, ended ones included,
/// since the process started; `exec` keeps counting), the calling
/// thread's alone ([`cpu_time::THREAD`]), or its ended children's
/// ([`cpu_time::CHILDREN`]: each child's own and its ended children's,
/// added when the child ends). Time is counted from the TSC
/// while a thread holds the CPU, in user mode or in the kernel on its
/// behalf (interrupts that arrive meanwhile included, as Linux's
/// tick-less accounting does). `-InvalidArgument` for another `which`.
pub const SYS_CPU_TIME: u64 = 12;
/// One past the highest syscall number: every number from here on is
/// answered with `-UnknownSyscall` (the ring fuzzer relies on it).
pub const SYSCALL_COUNT: u64 = 13;

/// [`SYS_CPU_TIME`]'s `which`.
pub mod cpu_time {
    /// The calling process's CPU time (POSIX `CLOCK_PROCESS_CPUTIME_ID`).
    pub const PROCESS: u64 = 0;
    /// The calling thread's (`CLOCK_THREAD_CPUTIME_ID`).
    pub const THREAD: u64 = 1;
    /// The ended children's, theirs included (`times`' `tms_cutime`,
    /// `getrusage(RUSAGE_CHILDREN)`).
    pub const CHILDREN: u64 = 2;
}
/// Most threads a process may have at once.
pub const MAX_THREADS: usize = 64;

/// `timeout_ns` value meaning "wait without a time limit".
pub const NO_TIMEOUT: u64 = u64::MAX;
