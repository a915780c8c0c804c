//! Creating a process from an ELF image: the address space with its
//! segments, stack, initial heap, ring and bootstrap CapSet, the initial
//! caps, and the first thread, made ready to run.

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use capos_abi::error::CapError;
use capos_abi::layout::{BOOTSTRAP_ADDR, HEAP_ADDR, RING_ADDR, STACK_SIZE, STACK_TOP};
use capos_config::capset::{CapEntry, CapSetWriter, ProcessInfo};
use capos_lib::elf;

use crate::arch::x86_64::context;
use crate::arch::x86_64::gdt::{USER_CODE_SELECTOR, USER_DATA_SELECTOR};
use crate::arch::x86_64::trap::TrapFrame;
use crate::cap::CapRef;
use crate::cap::ring::{RING_PAGES, Ring};
use crate::mem::address_space::{AddressSpace, UserAccess};
use crate::mem::image_cache;
use crate::mem::kstack::KernelStack;
use crate::mem::paging::MapError;
use crate::process::{Carve, Process, Quotas};
use crate::thread::Thread;

/// Bytes of initial heap a process gets unless its spawner asks otherwise.
pub const INITIAL_HEAP: u64 = 1024 * 1024;

/// A cap the new process starts with.
pub enum InitialCap {
    /// An existing object (copied from the spawner or made by the kernel).
    Object(CapRef),
    /// A `VirtualMemory` for the new process's own address space (it can
    /// only be made once the process exists).
    OwnVirtualMemory,
}

/// What to start.
pub struct SpawnRequest<'a> {
    /// Name (for logs and `ProcessHandle`).
    pub name: &'a str,
    /// The ELF image.
    pub elf: &'a [u8],
    /// Initial caps with their names, in CapSet order.
    pub caps: Vec<(String, InitialCap)>,
    /// Arguments (`argv[0]` first).
    pub args: Vec<String>,
    /// Environment, `KEY=VALUE`.
    pub env: Vec<String>,
    /// Limits.
    pub quotas: Quotas,
    /// Bytes of initial heap (rounded up to pages).
    pub heap_size: u64,
    /// The spawner's pid (0: the kernel).
    pub parent_pid: u64,
    /// The part of the spawner's memory quota `quotas.frames` was carved
    /// from (`None`: init, the root); given back when the process ends.
    pub carve: Option<Carve>,
    /// Its kernel-memory account (`mem::kmem_quota`): carved out of the
    /// spawner's, or init's root.
    pub kmem: alloc::sync::Arc<crate::mem::kmem_quota::Account>,
}

fn map_err(e: MapError) -> CapError {
    match e {
        MapError::OutOfFrames => CapError::OutOfMemory,
        MapError::QuotaExceeded => CapError::QuotaExceeded,
        _ => CapError::InvalidArgument,
    }
}

/// Maps a fresh ring region at `RING_ADDR` in `space`; returns its frames.
pub fn map_ring(space: &mut AddressSpace) -> Result<[u64; RING_PAGES], CapError> {
    space
        .map_fresh(RING_ADDR, capos_config::ring::RING_SIZE as u64, UserAccess::ReadWrite)
        .map_err(map_err)?;
    let mut ring_frames = [0u64; RING_PAGES];
    for (i, frame) in ring_frames.iter_mut().enumerate() {
        *frame = space.translate(RING_ADDR + i as u64 * 4096).ok_or(CapError::OutOfMemory)?.phys;
    }
    Ok(ring_frames)
}

/// Maps the segments of `image` (parsed from `elf`) into `space`, each
/// with its contents and then its own access (W^X).
pub fn load_segments(space: &mut AddressSpace, image: &elf::ElfImage, elf: &[u8]) -> Result<(), CapError> {
    for segment in &image.segments {
        let pages = segment.page_range();
        let bytes = segment.file_bytes(elf).ok_or(CapError::InvalidArgument)?;
        let access = if segment.flags.execute {
            UserAccess::ReadExecute
        } else if segment.flags.write {
            UserAccess::ReadWrite
        } else {
            UserAccess::Read
        };
        // Text and read-only data loaded before with the same contents
        // are mapped from the cache, shared (`mem::image_cache`).
        if image_cache::map_cached(space, segment, elf, bytes, access).map_err(map_err)? {
            continue;
        }
        space.map_fresh(pages.start, pages.end - pages.start, UserAccess::ReadWrite).map_err(map_err)?;
        space.copy_to_user(segment.vaddr, bytes).map_err(|_| CapError::InvalidArgument)?;
        space.protect(pages.start, pages.end - pages.start, access).map_err(map_err)?;
        image_cache::keep(space, segment, bytes, access);
    }
    Ok(())
}

