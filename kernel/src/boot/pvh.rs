//! PVH (QEMU's direct kernel boot, `-kernel kernel.elf -initrd manifest`):
//! the `hvm_start_info` structure QEMU's PVH option ROM leaves in low
//! memory, read into [`BootInfo`].
//!
//! The layout is the Xen PVH boot ABI (`xen/include/public/arch-x86/
//! hvm/start_info.h`): a 56-byte start record (version 1 adds the memory
//! map), an array of module entries (the `-initrd` file is module 0) and an
//! array of E820-typed memory-map entries. Every structure is copied out
//! with an unaligned read after checking that it lies inside the early
//! physical window, so a malformed record is an error, never a wild read.

use core::mem::size_of;

use super::{BootError, BootInfo, FixedStr, MAX_CMDLINE, Module, Region, RegionKind};
use crate::mem::layout;

/// `hvm_start_info.magic` (`XEN_HVM_START_MAGIC_VALUE`); `boot::entry`'s
/// PVH entry also passes it to `kmain` as the protocol's magic.
pub const START_MAGIC: u32 = 0x336e_c578;

/// The name the banner shows for this loader.
const LOADER_NAME: &str = "QEMU direct kernel boot";

/// `struct hvm_start_info` (version 1).
#[derive(Clone, Copy)]
#[allow(dead_code, reason = "the ABI's layout: every field is read as a whole, some are not used")]
#[repr(C)]
struct StartInfo {
    magic: u32,
    version: u32,
    flags: u32,
    nr_modules: u32,
    modlist_paddr: u64,
    cmdline_paddr: u64,
    rsdp_paddr: u64,
    memmap_paddr: u64,
    memmap_entries: u32,
    reserved: u32,
}

/// `struct hvm_modlist_entry`.
#[derive(Clone, Copy)]
#[allow(dead_code, reason = "the ABI's layout: every field is read as a whole, some are not used")]
#[repr(C)]
struct ModuleEntry {
    paddr: u64,
    size: u64,
    cmdline_paddr: u64,
    reserved: u64,
}

/// `struct hvm_memmap_table_entry` (`kind` is an E820 type).
#[derive(Clone, Copy)]
#[allow(dead_code, reason = "the ABI's layout: every field is read as a whole, some are not used")]
#[repr(C)]
struct MemoryEntry {
    addr: u64,
    size: u64,
    kind: u32,
    reserved: u32,
}

/// Most memory-map entries read (more than [`super::MAX_REGIONS`], so the
/// excess is counted as dropped rather than ignored).
const MAX_MEMORY_ENTRIES: u32 = 1024;
/// Most module entries read.
const MAX_MODULE_ENTRIES: u32 = 64;

/// Copies a `T` out of physical memory at `phys`, if it lies wholly inside
/// the early window.
fn read_phys<T: Copy>(phys: u64) -> Result<T, BootError> {
    let end = phys.checked_add(size_of::<T>() as u64).ok_or(BootError::OutOfWindow(phys))?;
    if end > layout::EARLY_WINDOW_SIZE {
        return Err(BootError::OutOfWindow(phys));
    }
    // SAFETY: `phys..end` lies inside the early window (checked above),
    // which maps the first GiB of physical memory at `phys_to_virt`
    // (readable, no side effects); `T` is a plain `repr(C)` record of
    // integers, valid for any bit pattern; the read is unaligned-safe.
    Ok(unsafe { core::ptr::read_unaligned(layout::phys_to_virt(phys) as *const T) })
}

/// The NUL-terminated command line at `phys`, at most [`MAX_CMDLINE`]
/// bytes, cut before any byte that is not UTF-8.
fn read_cmdline(phys: u64) -> Result<FixedStr<MAX_CMDLINE>, BootError> {
    let mut bytes = [0u8; MAX_CMDLINE];
    let mut len = 0;
    while len < MAX_CMDLINE {
        let byte: u8 = read_phys(phys + len as u64)?;
        if byte == 0 {
            break;
        }
        bytes[len] = byte;
        len += 1;
    }
    let text = match core::str::from_utf8(&bytes[..len]) {
        Ok(text) => text,
        // The prefix up to `valid_up_to` is valid UTF-8 by definition.
        Err(e) => core::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or(""),
    };
    Ok(FixedStr::copy_from(text))
}

/// Reads the PVH start information at physical address `start_phys`.
pub fn read(start_phys: u64) -> Result<BootInfo, BootError> {
    let start: StartInfo = read_phys(start_phys)?;
    if start.magic != START_MAGIC {
        return Err(BootError::MalformedPvh("wrong magic in hvm_start_info"));
    }
    if start.version < 1 || start.memmap_paddr == 0 || start.memmap_entries == 0 {
        return Err(BootError::NoMemoryMap);
    }
    let end = start_phys + size_of::<StartInfo>() as u64;
    let mut info = BootInfo::empty("PVH", Module { start: start_phys, end });
    info.loader_name = FixedStr::copy_from(LOADER_NAME);

    for i in 0..start.memmap_entries.min(MAX_MEMORY_ENTRIES) {
        let entry: MemoryEntry =
            read_phys(start.memmap_paddr + u64::from(i) * size_of::<MemoryEntry>() as u64)?;
        let kind = match entry.kind {
            1 => RegionKind::Usable,
            3 => RegionKind::AcpiReclaimable,
            4 => RegionKind::AcpiNvs,
            5 => RegionKind::Defective,
            _ => RegionKind::Reserved,
        };
        info.push_region(Region { start: entry.addr, len: entry.size, kind });
    }
    info.dropped_entries += start.memmap_entries.saturating_sub(MAX_MEMORY_ENTRIES) as usize;

    if start.nr_modules > MAX_MODULE_ENTRIES {
        return Err(BootError::MalformedPvh("more than 64 modules"));
    }
    for i in 0..start.nr_modules {
        let entry: ModuleEntry =
            read_phys(start.modlist_paddr + u64::from(i) * size_of::<ModuleEntry>() as u64)?;
        let end =
            entry.paddr.checked_add(entry.size).ok_or(BootError::MalformedPvh("a module wraps around"))?;
        info.push_module(Module { start: entry.paddr, end });
    }
    if start.cmdline_paddr != 0 {
        info.cmdline = read_cmdline(start.cmdline_paddr)?;
    }
    Ok(info)
}
