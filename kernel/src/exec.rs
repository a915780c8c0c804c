//! `exec`: the calling process runs a new program image (POSIX `execve`,
//! through the `exec` syscall, `capos_abi::syscall::SYS_EXEC`).
//!
//! The process stays: its pid, its parent, its cap table (every cap at the
//! same id: the caller releases what it does not pass on, e.g. files
//! marked close-on-exec), its quotas and its children. Everything else is
//! new: the address space (the image's segments, a fresh stack, heap and
//! ring), the bootstrap region (the same cap entries, the new arguments
//! and environment), and the thread's registers (it starts at the image's
//! entry as a spawned process does). Calls still pending from the old
//! image are dropped, never completed into the new one.
//!
//! The process's other threads end, as on Linux, once the request is found
//! good and the new image is built ([`end_other_threads`]), so a failure
//! (a bad image, no memory for the new one) leaves the process as it was,
//! every thread included; the calling thread goes on as the process's
//! only one, with the pid as its thread id. Its mask and its own pending
//! signals stay.
//!
//! Partial: the image is copied into the kernel while it is loaded, so it
//! may be at most [`MAX_IMAGE`] bytes.

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use capos_abi::error::CapError;
use capos_abi::layout::{BOOTSTRAP_ADDR, HEAP_ADDR, STACK_SIZE, STACK_TOP};
use capos_config::capset::{CapEntry, CapSet, CapSetWriter, HEADER_SIZE};
use x86_64::registers::model_specific::FsBase;

use crate::arch::x86_64::gdt::{USER_CODE_SELECTOR, USER_DATA_SELECTOR};
use crate::arch::x86_64::trap::TrapFrame;
use crate::cap::ring::Ring;
use crate::mem::address_space::{AddressSpace, UserAccess};
use crate::process::Process;
use crate::thread::{Thread, ThreadState};

/// Largest image `exec` takes.
pub const MAX_IMAGE: usize = 16 << 20;
/// Largest argument or environment block.
const MAX_STRINGS: usize = 64 << 10;

fn map_err(e: crate::mem::paging::MapError) -> CapError {
    match e {
        crate::mem::paging::MapError::QuotaExceeded => CapError::QuotaExceeded,
        _ => CapError::OutOfMemory,
    }
}

/// Runs the `exec` syscall for the current thread, whose user registers
/// are `frame`: on success `frame` is the new program's first state (the
/// syscall returns into it); on failure RAX gets `-error` and nothing
/// changed.
pub fn exec_syscall(frame: &mut TrapFrame) {
    let stamp = crate::profile::Stamp::now();
    crate::sched::reap();
    let result = (|| {
        let thread = crate::sched::current().ok_or(CapError::Cancelled)?;
        let process = thread.process().ok_or(CapError::Cancelled)?;
        exec(&process, &thread, frame)
    })();
    if let Err(e) = result {
        frame.rax = i64::from(e.as_result()) as u64;
    }
    stamp.end(capos_abi::profile::Counter::ExecCycles);
}

/// Reads `len` bytes of the caller's memory at `addr` into the kernel.
fn copy_in(space: &AddressSpace, addr: u64, len: u64, max: usize) -> Result<Vec<u8>, CapError> {
    let len = usize::try_from(len).ok().filter(|&l| l <= max).ok_or(CapError::TooLarge)?;
    let mut bytes = Vec::new();
    bytes.try_reserve_exact(len).map_err(|_| CapError::OutOfMemory)?;
    bytes.resize(len, 0);
    if !space.copy_from_user(addr, &mut bytes) {
        return Err(CapError::BadAddress);
    }
    Ok(bytes)
}

/// NUL-separated strings as a list (empty block: none).
fn strings(block: &[u8]) -> Result<Vec<&str>, CapError> {
    if block.is_empty() {
        return Ok(Vec::new());
    }
    let block = block.strip_suffix(&[0]).unwrap_or(block);
    block.split(|&b| b == 0).map(|s| core::str::from_utf8(s).map_err(|_| CapError::InvalidArgument)).collect()
}

/// How many times `exec` lets the threads it ended run to leave their
/// syscalls before it gives up (each leaves in one run: its wait ends
/// and the syscall path sees it killed).
const LEAVE_ROUNDS: usize = 1024;

/// Ends every thread of `process` but `caller` (`exec`): a thread off the
/// CPU in user mode is retired at once; one inside a syscall (or held by
/// a stop) holds references on its kernel stack and may still touch the
/// process's ring or memory, so it is made ready and run until it has
/// left (the syscall path and the return to user mode see it killed)
/// before the old image goes. `WouldBlock` if one has not left after
/// [`LEAVE_ROUNDS`] turns; `Cancelled` if the process ended meanwhile.
fn end_other_threads(process: &Arc<Process>, caller: &Arc<Thread>) -> Result<(), CapError> {
    let others: Vec<Arc<Thread>> = {
        let mut inner = process.inner.lock();
        let mut others = Vec::new();
        others.try_reserve(inner.threads.len()).map_err(|_| CapError::OutOfMemory)?;
        inner.threads.retain(|t| {
            if Arc::ptr_eq(t, caller) {
                return true;
            }
            others.push(t.clone());
            false
        });
        others
    };
    let mut held = Vec::new();
    held.try_reserve(others.len()).map_err(|_| CapError::OutOfMemory)?;
    for thread in others {
        thread.kill();
        if thread.in_syscall() || thread.state() == ThreadState::Stopped {
            crate::sched::make_ready(thread.clone());
            held.push(thread);
        } else {
            crate::sched::retire(&thread);
        }
    }
    // The caller is off the CPU while they run: marked as inside a syscall
    // so that an end of the process meanwhile lets it unwind too.
    caller.set_in_syscall(true);
    let mut rounds = 0;
    while held.iter().any(|t| t.state() != ThreadState::Dead) && rounds < LEAVE_ROUNDS {
        crate::sched::yield_now();
        rounds += 1;
    }
    caller.set_in_syscall(false);
    if process.exit_status().is_some() {
        return Err(CapError::Cancelled);
    }
    if held.iter().any(|t| t.state() != ThreadState::Dead) {
        return Err(CapError::WouldBlock);
    }
    // Its own pending signals and mask stay; it is the process's thread
    // now, with the pid as its id (as Linux's `de_thread`).
    caller.set_tid(process.pid);
    Ok(())
}

