//! The kernel address space: 4-level page tables built at boot to replace
//! the trampoline's, and the map/unmap/translate operations on them.
//!
//! [`init`] maps:
//! - the physical-memory window: every RAM and ACPI region of the memory
//!   map, read-write, never executable, 2 MiB pages where alignment allows;
//! - the kernel image with per-section permissions (W^X): text read+execute,
//!   rodata read-only, data and bss read-write and not executable, leaving
//!   the stack guard pages out;
//!
//! and nothing else: the identity map of the trampoline is gone, so a null
//! or low-address access faults. Page-table frames come from `mem::frame`
//! and the tables are reached through the window (`OffsetPageTable`).

use core::sync::atomic::{AtomicU64, Ordering};
use spin::Mutex;
use x86_64::registers::control::{Cr3, Cr3Flags};
use x86_64::structures::paging::mapper::{MapToError, MappedFrame, Translate, TranslateResult, UnmapError};
use x86_64::structures::paging::{
    FrameAllocator, Mapper, OffsetPageTable, Page, PageTable, PageTableFlags as Flags, PhysFrame, Size2MiB,
    Size4KiB,
};
use x86_64::{PhysAddr, VirtAddr};

use super::frame;
use super::layout::{self, KERNEL_VMA, MMIO_BASE, MMIO_SIZE, PHYS_WINDOW_BASE};
use crate::boot::{BootInfo, RegionKind};

const PAGE: u64 = 4096;
const HUGE: u64 = 2 << 20;

/// What a mapping allows, besides reading. W^X: nothing is both.
#[expect(clippy::enum_variant_names, reason = "each name spells out the rights it grants")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Read only, not executable.
    ReadOnly,
    /// Read and write, not executable.
    ReadWrite,
    /// Read and execute, not writable.
    ReadExecute,
}

impl Access {
    fn flags(self) -> Flags {
        let base = Flags::PRESENT | Flags::GLOBAL;
        match self {
            Self::ReadOnly => base | Flags::NO_EXECUTE,
            Self::ReadWrite => base | Flags::WRITABLE | Flags::NO_EXECUTE,
            Self::ReadExecute => base,
        }
    }
}

/// Why a mapping operation failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MapError {
    /// No free frame for the page or a page table.
    OutOfFrames,
    /// The virtual page is already mapped.
    AlreadyMapped(u64),
    /// The virtual page is not mapped.
    NotMapped(u64),
    /// The page sits inside a huge page, which this operation does not split.
    InsideHugePage(u64),
    /// The address or size is not page aligned.
    Unaligned(u64),
    /// The MMIO area is used up.
    MmioExhausted,
    /// [`init`] has not run.
    NotReady,
    /// The address is outside the user half (user mappings only).
    NotUser(u64),
    /// The process's frame quota is used up (user mappings only).
    QuotaExceeded,
}

/// The result of a successful translation.
#[cfg_attr(
    not(feature = "ktest"),
    expect(dead_code, reason = "only the ktest suite translates yet; user-pointer validation will")
)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Translation {
    /// Physical address the virtual address maps to.
    pub phys: u64,
    /// The page is writable.
    pub writable: bool,
    /// The page is executable.
    pub executable: bool,
    /// The page is reachable from user mode.
    pub user: bool,
}

struct GlobalFrames;

// SAFETY: `frame::alloc_zeroed` returns each free frame at most once until it
// is freed again, so the frames it hands the mapper are unused.
unsafe impl FrameAllocator<Size4KiB> for GlobalFrames {
    fn allocate_frame(&mut self) -> Option<PhysFrame<Size4KiB>> {
        frame::alloc_zeroed()
    }
}

static SPACE: Mutex<Option<OffsetPageTable<'static>>> = Mutex::new(None);
static NEXT_MMIO: AtomicU64 = AtomicU64::new(MMIO_BASE);

fn map_error<S: x86_64::structures::paging::PageSize>(e: MapToError<S>, virt: u64) -> MapError {
    match e {
        MapToError::FrameAllocationFailed => MapError::OutOfFrames,
        MapToError::PageAlreadyMapped(_) => MapError::AlreadyMapped(virt),
        MapToError::ParentEntryHugePage => MapError::InsideHugePage(virt),
    }
}

