//! `fork`: a new process that is a copy of the calling one (POSIX `fork`,
//! through the `fork` syscall, `capos_abi::syscall::SYS_FORK`).
//!
//! The child gets:
//! - a copy-on-write copy of the address space (every page at the same
//!   address with the same access; owned pages shared until parent or
//!   child writes them, `AddressSpace::duplicate`; mapped memory objects
//!   shared for good), except the ring, which is fresh and empty, and the
//!   bootstrap region, which is the parent's with the child's pid and
//!   parent pid;
//! - every cap at the same id (a copy, as a COPY transfer makes), except a
//!   `VirtualMemory` cap, which is re-made for the child's own address
//!   space; the memory objects the parent has mapped stay alive for the
//!   child's mappings too;
//! - one thread: a copy of the calling thread's registers (FS base and FPU
//!   state included) with RAX = 0, so `fork` returns 0 there;
//! - the parent's memory limit, shared: its address space takes frames
//!   from the parent's pool (`address_space::FramePool`), where the shared
//!   pages count again, as a copy would. A process and all it forks, to
//!   any depth, live within the limit it was spawned with, and a fork bomb
//!   ends there (`QuotaExceeded`) without touching anyone else's memory;
//!   the parent's cap-slot quota.
//!
//! Forking counts against the same limits as spawning (children per
//! process, processes in the system), and a forked child is the parent's
//! child (if it outlives the parent it is handed to the grandparent,
//! `Process::hand_over`). The parent gets the child's pid,
//! and a `ProcessHandle` cap for it written to the `u32` at the syscall's
//! first argument (0: none wanted).

use alloc::sync::Arc;
use alloc::vec::Vec;
use capos_abi::error::CapError;
use capos_abi::layout::{BOOTSTRAP_ADDR, RING_ADDR};
use capos_config::capset::{HEADER_SIZE, header};
use x86_64::registers::model_specific::FsBase;

use crate::arch::x86_64::context;
use crate::arch::x86_64::trap::TrapFrame;
use crate::cap::CapRef;
use crate::cap::ring::Ring;
use crate::mem::address_space::UserAccess;
use crate::mem::kstack::KernelStack;
use crate::process::{Carve, Process, Quotas};
use crate::thread::Thread;

fn map_err(e: crate::mem::paging::MapError) -> CapError {
    match e {
        crate::mem::paging::MapError::QuotaExceeded => CapError::QuotaExceeded,
        _ => CapError::OutOfMemory,
    }
}

/// Runs the `fork` syscall for the current thread, whose user registers
/// are `frame`; returns the child's pid (or `-error` as the syscall's
/// value).
pub fn fork_syscall(frame: &TrapFrame) -> i64 {
    let stamp = crate::profile::Stamp::now();
    let result = fork_syscall_inner(frame);
    stamp.end(capos_abi::profile::Counter::ForkCycles);
    result
}

fn fork_syscall_inner(frame: &TrapFrame) -> i64 {
    crate::sched::reap();
    let Some(thread) = crate::sched::current() else { return CapError::Cancelled.as_result().into() };
    let Some(parent) = thread.process() else { return CapError::Cancelled.as_result().into() };
    match fork(&parent, frame, frame.rdi) {
        Ok(pid) => pid as i64,
        Err(e) => e.as_result().into(),
    }
}

fn fork(parent: &Arc<Process>, frame: &TrapFrame, handle_out: u64) -> Result<u64, CapError> {
    if handle_out != 0 && !handle_out.is_multiple_of(4) {
        return Err(CapError::InvalidArgument);
    }
    crate::cap::process_spawner::check_process_limits(parent)?;
    let ring_size = capos_config::ring::RING_SIZE as u64;
    // The parent's bootstrap region, to copy with new ids.
    let (space, mut bootstrap, cap_quota, objects) = {
        let mut inner = parent.inner.lock();
        let space = inner.space.as_mut().ok_or(CapError::Cancelled)?;
        let mut head = [0u8; HEADER_SIZE];
        if !space.copy_from_user(BOOTSTRAP_ADDR, &mut head) {
            return Err(CapError::Cancelled);
        }
        let total = capos_config::capset::total_size(&head).ok_or(CapError::Cancelled)?;
        let mut bootstrap = Vec::new();
        bootstrap.try_reserve_exact(total).map_err(|_| CapError::OutOfMemory)?;
        bootstrap.resize(total, 0);
        if !space.copy_from_user(BOOTSTRAP_ADDR, &mut bootstrap) {
            return Err(CapError::Cancelled);
        }
        let region = (total as u64).next_multiple_of(4096);
        // The copy needs room for what the parent uses (its pages count
        // again): refused before any work when the pool has less.
        if space.frames_left() < space.frames_used() {
            return Err(CapError::QuotaExceeded);
        }
        let copy = space
            .duplicate(&[(RING_ADDR, RING_ADDR + ring_size), (BOOTSTRAP_ADDR, BOOTSTRAP_ADDR + region)])
            .map_err(map_err)?;
        (copy, bootstrap, inner.caps.quota(), inner.mapped_objects.clone())
    };
    let frames = space.frame_limit();
    // Nothing is carved (the limit is shared); the carve records the
    // parent, as a spawned child's does.
    let carve = Carve::take(parent, 0)?;
    let quotas = Quotas { frames, cap_slots: cap_quota };
    // Its kernel memory is its parent's account, shared as the memory
    // limit is.
    let child = Process::new(&parent.name, space, quotas, Some(carve), parent.kmem.clone())?;
    child.forked.store(true, core::sync::atomic::Ordering::Release);
    let result = finish(parent, &child, frame, &mut bootstrap, objects, handle_out);
    if result.is_err() {
        child.terminate(crate::process::ExitStatus::Killed);
    }
    result.map(|()| child.pid)
}

