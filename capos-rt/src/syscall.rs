//! The raw syscalls (`capos_abi::syscall`): `cap_enter`, `yield`,
//! `set_fs_base`, `thread_create`, `thread_exit`, `exec`, `signal`,
//! `process_group` and `exit`. Most
//! code uses the ring client instead of calling these.

use capos_abi::syscall::{SYS_CAP_ENTER, SYS_EXIT};

/// `cap_enter`'s `timeout_ns` for "wait as long as it takes".
pub use capos_abi::syscall::NO_TIMEOUT;

/// Processes submitted SQEs, then waits until `min_complete` completions
/// are available or `timeout_ns` passed. Returns the number available, or
/// `-(CapError code)`.
pub fn cap_enter(min_complete: u32, timeout_ns: u64) -> i64 {
    cap_enter_flags(min_complete, timeout_ns, 0)
}

/// [`cap_enter`] with flags (`capos_abi::syscall::CAP_ENTER_INTERRUPTIBLE`:
/// a signal with a handler ends the wait with `-Interrupted`).
pub fn cap_enter_flags(min_complete: u32, timeout_ns: u64, flags: u64) -> i64 {
    let result: i64;
    // SAFETY: the syscall reads only its register arguments; the kernel
    // touches our memory only through the ring and buffers we named in
    // SQEs, and it preserves every register but RAX, RCX and R11.
    unsafe {
        core::arch::asm!(
            "syscall",
            inlateout("rax") SYS_CAP_ENTER as i64 => result,
            in("rdi") u64::from(min_complete),
            in("rsi") timeout_ns,
            in("rdx") flags,
            lateout("rcx") _,
            lateout("r11") _,
            options(nostack),
        );
    }
    result
}

/// [`cap_enter_flags`] with `CAP_ENTER_SINCE`: waits for `min_complete`
/// completions posted after the CQ tail `seen` (what the caller last
/// collected up to), so a completion another thread collected first is
/// not waited for in vain (`capos_abi::syscall::CAP_ENTER_SINCE`).
pub fn cap_enter_since(min_complete: u32, timeout_ns: u64, flags: u64, seen: u32) -> i64 {
    syscall4(
        SYS_CAP_ENTER,
        [u64::from(min_complete), timeout_ns, flags | capos_abi::syscall::CAP_ENTER_SINCE, u64::from(seen)],
    )
}

/// Gives the CPU to the next ready thread, if any.
pub fn yield_now() {
    // SAFETY: `yield` takes no arguments and touches no user memory.
    unsafe {
        core::arch::asm!(
            "syscall",
            inlateout("rax") capos_abi::syscall::SYS_YIELD => _,
            lateout("rcx") _,
            lateout("r11") _,
            options(nostack),
        );
    }
}

/// Sets the calling thread's FS base (its thread pointer); returns 0 or
/// `-(CapError code)`.
pub fn set_fs_base(address: u64) -> i64 {
    syscall1(capos_abi::syscall::SYS_SET_FS_BASE, address)
}

/// Runs another program in this process (the `exec` syscall) from the
/// request at `request` (six `u64`s: image, arguments, environment, each
/// an address and a length); returns only when it fails, with
/// `-(CapError code)`.
pub fn exec(request: u64) -> i64 {
    syscall1(capos_abi::syscall::SYS_EXEC, request)
}

/// A syscall of one argument that touches no memory of the caller's but
/// what the argument names (`set_fs_base`, `exec`: it does not return on
/// success, which leaves nothing of this frame in use).
fn syscall1(number: u64, arg: u64) -> i64 {
    syscall4(number, [arg, 0, 0, 0])
}

/// The `signal` syscall (`capos_abi::signal::op`): returns its value or
/// `-(CapError code)`.
pub fn signal(op: u64, a: u64, b: u64, c: u64) -> i64 {
    syscall4(capos_abi::syscall::SYS_SIGNAL, [op, a, b, c])
}

/// The `process_group` syscall (`capos_abi::signal::group_op`).
pub fn process_group(op: u64, a: u64, b: u64) -> i64 {
    syscall4(capos_abi::syscall::SYS_PROCESS_GROUP, [op, a, b, 0])
}

/// The `cap_flags` syscall (`capos_abi::syscall::SYS_CAP_FLAGS`): the
/// status-flags word of `cap`'s object, its `mask` bits replaced by
/// `value`'s; the old word or `-CapError`.
pub fn cap_flags(cap: u32, mask: u32, value: u32) -> i64 {
    syscall4(capos_abi::syscall::SYS_CAP_FLAGS, [u64::from(cap), u64::from(mask), u64::from(value), 0])
}