/// Builds the kernel address space and switches to it.
pub fn init(boot: &BootInfo) -> Result<(), MapError> {
    let root = frame::alloc_zeroed().ok_or(MapError::OutOfFrames)?;
    let root_virt = layout::phys_to_virt(root.start_address().as_u64()) as *mut PageTable;
    // SAFETY: `root` is a fresh zeroed frame reached through the physical
    // window; it becomes the PML4 owned by `SPACE` and nothing else.
    let table = unsafe { &mut *root_virt };
    // SAFETY: the physical window maps all RAM that page-table frames come
    // from at `PHYS_WINDOW_BASE + phys`, in both the early and final tables.
    let mut space = unsafe { OffsetPageTable::new(table, VirtAddr::new(PHYS_WINDOW_BASE)) };

    for region in boot.regions() {
        let keep =
            matches!(region.kind, RegionKind::Usable | RegionKind::AcpiReclaimable | RegionKind::AcpiNvs);
        if keep {
            map_window(&mut space, region.start, region.end())?;
        }
    }
    let info = boot.info_range;
    map_window(&mut space, info.start, info.end)?;
    for module in boot.modules() {
        map_window(&mut space, module.start, module.end)?;
    }

    let guards = layout::guard_pages();
    for (span, access) in [
        (layout::text(), Access::ReadExecute),
        (layout::rodata(), Access::ReadOnly),
        (layout::data(), Access::ReadWrite),
    ] {
        let mut virt = span.start;
        while virt < span.end {
            if !guards.contains(&virt) {
                map_one(&mut space, virt, virt - KERNEL_VMA, access.flags())?;
            }
            virt += PAGE;
        }
    }

    // Every process's top-level table shares the kernel half by copying
    // these 256 entries, so they must all exist (and never change) before
    // the first process is created: give each one its third-level table now.
    let pml4 = space.level_4_table_mut();
    for entry in pml4.iter_mut().skip(256) {
        if entry.is_unused() {
            let table = frame::alloc_zeroed().ok_or(MapError::OutOfFrames)?;
            entry.set_frame(table, Flags::PRESENT | Flags::WRITABLE);
        }
    }

    crate::profile::count(capos_abi::profile::Counter::Cr3Writes);
    // SAFETY: the new tables map everything the kernel touches from here on
    // (its image with the running code and stack, the window with the boot
    // information, bitmap and page tables); only the identity map of the
    // trampoline, no longer used, is dropped.
    unsafe { Cr3::write(root, Cr3Flags::empty()) };
    *SPACE.lock() = Some(space);
    KERNEL_ROOT.store(root.start_address().as_u64(), Ordering::Relaxed);
    Ok(())
}

/// Physical address of the kernel's top-level page table (0 before [`init`]).
static KERNEL_ROOT: AtomicU64 = AtomicU64::new(0);

/// The kernel's top-level page table frame.
pub fn kernel_root() -> PhysFrame {
    PhysFrame::containing_address(PhysAddr::new(KERNEL_ROOT.load(Ordering::Relaxed)))
}

/// Switches to the kernel's own address space (no user half).
pub fn activate_kernel_space() {
    crate::profile::count(capos_abi::profile::Counter::Cr3Writes);
    // SAFETY: the kernel tables map all kernel memory, and every process
    // table shares the same kernel half, so the running code and stack stay
    // mapped across the switch.
    unsafe { Cr3::write(kernel_root(), Cr3Flags::empty()) };
}

/// Maps `[start, end)` of physical memory into the window (rounded out to
/// pages), skipping pages an earlier region already mapped.
fn map_window(space: &mut OffsetPageTable<'static>, start: u64, end: u64) -> Result<(), MapError> {
    let flags = Flags::PRESENT | Flags::WRITABLE | Flags::NO_EXECUTE | Flags::GLOBAL;
    let mut phys = start / PAGE * PAGE;
    let end = end.next_multiple_of(PAGE);
    while phys < end {
        let virt = layout::phys_to_virt(phys);
        if phys.is_multiple_of(HUGE) && phys + HUGE <= end {
            let page = Page::<Size2MiB>::containing_address(VirtAddr::new(virt));
            let frame = PhysFrame::<Size2MiB>::containing_address(PhysAddr::new(phys));
            // SAFETY: the window maps physical memory at a fixed offset; a
            // mapping of RAM there aliases nothing the kernel relies on
            // being unmapped.
            match unsafe { space.map_to(page, frame, flags, &mut GlobalFrames) } {
                Ok(flush) => flush.ignore(),
                Err(MapToError::PageAlreadyMapped(_) | MapToError::ParentEntryHugePage) => {}
                Err(e) => return Err(map_error(e, virt)),
            }
            phys += HUGE;
        } else {
            match map_one(space, virt, phys, flags) {
                Ok(()) | Err(MapError::AlreadyMapped(_) | MapError::InsideHugePage(_)) => {}
                Err(e) => return Err(e),
            }
            phys += PAGE;
        }
    }
    Ok(())
}