fn finish(
    parent: &Arc<Process>,
    child: &Arc<Process>,
    frame: &TrapFrame,
    bootstrap: &mut [u8],
    objects: Vec<(u64, u64, CapRef)>,
    handle_out: u64,
) -> Result<(), CapError> {
    // The caps: the parent's table copied, VirtualMemory re-made.
    let mut no_room = false;
    let caps = {
        let inner = parent.inner.lock();
        inner.caps.duplicate(|cap| {
            if cap.interface_id() == capos_schema::interface_id::VIRTUAL_MEMORY {
                let vm = Arc::try_new(crate::cap::memory::VirtualMemory::new(child)).ok();
                no_room |= vm.is_none();
                vm.map(|vm| vm as CapRef)
            } else {
                Some(cap.clone())
            }
        })?
    };
    if no_room {
        // Dropped outside the parent's lock, as any released caps.
        drop(caps);
        return Err(CapError::OutOfMemory);
    }
    bootstrap[header::PID..header::PID + 8].copy_from_slice(&child.pid.to_le_bytes());
    bootstrap[header::PARENT_PID..header::PARENT_PID + 8].copy_from_slice(&parent.pid.to_le_bytes());
    let mut inner = child.inner.lock();
    let old = core::mem::replace(&mut inner.caps, caps);
    inner.mapped_objects = objects;
    let space = inner.space.as_mut().ok_or(CapError::Cancelled)?;
    let region = (bootstrap.len() as u64).next_multiple_of(4096);
    space.map_fresh(BOOTSTRAP_ADDR, region, UserAccess::ReadWrite).map_err(map_err)?;
    space.copy_to_user(BOOTSTRAP_ADDR, bootstrap).map_err(|_| CapError::OutOfMemory)?;
    space.protect(BOOTSTRAP_ADDR, region, UserAccess::Read).map_err(map_err)?;
    inner.ring = Some(Ring::new(crate::spawn::map_ring(space)?));

    let kstack = KernelStack::new().map_err(map_err)?;
    let mut regs = frame.clone();
    regs.rax = 0;
    // SAFETY: the stack was just made for this thread alone.
    let rsp = unsafe { context::prepare_user_entry(kstack.top(), &regs) };
    let thread = Thread::new(child, kstack, rsp, Some(child.pid))?;
    thread.set_fs_base(FsBase::read().as_u64());
    // The FPU registers still hold the parent's user state (the kernel
    // does not use them): the child starts with a copy.
    thread.copy_fpu_from_cpu();
    if let Some(current) = crate::sched::current() {
        crate::signal::fork_child(parent, &current, child, &thread);
    }
    inner.threads.try_reserve(1).map_err(|_| CapError::OutOfMemory)?;
    inner.threads.push(thread.clone());
    drop(inner);
    drop(old);

    if handle_out != 0 {
        let handle: CapRef =
            Arc::try_new(crate::cap::process_spawner::ProcessHandle { process: child.clone() })
                .map_err(|_| CapError::OutOfMemory)?;
        let mut inner = parent.inner.lock();
        let id = match inner.caps.insert(handle) {
            Ok(id) => id,
            Err((e, released)) => {
                drop(inner);
                drop(released);
                return Err(e);
            }
        };
        let written = match inner.space.as_mut() {
            Some(space) => space.copy_to_user(handle_out, &id.to_le_bytes()).map_err(CapError::from),
            None => Err(CapError::Cancelled),
        };
        if let Err(e) = written {
            let gone = inner.caps.remove(id);
            drop(inner);
            drop(gone);
            return Err(e);
        }
    }
    // Room was reserved by `check_process_limits`; the kernel does not
    // switch threads inside a call.
    parent.inner.lock().children.push(Arc::downgrade(child));
    crate::sched::make_ready(thread);
    Ok(())
}
