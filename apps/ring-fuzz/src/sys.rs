//! Raw syscalls with arguments the fuzzer chooses: `cap_enter`,
//! `thread_create`, `thread_exit`, `yield` and numbers that do not exist.

/// `syscall` with number `nr` and four arguments; returns RAX.
pub fn raw(nr: u64, a0: u64, a1: u64, a2: u64, a3: u64) -> i64 {
    let result: i64;
    // SAFETY: the kernel reads only the registers; whatever it does with
    // addresses in them is checked on its side (that is what is being
    // tested). It preserves every register but RAX, RCX and R11. Numbers
    // that end the process or thread are never passed here.
    unsafe {
        core::arch::asm!(
            "syscall",
            inlateout("rax") nr as i64 => result,
            in("rdi") a0,
            in("rsi") a1,
            in("rdx") a2,
            in("r10") a3,
            lateout("rcx") _,
            lateout("r11") _,
            options(nostack),
        );
    }
    result
}

/// `thread_exit(notify)`: ends the calling thread.
pub fn thread_exit(notify: u64) -> ! {
    // SAFETY: `thread_exit` does not return; the kernel checks `notify`.
    unsafe {
        core::arch::asm!(
            "syscall",
            in("rax") capos_abi::syscall::SYS_THREAD_EXIT,
            in("rdi") notify,
            options(noreturn, nostack),
        );
    }
}

/// A fuzz thread: gives the CPU away once, then exits, clearing (or
/// trying to clear) the word at `notify`, which may be any address.
pub extern "C" fn worker(notify: u64) -> ! {
    let _ = raw(capos_abi::syscall::SYS_YIELD, 0, 0, 0, 0);
    thread_exit(notify)
}
