//! Memory capabilities:
//! - `FrameAllocator` hands out `MemoryObject`s (physical frames) within a
//!   budget of frames fixed when the allocator cap is made;
//! - `MemoryObject` owns its frames (zeroed) and gives them back when the
//!   last reference goes;
//! - `VirtualMemory` maps anonymous memory or memory objects into one
//!   process, and unmaps or re-protects it, never both writable and
//!   executable (the rights enum cannot express W+X), and only inside
//!   `[USER_MIN, VM_END)`.

use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use capos_abi::error::CapError;
use capos_abi::layout::{ANON_BASE, ANON_END, USER_MIN, VM_END};
use capos_schema::{MapRights, frame_allocator, interface_id, memory_object, method, virtual_memory};
use spin::Mutex;
use x86_64::structures::paging::PhysFrame;

use super::{Call, CapObject, Outcome, Reply, empty_reply, malformed, read_params, reply_with};
use crate::mem::address_space::UserAccess;
use crate::mem::frame;
use crate::mem::kmem_quota::{self, Charge};
use crate::mem::paging::MapError;
use crate::process::Process;

const PAGE: u64 = 4096;

/// Frames a new `FrameAllocator` cap may hand out in total (16 MiB).
pub const DEFAULT_FRAME_BUDGET: usize = 4096;

/// A frame budget shared by an allocator and the objects it made. A budget
/// carved out of another (a child's allocator) counts as used in its
/// parent until the last allocator and object sharing it are gone.
struct Budget {
    used: Mutex<usize>,
    limit: usize,
    parent: Option<Arc<Budget>>,
}

impl Drop for Budget {
    fn drop(&mut self) {
        if let Some(parent) = &self.parent {
            let mut used = parent.used.lock();
            *used = used.saturating_sub(self.limit);
        }
    }
}

/// The frame-allocator capability.
pub struct FrameAllocator {
    budget: Arc<Budget>,
    /// Its memory (and its budget's), charged to the process it was carved
    /// for a child of (`None` for init's, made at boot).
    _charge: Option<Charge>,
}

/// Kernel memory of a carved allocator: the cap, its budget, their heap
/// bookkeeping.
const ALLOCATOR_COST: usize = core::mem::size_of::<FrameAllocator>()
    + core::mem::size_of::<Budget>()
    + 2 * (kmem_quota::HEAP_OVERHEAD + 2 * core::mem::size_of::<usize>());

impl FrameAllocator {
    /// A root allocator allowed `limit` frames at a time (init's, made by
    /// the kernel at boot).
    pub fn new(limit: usize) -> Self {
        Self { budget: Arc::new(Budget { used: Mutex::new(0), limit, parent: None }), _charge: None }
    }

    /// A new allocator for a child, its budget carved out of this one's:
    /// [`DEFAULT_FRAME_BUDGET`] frames, or half of what this one has left
    /// if that is less; `QuotaExceeded` when nothing is left. Its kernel
    /// memory is charged to `account` (`OutOfMemory` past its quota or
    /// when the heap is full).
    pub fn carve(&self, account: &Arc<kmem_quota::Account>) -> Result<Self, CapError> {
        let charge = kmem_quota::charge(account, ALLOCATOR_COST)?;
        let limit = {
            let mut used = self.budget.used.lock();
            let left = self.budget.limit.saturating_sub(*used);
            let limit = if left >= 2 * DEFAULT_FRAME_BUDGET { DEFAULT_FRAME_BUDGET } else { left / 2 };
            if limit == 0 {
                return Err(CapError::QuotaExceeded);
            }
            *used += limit;
            limit
        };
        let parent = Some(self.budget.clone());
        // On failure the budget is dropped, and its frames go back to this
        // one's (`Budget::drop`).
        let budget =
            Arc::try_new(Budget { used: Mutex::new(0), limit, parent }).map_err(|_| CapError::OutOfMemory)?;
        Ok(Self { budget, _charge: Some(charge) })
    }
}