fn map_one(space: &mut OffsetPageTable<'static>, virt: u64, phys: u64, flags: Flags) -> Result<(), MapError> {
    let page = Page::<Size4KiB>::containing_address(VirtAddr::new(virt));
    let frame = PhysFrame::<Size4KiB>::containing_address(PhysAddr::new(phys));
    // SAFETY: callers pass physical memory they own for this mapping (a
    // fresh frame, the kernel image, device registers or the window's
    // fixed-offset alias); the flags never combine WRITABLE with execute.
    match unsafe { space.map_to(page, frame, flags, &mut GlobalFrames) } {
        Ok(flush) => {
            flush.flush();
            Ok(())
        }
        Err(e) => Err(map_error(e, virt)),
    }
}

fn with_space<T>(
    f: impl FnOnce(&mut OffsetPageTable<'static>) -> Result<T, MapError>,
) -> Result<T, MapError> {
    match SPACE.lock().as_mut() {
        Some(space) => f(space),
        None => Err(MapError::NotReady),
    }
}

fn check_aligned(value: u64) -> Result<(), MapError> {
    if value.is_multiple_of(PAGE) { Ok(()) } else { Err(MapError::Unaligned(value)) }
}

/// Maps the page at `virt` to the frame at `phys`.
pub fn map_page(virt: u64, phys: u64, access: Access) -> Result<(), MapError> {
    check_aligned(virt)?;
    check_aligned(phys)?;
    with_space(|space| map_one(space, virt, phys, access.flags()))
}

/// Maps `size` bytes at `virt` to fresh zeroed frames. On failure the pages
/// mapped so far are unmapped and their frames freed.
pub fn map_fresh(virt: u64, size: u64, access: Access) -> Result<(), MapError> {
    check_aligned(virt)?;
    check_aligned(size)?;
    let mut done = 0;
    while done < size {
        let result = frame::alloc_zeroed().ok_or(MapError::OutOfFrames).and_then(|f| {
            let phys = f.start_address().as_u64();
            map_page(virt + done, phys, access).inspect_err(|_| {
                let _ = frame::free(f);
            })
        });
        if let Err(e) = result {
            let mut undo = 0;
            while undo < done {
                if let Ok(phys) = unmap_page(virt + undo) {
                    let _ = frame::free(PhysFrame::containing_address(PhysAddr::new(phys)));
                }
                undo += PAGE;
            }
            return Err(e);
        }
        done += PAGE;
    }
    Ok(())
}

/// Unmaps the 4 KiB page at `virt`, returning the physical address it
/// mapped. The frame is not freed: the caller owns it.
pub fn unmap_page(virt: u64) -> Result<u64, MapError> {
    check_aligned(virt)?;
    with_space(|space| {
        let page = Page::<Size4KiB>::containing_address(VirtAddr::new(virt));
        match space.unmap(page) {
            Ok((frame, flush)) => {
                flush.flush();
                Ok(frame.start_address().as_u64())
            }
            Err(UnmapError::PageNotMapped) => Err(MapError::NotMapped(virt)),
            Err(UnmapError::ParentEntryHugePage) => Err(MapError::InsideHugePage(virt)),
            Err(UnmapError::InvalidFrameAddress(_)) => Err(MapError::NotMapped(virt)),
        }
    })
}

/// Where `virt` maps to and with which rights, or `None` if unmapped.
#[cfg_attr(not(feature = "ktest"), expect(dead_code, reason = "only the ktest suite translates yet"))]
pub fn translate(virt: u64) -> Option<Translation> {
    let guard = SPACE.lock();
    let space = guard.as_ref()?;
    match space.translate(VirtAddr::try_new(virt).ok()?) {
        TranslateResult::Mapped { frame, offset, flags } => {
            let base = match frame {
                MappedFrame::Size4KiB(f) => f.start_address(),
                MappedFrame::Size2MiB(f) => f.start_address(),
                MappedFrame::Size1GiB(f) => f.start_address(),
            };
            Some(Translation {
                phys: base.as_u64() + offset,
                writable: flags.contains(Flags::WRITABLE),
                executable: !flags.contains(Flags::NO_EXECUTE),
                user: flags.contains(Flags::USER_ACCESSIBLE),
            })
        }
        _ => None,
    }
}

/// Maps `size` bytes of device registers at physical `phys` uncached into
/// the MMIO area and returns their virtual address.
pub fn map_mmio(phys: u64, size: u64) -> Result<u64, MapError> {
    check_aligned(phys)?;
    let size = size.next_multiple_of(PAGE);
    let virt = NEXT_MMIO.fetch_add(size, Ordering::Relaxed);
    if virt + size > MMIO_BASE + MMIO_SIZE {
        return Err(MapError::MmioExhausted);
    }
    let flags = Access::ReadWrite.flags() | Flags::NO_CACHE | Flags::WRITE_THROUGH;
    let mut offset = 0;
    while offset < size {
        with_space(|space| map_one(space, virt + offset, phys + offset, flags))?;
        offset += PAGE;
    }
    Ok(virt)
}