fn exec(process: &Arc<Process>, caller: &Arc<Thread>, frame: &mut TrapFrame) -> Result<(), CapError> {
    // The request: six u64s at RDI (image, length, arguments, length,
    // environment, length).
    let (image, args_block, env_block, bootstrap) = {
        let inner = process.inner.lock();
        let space = inner.space.as_ref().ok_or(CapError::Cancelled)?;
        let raw = copy_in(space, frame.rdi, 48, 48)?;
        let word = |i: usize| u64::from_le_bytes(raw[i * 8..i * 8 + 8].try_into().unwrap_or([0; 8]));
        let image = copy_in(space, word(0), word(1), MAX_IMAGE)?;
        let args = copy_in(space, word(2), word(3), MAX_STRINGS)?;
        let env = copy_in(space, word(4), word(5), MAX_STRINGS)?;
        let mut head = [0u8; HEADER_SIZE];
        if !space.copy_from_user(BOOTSTRAP_ADDR, &mut head) {
            return Err(CapError::Cancelled);
        }
        let total = capos_config::capset::total_size(&head).ok_or(CapError::Cancelled)?;
        let bootstrap = copy_in(space, BOOTSTRAP_ADDR, total as u64, total)?;
        (image, args, env, bootstrap)
    };
    let elf = capos_lib::elf::parse(&image).map_err(|e| match e {
        capos_lib::elf::ElfError::OutOfMemory => CapError::OutOfMemory,
        _ => CapError::InvalidArgument,
    })?;
    if elf.end() > capos_abi::layout::IMAGE_END {
        return Err(CapError::InvalidArgument);
    }
    let args = strings(&args_block)?;
    let env = strings(&env_block)?;
    if args.is_empty() {
        return Err(CapError::InvalidArgument);
    }
    // The new image's space takes from the same pool (the process's
    // memory limit, shared with what it forked): both count until the
    // old image goes.
    let fresh = {
        let inner = process.inner.lock();
        inner.space.as_ref().ok_or(CapError::Cancelled)?.new_sharing().map_err(map_err)?
    };

    // The new address space.
    let mut space = fresh;
    crate::spawn::load_segments(&mut space, &elf, &image)?;
    space.map_fresh(STACK_TOP - STACK_SIZE, STACK_SIZE, UserAccess::ReadWrite).map_err(map_err)?;
    let heap_size = crate::spawn::INITIAL_HEAP.next_multiple_of(4096);
    space.map_fresh(HEAP_ADDR, heap_size, UserAccess::ReadWrite).map_err(map_err)?;
    let ring_frames = crate::spawn::map_ring(&mut space)?;

    // The bootstrap region: the same caps, the new strings.
    let old = CapSet::parse(&bootstrap).map_err(|_| CapError::Cancelled)?;
    let names: Vec<(String, u32, u64)> =
        old.caps().map(|e| (String::from(e.name), e.cap_id, e.interface_id)).collect();
    let entries: Vec<CapEntry<'_>> =
        names.iter().map(|(name, id, iface)| CapEntry { name, cap_id: *id, interface_id: *iface }).collect();
    let info = crate::spawn::process_info(process.pid, old.info().parent_pid, heap_size);
    let writer = CapSetWriter::new(&entries, &args, &env, info);
    writer.check().map_err(|_| CapError::TooLarge)?;
    let mut region = alloc::vec![0u8; writer.size()];
    writer.write(&mut region).map_err(|_| CapError::InvalidArgument)?;
    let size = (region.len() as u64).next_multiple_of(4096);
    space.map_fresh(BOOTSTRAP_ADDR, size, UserAccess::ReadWrite).map_err(map_err)?;
    space.copy_to_user(BOOTSTRAP_ADDR, &region).map_err(|_| CapError::OutOfMemory)?;
    space.protect(BOOTSTRAP_ADDR, size, UserAccess::Read).map_err(map_err)?;

    // The new image is ready: the other threads end (as late as this, so
    // any failure above leaves the process as it was, threads and all,
    // as Linux's execve does before its point of no return).
    if process.inner.lock().threads.len() > 1 {
        end_other_threads(process, caller)?;
    }

    // Nothing can fail from here: the swap.
    let (old_space, old_ring, old_mapped) = {
        let mut inner = process.inner.lock();
        process.epoch.fetch_add(1, core::sync::atomic::Ordering::AcqRel);
        (
            inner.space.replace(space),
            inner.ring.replace(Ring::new(ring_frames)),
            core::mem::take(&mut inner.mapped_objects),
        )
    };
    process.activate_address_space();
    crate::signal::on_exec(process);
    drop(old_ring);
    drop(old_space);
    drop(old_mapped);
    *frame = TrapFrame::user_entry(
        elf.entry,
        STACK_TOP - 8,
        BOOTSTRAP_ADDR,
        USER_CODE_SELECTOR,
        USER_DATA_SELECTOR,
    );
    FsBase::write(x86_64::VirtAddr::new(0));
    crate::arch::x86_64::context::FpuState::initial().restore();
    Ok(())
}
