//! Threads of the calling process: [`spawn`] starts one running a closure,
//! [`JoinHandle::join`] waits for it to end.
//!
//! Each thread gets a 64 KiB stack from the heap and a small control block
//! whose address is its FS base (user TLS). It shares the process's ring
//! with the other threads: the ring client is used under a lock that is
//! never held while a thread blocks in `cap_enter` (see `docs/ring-abi.md`).
//! Stacks have no guard page yet (they come from the heap).

use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;
use capos_abi::error::CapError;
use core::sync::atomic::{AtomicU32, Ordering};

use crate::park::park;

/// Bytes of stack each thread gets.
pub const STACK_SIZE: usize = 64 * 1024;

/// What a thread shares with its [`JoinHandle`].
struct Control {
    /// 1 while the thread runs; the kernel stores 0 and wakes parked
    /// joiners when it exits.
    running: AtomicU32,
}

/// What the new thread starts with (passed through the kernel as a raw
/// pointer in RDI).
struct Start {
    body: Box<dyn FnOnce() + Send>,
    control: Arc<Control>,
}

/// A thread started by [`spawn`].
pub struct JoinHandle {
    control: Arc<Control>,
    tid: u64,
    // The stack must outlive the thread: it is freed after `join` (or
    // leaked if the handle is dropped while the thread may still run).
    stack: Option<Vec<u8>>,
}

extern "C" fn thread_entry(start: u64) -> ! {
    // SAFETY: `start` is the `Box<Start>` leaked by `spawn` for this thread
    // alone; it is taken back exactly once, here.
    let start = unsafe { Box::from_raw(start as *mut Start) };
    let Start { body, control } = *start;
    body();
    let notify = control.running.as_ptr() as u64;
    // The kernel writes to `running` after this thread is gone, so its
    // reference must outlive it: leak it here; `join` gives it back (a
    // thread never joined keeps its few bytes).
    let _ = Arc::into_raw(control);
    // The kernel writes 0 to `notify` (inside the handle's `Control`) and
    // wakes its joiners.
    crate::syscall::thread_exit(notify)
}

/// Starts a thread running `body`.
pub fn spawn(body: impl FnOnce() + Send + 'static) -> Result<JoinHandle, CapError> {
    let control = Arc::new(Control { running: AtomicU32::new(1) });
    let stack = vec![0u8; STACK_SIZE];
    let top = (stack.as_ptr() as u64 + STACK_SIZE as u64) & !15;
    let start = Box::into_raw(Box::new(Start { body: Box::new(body), control: control.clone() }));
    let fs_base = Arc::as_ptr(&control) as u64;
    // SAFETY: the new thread starts at `thread_entry` on `stack`, which
    // stays allocated until the thread has exited (see `JoinHandle`), and
    // takes `start` back.
    let result = unsafe { crate::syscall::thread_create(thread_entry, top, start as u64, fs_base) };
    if result < 0 {
        // SAFETY: the thread was not created; take the box back.
        drop(unsafe { Box::from_raw(start) });
        return Err(CapError::from_result(result as i32).unwrap_or(CapError::Unsupported));
    }
    Ok(JoinHandle { control, tid: result as u64, stack: Some(stack) })
}

impl JoinHandle {
    /// The thread id.
    pub fn tid(&self) -> u64 {
        self.tid
    }

    /// Waits for the thread to end.
    pub fn join(mut self) -> Result<(), CapError> {
        while self.control.running.load(Ordering::Acquire) != 0 {
            park(&self.control.running, 1, 0)?;
        }
        // The thread has exited: its stack is free to go, and so is the
        // reference to `control` it leaked on the way out.
        self.stack.take();
        // SAFETY: `thread_entry` leaked exactly one strong reference to
        // this `Control` before exiting, and the thread has exited (the
        // kernel cleared `running`), so nothing uses that reference.
        unsafe { Arc::decrement_strong_count(Arc::as_ptr(&self.control)) };
        Ok(())
    }
}

impl Drop for JoinHandle {
    fn drop(&mut self) {
        if self.control.running.load(Ordering::Acquire) != 0
            && let Some(stack) = self.stack.take()
        {
            // Still running: its stack must stay.
            core::mem::forget(stack);
        }
    }
}
