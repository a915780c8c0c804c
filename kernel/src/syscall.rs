//! The syscalls (numbers and conventions in `capos_abi::syscall`):
//! `cap_enter`, `exit`, `thread_create`, `thread_exit`, `yield`,
//! `set_fs_base`, `signal`, `process_group`, `cap_flags` and `cpu_time`
//! (`fork`, `exec` and
//! `sigreturn`, which replace the caller's registers, go through
//! `arch::x86_64::syscall::dispatch_frame`). Everything else
//! is a capability call made through the ring, which `cap_enter` processes.

use alloc::sync::Arc;
use capos_abi::error::CapError;
use capos_abi::syscall::{
    MAX_THREADS, SYS_CAP_ENTER, SYS_CAP_FLAGS, SYS_CPU_TIME, SYS_EXIT, SYS_PROCESS_GROUP, SYS_SET_FS_BASE,
    SYS_SIGNAL, SYS_THREAD_CREATE, SYS_THREAD_EXIT, SYS_YIELD,
};

use crate::arch::x86_64::context;
use crate::arch::x86_64::gdt::{USER_CODE_SELECTOR, USER_DATA_SELECTOR};
use crate::arch::x86_64::trap::TrapFrame;
use crate::mem::kstack::KernelStack;
use crate::process::{ExitStatus, Process};
use crate::thread::Thread;

/// Runs the syscall `frame` carries (number in RAX, arguments in RDI,
/// RSI, RDX, R10); its value goes back to user mode in RAX. Then the checks
/// of every return to user mode (`signal::on_syscall_return`), with the
/// thread and process already at hand.
pub fn dispatch(frame: &mut TrapFrame) {
    let Some((thread, process)) = crate::sched::current().and_then(|t| t.process().map(|p| (t, p))) else {
        frame.rax = i64::from(CapError::Cancelled.as_result()) as u64;
        crate::signal::on_user_return(frame);
        return;
    };
    thread.set_in_syscall(true);
    let (result, thread_ended) =
        run(frame.rax, [frame.rdi, frame.rsi, frame.rdx, frame.r10], &thread, &process);
    // The thread or its process may have ended during the call (exit, a
    // kill of itself through its own handle, thread_exit, another thread's
    // exec): then it must not go back to user mode. The handles are
    // dropped first: this stack is never unwound.
    if thread_ended || process.has_ended() || thread.killed() {
        drop(process);
        drop(thread);
        crate::sched::exit_current();
    }
    thread.set_in_syscall(false);
    frame.rax = result as u64;
    crate::signal::on_syscall_return(frame, thread, process);
}

/// Runs syscall `number` for `thread` of `process`; also says whether the
/// thread ended (`thread_exit`).
fn run(number: u64, args: [u64; 4], thread: &Arc<Thread>, process: &Arc<Process>) -> (i64, bool) {
    let stamp = crate::profile::Stamp::now();
    crate::profile::count(capos_abi::profile::Counter::Syscalls);
    crate::sched::reap();
    // `cap_enter` is the fast path (every capability call); the others
    // are out of line and cold, so that this function, which the
    // IPC path runs after every address-space switch, spans few pages
    // (docs/performance.md, "Fifth step").
    let (result, thread_ended) = if number == SYS_CAP_ENTER {
        let min_complete = u32::try_from(args[0]).unwrap_or(u32::MAX);
        let interruptible = args[2] & capos_abi::syscall::CAP_ENTER_INTERRUPTIBLE != 0;
        let since = (args[2] & capos_abi::syscall::CAP_ENTER_SINCE != 0).then_some(args[3] as u32);
        match crate::cap::ring::cap_enter(process, min_complete, args[1], interruptible, since) {
            Ok(n) => (i64::from(n), false),
            Err(e) => (i64::from(e.as_result()), false),
        }
    } else {
        run_other(number, args, thread, process)
    };
    stamp.end(capos_abi::profile::Counter::DispatchCycles);
    (result, thread_ended)
}