impl CapObject for FrameAllocator {
    fn kernel_kind(&self) -> Option<capos_schema::KernelCap> {
        Some(capos_schema::KernelCap::FrameAllocator)
    }

    fn interface_id(&self) -> u64 {
        interface_id::FRAME_ALLOCATOR
    }

    fn call(&self, call: Call<'_>) -> Outcome {
        if call.method != method::frame_allocator::ALLOCATE {
            return Outcome::Error(CapError::UnknownMethod);
        }
        let result = (|| {
            let message = read_params(call.params)?;
            let pages = message
                .get_root::<frame_allocator::allocate_params::Reader<'_>>()
                .map_err(malformed)?
                .get_pages();
            let caller = call.pending.process.upgrade().ok_or(CapError::Cancelled)?;
            let object = MemoryObject::allocate(&self.budget, pages as usize, &caller.kmem)?;
            let mut reply = reply_with(|m| {
                m.init_root::<frame_allocator::allocate_results::Builder<'_>>().set_memory(0);
                Ok(())
            })?;
            reply.caps.try_reserve_exact(1).map_err(|_| CapError::OutOfMemory)?;
            reply.caps.push(Arc::try_new(object).map_err(|_| CapError::OutOfMemory)?);
            Ok(reply)
        })();
        result.into()
    }
}

/// Physical frames owned by a capability.
pub struct MemoryObject {
    frames: Vec<PhysFrame>,
    /// Frames charged to the budget (all that were asked for).
    charged: usize,
    budget: Arc<Budget>,
    /// Its kernel memory (the list of frames), charged to the process that
    /// allocated it.
    _charge: Option<Charge>,
}

impl MemoryObject {
    /// `pages` fresh frames out of `budget`, the object's own memory (its
    /// list of frames, 8 bytes a page) charged to `account`.
    fn allocate(
        budget: &Arc<Budget>,
        pages: usize,
        account: &Arc<kmem_quota::Account>,
    ) -> Result<Self, CapError> {
        if pages == 0 {
            return Err(CapError::InvalidArgument);
        }
        {
            let mut used = budget.used.lock();
            if used.saturating_add(pages) > budget.limit {
                return Err(CapError::QuotaExceeded);
            }
            *used += pages;
        }
        let mut object = Self { frames: Vec::new(), charged: pages, budget: budget.clone(), _charge: None };
        // On failure from here on `object` drops and gives the budget back.
        let bytes = pages
            .saturating_mul(core::mem::size_of::<PhysFrame>())
            .saturating_add(core::mem::size_of::<Self>() + 2 * kmem_quota::HEAP_OVERHEAD);
        object._charge = Some(kmem_quota::charge(account, bytes)?);
        if object.frames.try_reserve_exact(pages).is_err() {
            return Err(CapError::OutOfMemory);
        }
        for _ in 0..pages {
            // On failure `object` drops, returning the frames taken so far
            // and the whole budget charge.
            object.frames.push(frame::alloc_zeroed().ok_or(CapError::OutOfMemory)?);
        }
        Ok(object)
    }

    /// Bytes held.
    pub fn size(&self) -> u64 {
        self.frames.len() as u64 * PAGE
    }
}

impl Drop for MemoryObject {
    fn drop(&mut self) {
        for f in self.frames.drain(..) {
            let _ = frame::free(f);
        }
        let mut used = self.budget.used.lock();
        *used = used.saturating_sub(self.charged);
    }
}

impl CapObject for MemoryObject {
    fn interface_id(&self) -> u64 {
        interface_id::MEMORY_OBJECT
    }

    fn call(&self, call: Call<'_>) -> Outcome {
        if call.method != method::memory_object::SIZE {
            return Outcome::Error(CapError::UnknownMethod);
        }
        if let Err(e) = read_params(call.params) {
            return Outcome::Error(e);
        }
        let size = self.size();
        reply_with(|m| {
            m.init_root::<memory_object::size_results::Builder<'_>>().set_bytes(size);
            Ok(())
        })
        .into()
    }
}