/// The bootstrap header's facts for process `pid` (the fixed layout).
pub fn process_info(pid: u64, parent_pid: u64, heap_size: u64) -> ProcessInfo {
    ProcessInfo {
        ring_addr: RING_ADDR,
        heap_addr: HEAP_ADDR,
        heap_size,
        pid,
        stack_top: STACK_TOP,
        stack_size: STACK_SIZE,
        parent_pid,
    }
}

/// Creates the process and makes its first thread ready.
pub fn spawn(mut request: SpawnRequest<'_>) -> Result<Arc<Process>, CapError> {
    let image = elf::parse(request.elf).map_err(|e| {
        if e == elf::ElfError::OutOfMemory {
            return CapError::OutOfMemory;
        }
        log::warn!("spawn {}: bad ELF image: {e}", request.name);
        CapError::InvalidArgument
    })?;
    if image.end() > capos_abi::layout::IMAGE_END {
        return Err(CapError::InvalidArgument);
    }
    let mut space = AddressSpace::new(request.quotas.frames).map_err(map_err)?;

    load_segments(&mut space, &image, request.elf)?;

    space.map_fresh(STACK_TOP - STACK_SIZE, STACK_SIZE, UserAccess::ReadWrite).map_err(map_err)?;
    let heap_size = request.heap_size.max(4096).next_multiple_of(4096);
    space.map_fresh(HEAP_ADDR, heap_size, UserAccess::ReadWrite).map_err(map_err)?;
    let ring_frames = map_ring(&mut space)?;

    let process =
        Process::new(request.name, space, request.quotas, request.carve.take(), request.kmem.clone())?;
    let result = finish(&process, request, image.entry, ring_frames, heap_size);
    if let Err(e) = result {
        process.terminate(crate::process::ExitStatus::Killed);
        return Err(e);
    }
    Ok(process)
}

fn finish(
    process: &Arc<Process>,
    request: SpawnRequest<'_>,
    entry: u64,
    ring_frames: [u64; RING_PAGES],
    heap_size: u64,
) -> Result<(), CapError> {
    // Every allocation here can fail (`OutOfMemory`): the caller's
    // request decides how many caps, arguments and bytes there are.
    fn oom<E>(_: E) -> CapError {
        CapError::OutOfMemory
    }
    let mut inner = process.inner.lock();
    let mut cap_entries: Vec<CapEntry<'_>> = Vec::new();
    cap_entries.try_reserve_exact(request.caps.len()).map_err(oom)?;
    for (name, cap) in &request.caps {
        let object: CapRef = match cap {
            InitialCap::Object(object) => object.clone(),
            InitialCap::OwnVirtualMemory => {
                Arc::try_new(crate::cap::memory::VirtualMemory::new(process)).map_err(oom)?
            }
        };
        let interface_id = object.interface_id();
        let cap_id = match inner.caps.insert(object) {
            Ok(id) => id,
            Err((e, released)) => {
                drop(inner);
                drop(released);
                return Err(e);
            }
        };
        cap_entries.push(CapEntry { name, cap_id, interface_id });
    }
    fn strs(from: &[String]) -> Result<Vec<&str>, CapError> {
        let mut out = Vec::new();
        out.try_reserve_exact(from.len()).map_err(oom)?;
        out.extend(from.iter().map(String::as_str));
        Ok(out)
    }
    let args = strs(&request.args)?;
    let env = strs(&request.env)?;
    let info = process_info(process.pid, request.parent_pid, heap_size);
    let writer = CapSetWriter::new(&cap_entries, &args, &env, info);
    writer.check().map_err(|_| CapError::InvalidArgument)?;
    let mut region = Vec::new();
    region.try_reserve_exact(writer.size()).map_err(oom)?;
    region.resize(writer.size(), 0u8);
    writer.write(&mut region).map_err(|_| CapError::InvalidArgument)?;
    let size = (region.len() as u64).next_multiple_of(4096);
    let space = inner.space.as_mut().ok_or(CapError::Cancelled)?;
    space.map_fresh(BOOTSTRAP_ADDR, size, UserAccess::ReadWrite).map_err(map_err)?;
    space.copy_to_user(BOOTSTRAP_ADDR, &region).map_err(|_| CapError::OutOfMemory)?;
    space.protect(BOOTSTRAP_ADDR, size, UserAccess::Read).map_err(map_err)?;
    inner.ring = Some(Ring::new(ring_frames));

    let kstack = KernelStack::new().map_err(map_err)?;
    let frame =
        TrapFrame::user_entry(entry, STACK_TOP - 8, BOOTSTRAP_ADDR, USER_CODE_SELECTOR, USER_DATA_SELECTOR);
    // SAFETY: the stack was just mapped for this thread alone; its top is
    // page aligned.
    let rsp = unsafe { context::prepare_user_entry(kstack.top(), &frame) };
    let thread = Thread::new(process, kstack, rsp, Some(process.pid))?;
    inner.threads.try_reserve(1).map_err(oom)?;
    inner.threads.push(thread.clone());
    drop(inner);
    crate::sched::make_ready(thread);
    Ok(())
}