/// The syscalls other than `cap_enter`, with [`run`]'s result.
#[cold]
#[inline(never)]
fn run_other(number: u64, args: [u64; 4], thread: &Arc<Thread>, process: &Arc<Process>) -> (i64, bool) {
    let mut thread_ended = false;
    let result = match number {
        SYS_EXIT => {
            process.terminate(ExitStatus::Exited(args[0] as i32));
            0
        }
        SYS_THREAD_CREATE => match thread_create(process, thread, args) {
            Ok(tid) => tid as i64,
            Err(e) => i64::from(e.as_result()),
        },
        SYS_THREAD_EXIT => {
            thread_ended = thread_exit(process, thread, args[0]);
            0
        }
        SYS_YIELD => {
            crate::sched::yield_now();
            0
        }
        SYS_SET_FS_BASE => match set_fs_base(args[0]) {
            Ok(()) => 0,
            Err(e) => i64::from(e.as_result()),
        },
        SYS_SIGNAL => match crate::signal::syscall(process, thread, args) {
            Ok(v) => v as i64,
            Err(e) => i64::from(e.as_result()),
        },
        SYS_PROCESS_GROUP => match crate::signal::group_syscall(process, args) {
            Ok(v) => v as i64,
            Err(e) => i64::from(e.as_result()),
        },
        SYS_CAP_FLAGS => match cap_flags(process, args) {
            Ok(v) => i64::from(v),
            Err(e) => i64::from(e.as_result()),
        },
        SYS_CPU_TIME => match crate::cpu_time::syscall(process, thread, args[0]) {
            Ok(ns) => ns.min(i64::MAX as u64) as i64,
            Err(e) => i64::from(e.as_result()),
        },
        #[cfg(feature = "profile")]
        capos_abi::profile::SYS_PROFILE => match crate::profile::syscall(process, args) {
            Ok(v) => v as i64,
            Err(e) => i64::from(e.as_result()),
        },
        _ => i64::from(CapError::UnknownSyscall.as_result()),
    };
    (result, thread_ended)
}

/// `cap_flags(cap, mask, value)` (`capos_abi::syscall::SYS_CAP_FLAGS`).
fn cap_flags(process: &Process, args: [u64; 4]) -> Result<u32, CapError> {
    let [cap, mask, value, _] = args;
    let cap = u32::try_from(cap).map_err(|_| CapError::InvalidCap)?;
    let (mask, value) = (mask as u32, value as u32);
    let object = process.inner.lock().caps.get(cap)?;
    let word = object.status_flags().ok_or(CapError::Unsupported)?;
    let old = word
        .fetch_update(core::sync::atomic::Ordering::AcqRel, core::sync::atomic::Ordering::Acquire, |w| {
            Some((w & !mask) | (value & mask))
        })
        .unwrap_or_else(|w| w);
    // The object goes outside the process lock (its drop may take it).
    drop(object);
    Ok(old)
}

fn thread_create(process: &Arc<Process>, creator: &Thread, args: [u64; 4]) -> Result<u64, CapError> {
    let [entry, stack_top, arg, fs_base] = args;
    let user = capos_abi::layout::USER_MIN..capos_abi::layout::USER_END;
    if !user.contains(&entry) || !user.contains(&stack_top) || !stack_top.is_multiple_of(16) {
        return Err(CapError::InvalidArgument);
    }
    if fs_base != 0 && !user.contains(&fs_base) {
        return Err(CapError::InvalidArgument);
    }
    if process.inner.lock().threads.len() >= MAX_THREADS {
        return Err(CapError::QuotaExceeded);
    }
    let kstack = KernelStack::new().map_err(|_| CapError::OutOfMemory)?;
    let frame = TrapFrame::user_entry(entry, stack_top - 8, arg, USER_CODE_SELECTOR, USER_DATA_SELECTOR);
    // SAFETY: the stack was just mapped for this thread alone.
    let rsp = unsafe { context::prepare_user_entry(kstack.top(), &frame) };
    let thread = Thread::new(process, kstack, rsp, None)?;
    thread.set_fs_base(fs_base);
    // POSIX: a new thread starts with its creator's signal mask.
    thread.set_blocked(creator.blocked());
    process.inner.lock().threads.push(thread.clone());
    let tid = thread.tid();
    crate::sched::make_ready(thread);
    Ok(tid)
}

/// Sets the running thread's FS base. The MSR holds the user's value while
/// the thread is in the kernel (the kernel uses GS), and the scheduler saves
/// it when it switches away, so writing the MSR is the whole job.
fn set_fs_base(address: u64) -> Result<(), CapError> {
    if address != 0 && !(capos_abi::layout::USER_MIN..capos_abi::layout::USER_END).contains(&address) {
        return Err(CapError::InvalidArgument);
    }
    x86_64::registers::model_specific::FsBase::write(x86_64::VirtAddr::new_truncate(address));
    Ok(())
}

/// Ends `thread`; returns true (the caller then leaves it for good).
fn thread_exit(process: &Arc<Process>, thread: &Arc<Thread>, notify: u64) -> bool {
    let last = {
        let mut inner = process.inner.lock();
        inner.threads.retain(|t| !Arc::ptr_eq(t, thread));
        inner.threads.is_empty()
    };
    if last {
        process.terminate(ExitStatus::Exited(0));
        return true;
    }
    if notify != 0 && notify.is_multiple_of(4) {
        let written = process
            .inner
            .lock()
            .space
            .as_mut()
            .is_some_and(|s| s.copy_to_user(notify, &0u32.to_le_bytes()).is_ok());
        if written {
            let _ = crate::cap::park::unpark(process.pid, notify, u32::MAX);
        }
    }
    crate::sched::retire(thread);
    true
}