/// Control of one process's address space.
pub struct VirtualMemory {
    process: Weak<Process>,
    /// Next address `map` without a hint tries.
    cursor: Mutex<u64>,
}

impl VirtualMemory {
    /// The cap for `process`'s address space.
    pub fn new(process: &Arc<Process>) -> Self {
        Self { process: Arc::downgrade(process), cursor: Mutex::new(ANON_BASE) }
    }
}

fn rights(r: Result<MapRights, capnp::NotInSchema>) -> Result<UserAccess, CapError> {
    match r {
        Ok(MapRights::Read) => Ok(UserAccess::Read),
        Ok(MapRights::ReadWrite) => Ok(UserAccess::ReadWrite),
        Ok(MapRights::ReadExecute) => Ok(UserAccess::ReadExecute),
        Err(_) => Err(CapError::InvalidArgument),
    }
}

fn check_range(address: u64, size: u64) -> Result<(), CapError> {
    if size == 0 || !address.is_multiple_of(PAGE) || !size.is_multiple_of(PAGE) {
        return Err(CapError::InvalidArgument);
    }
    let end = address.checked_add(size).ok_or(CapError::InvalidArgument)?;
    if address < USER_MIN || end > VM_END {
        return Err(CapError::BadAddress);
    }
    Ok(())
}

fn map_error(e: MapError) -> CapError {
    match e {
        MapError::OutOfFrames => CapError::OutOfMemory,
        MapError::QuotaExceeded => CapError::QuotaExceeded,
        MapError::AlreadyMapped(_) => CapError::InvalidArgument,
        MapError::NotMapped(_) => CapError::InvalidArgument,
        _ => CapError::BadAddress,
    }
}

impl VirtualMemory {
    /// Picks an address for `size` bytes: the hint if given, else the next
    /// free range in the anonymous area.
    fn place(&self, process: &Process, size: u64, hint: u64) -> Result<u64, CapError> {
        if hint != 0 {
            check_range(hint, size)?;
            return Ok(hint);
        }
        let inner = process.inner.lock();
        let space = inner.space.as_ref().ok_or(CapError::Cancelled)?;
        let mut cursor = self.cursor.lock();
        let mut candidate = *cursor;
        // Each step skips past a mapped page, and `next_mapped` skips empty
        // tables whole: the search costs what is mapped, not `size`.
        while let Some(end) = candidate.checked_add(size).filter(|&end| end <= ANON_END) {
            match space.next_mapped(candidate, end) {
                Some(page) => candidate = page + PAGE,
                None => {
                    *cursor = end;
                    return Ok(candidate);
                }
            }
        }
        Err(CapError::OutOfMemory)
    }