/// The `cpu_time` syscall (`capos_abi::syscall::SYS_CPU_TIME`):
/// nanoseconds of CPU the calling process, thread or the process's ended
/// children used (`which`: `capos_abi::syscall::cpu_time`); `-InvalidArgument`
/// for another `which`.
pub fn cpu_time(which: u64) -> i64 {
    syscall4(capos_abi::syscall::SYS_CPU_TIME, [which, 0, 0, 0])
}

/// [`cpu_time`] of the calling process (`thread` false) or thread, which
/// never fails.
pub fn cpu_time_ns(thread: bool) -> u64 {
    use capos_abi::syscall::cpu_time;
    cpu_time(if thread { cpu_time::THREAD } else { cpu_time::PROCESS }).max(0) as u64
}

/// A syscall of up to four arguments that touches no memory of the
/// caller's but what its arguments name (checked by the kernel). A signal
/// handler may run before it returns (the kernel preserves every register
/// but RAX, RCX and R11 across it).
fn syscall4(number: u64, [a, b, c, d]: [u64; 4]) -> i64 {
    let result: i64;
    // SAFETY: the kernel reads the register arguments and reaches user
    // memory only at the addresses they name, through checked copies.
    unsafe {
        core::arch::asm!(
            "syscall",
            inlateout("rax") number as i64 => result,
            in("rdi") a,
            in("rsi") b,
            in("rdx") c,
            in("r10") d,
            lateout("rcx") _,
            lateout("r11") _,
        );
    }
    result
}

/// Starts a thread of this process at `entry` with `arg` in RDI, the
/// stack at `stack_top` (16-byte aligned) and FS base `fs_base`; returns
/// its id or `-(CapError code)`.
///
/// # Safety
/// `stack_top` must be the top of memory the new thread may use as its
/// stack for its whole life, and `entry` must treat `arg` as the caller
/// arranged (usually a pointer it hands over).
pub unsafe fn thread_create(entry: extern "C" fn(u64) -> !, stack_top: u64, arg: u64, fs_base: u64) -> i64 {
    let result: i64;
    // SAFETY: `thread_create` only reads its register arguments; what the
    // new thread does with its stack and argument is the caller's promise.
    unsafe {
        core::arch::asm!(
            "syscall",
            inlateout("rax") capos_abi::syscall::SYS_THREAD_CREATE as i64 => result,
            in("rdi") entry as *const () as u64,
            in("rsi") stack_top,
            in("rdx") arg,
            in("r10") fs_base,
            lateout("rcx") _,
            lateout("r11") _,
            options(nostack),
        );
    }
    result
}

/// Ends the calling thread: the kernel stores 0 in the 32-bit word at
/// `notify` (if not 0) and wakes its waiters once the thread is gone; the
/// last thread's exit ends the process.
pub fn thread_exit(notify: u64) -> ! {
    // SAFETY: ends this thread; the kernel touches `notify` only after it
    // is gone; nothing runs after.
    unsafe {
        core::arch::asm!("syscall", in("rax") capos_abi::syscall::SYS_THREAD_EXIT, in("rdi") notify, options(noreturn, nostack));
    }
}

/// Ends the process with `code`.
pub fn exit(code: i32) -> ! {
    // SAFETY: `exit` does not return; the kernel frees everything.
    unsafe {
        core::arch::asm!(
            "syscall",
            in("rax") SYS_EXIT,
            in("rdi") code as i64 as u64,
            options(noreturn, nostack),
        );
    }
}

/// Zeroes the kernel's profile counters (`capos_abi::profile`); `false`
/// from a kernel built without them.
pub fn profile_reset() -> bool {
    syscall4(capos_abi::profile::SYS_PROFILE, [capos_abi::profile::OP_RESET, 0, 0, 0]) >= 0
}

/// Reads the kernel's profile counters into `out` (in the order of
/// `capos_abi::profile::COUNTERS`); how many were written, or `None` from
/// a kernel built without them.
pub fn profile_read(out: &mut [u64]) -> Option<usize> {
    let r = syscall4(
        capos_abi::profile::SYS_PROFILE,
        [capos_abi::profile::OP_READ, out.as_mut_ptr() as u64, out.len() as u64, 0],
    );
    usize::try_from(r).ok()
}