    fn serve(&self, call: &Call<'_>) -> Result<Reply, CapError> {
        let process = self.process.upgrade().ok_or(CapError::PeerDied)?;
        let message = read_params(call.params)?;
        match call.method {
            method::virtual_memory::MAP => {
                let p = message.get_root::<virtual_memory::map_params::Reader<'_>>().map_err(malformed)?;
                let access = rights(p.get_rights())?;
                let size = p.get_size();
                check_range(USER_MIN, size)?;
                let address = self.place(&process, size, p.get_hint())?;
                let mut inner = process.inner.lock();
                let space = inner.space.as_mut().ok_or(CapError::Cancelled)?;
                space.map_fresh(address, size, access).map_err(map_error)?;
                drop(inner);
                address_reply(address)
            }
            method::virtual_memory::MAP_OBJECT => {
                let p =
                    message.get_root::<virtual_memory::map_object_params::Reader<'_>>().map_err(malformed)?;
                let object_ref =
                    call.caps.get(p.get_memory() as usize).ok_or(CapError::InvalidArgument)?.clone();
                if object_ref.interface_id() != interface_id::MEMORY_OBJECT {
                    return Err(CapError::WrongInterface);
                }
                let access = rights(p.get_rights())?;
                let (offset, size) = (p.get_offset(), p.get_size());
                check_range(USER_MIN, size)?;
                if !offset.is_multiple_of(PAGE) {
                    return Err(CapError::InvalidArgument);
                }
                let frames = memory_object_frames(&object_ref, offset, size)?;
                let address = self.place(&process, size, p.get_hint())?;
                let mut inner = process.inner.lock();
                inner.mapped_objects.try_reserve(1).map_err(|_| CapError::OutOfMemory)?;
                let space = inner.space.as_mut().ok_or(CapError::Cancelled)?;
                for (i, phys) in frames.iter().enumerate() {
                    if let Err(e) = space.map_borrowed(address + i as u64 * PAGE, *phys, access) {
                        for j in 0..i {
                            let _ = space.unmap_page(address + j as u64 * PAGE);
                        }
                        return Err(map_error(e));
                    }
                }
                // The process keeps the object alive while any page maps it.
                inner.mapped_objects.push((address, size, object_ref));
                drop(inner);
                address_reply(address)
            }
            method::virtual_memory::UNMAP => {
                let p = message.get_root::<virtual_memory::unmap_params::Reader<'_>>().map_err(malformed)?;
                let (address, size) = (p.get_address(), p.get_size());
                check_range(address, size)?;
                let mut inner = process.inner.lock();
                // Room to take the unmapped objects out, before any change.
                let mut gone = Vec::new();
                gone.try_reserve_exact(inner.mapped_objects.len()).map_err(|_| CapError::OutOfMemory)?;
                let space = inner.space.as_mut().ok_or(CapError::Cancelled)?;
                space.unmap_range(address, size);
                // Objects wholly inside the range are no longer mapped; one
                // only partly unmapped stays alive (until an unmap covers
                // all of it, or the process ends).
                let mut i = 0;
                while i < inner.mapped_objects.len() {
                    let (a, s, _) = inner.mapped_objects[i];
                    if a >= address && a + s <= address + size {
                        gone.push(inner.mapped_objects.swap_remove(i));
                    } else {
                        i += 1;
                    }
                }
                drop(inner);
                drop(gone);
                empty_reply()
            }
            method::virtual_memory::PROTECT => {
                let p =
                    message.get_root::<virtual_memory::protect_params::Reader<'_>>().map_err(malformed)?;
                let (address, size) = (p.get_address(), p.get_size());
                check_range(address, size)?;
                let access = rights(p.get_rights())?;
                let mut inner = process.inner.lock();
                let space = inner.space.as_mut().ok_or(CapError::Cancelled)?;
                space.protect(address, size, access).map_err(map_error)?;
                drop(inner);
                empty_reply()
            }
            _ => Err(CapError::UnknownMethod),
        }
    }
}

fn address_reply(address: u64) -> Result<Reply, CapError> {
    reply_with(|m| {
        m.init_root::<virtual_memory::map_results::Builder<'_>>().set_address(address);
        Ok(())
    })
}

/// The physical frames of `[offset, offset+size)` of a memory object.
fn memory_object_frames(object: &Arc<dyn CapObject>, offset: u64, size: u64) -> Result<Vec<u64>, CapError> {
    let any: &dyn core::any::Any = &**object;
    let memory = any.downcast_ref::<MemoryObject>().ok_or(CapError::WrongInterface)?;
    let first = (offset / PAGE) as usize;
    let count = (size / PAGE) as usize;
    let frames = memory.frames.get(first..first.checked_add(count).ok_or(CapError::InvalidArgument)?);
    Ok(frames.ok_or(CapError::InvalidArgument)?.iter().map(|f| f.start_address().as_u64()).collect())
}

impl CapObject for VirtualMemory {
    fn kernel_kind(&self) -> Option<capos_schema::KernelCap> {
        Some(capos_schema::KernelCap::VirtualMemory)
    }

    fn interface_id(&self) -> u64 {
        interface_id::VIRTUAL_MEMORY
    }

    /// Control of an address space stays with its process: passing it on
    /// would let another process map and unmap this one's memory.
    fn transferable(&self) -> bool {
        false
    }

    fn call(&self, call: Call<'_>) -> Outcome {
        self.serve(&call).into()
    }
}
