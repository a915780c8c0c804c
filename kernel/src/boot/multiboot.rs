//! Multiboot2 (GRUB): the boot information GRUB leaves in memory, read
//! with the `multiboot2` crate into [`BootInfo`].

use super::{BootError, BootInfo, FixedStr, Module, Region, RegionKind};
use crate::mem::layout;

/// Reads the Multiboot2 information at physical address `mbi_phys`.
pub fn read(mbi_phys: u64) -> Result<BootInfo, BootError> {
    if mbi_phys >= layout::EARLY_WINDOW_SIZE - 4096 {
        return Err(BootError::OutOfWindow(mbi_phys));
    }
    let ptr = layout::phys_to_virt(mbi_phys) as *const multiboot2::BootInformationHeader;
    // SAFETY: GRUB placed a Multiboot2 information structure at
    // `mbi_phys` (the magic says so), the early window maps the first
    // GiB of physical memory at `phys_to_virt`, the structure's first
    // page is inside it (checked above), `load` checks the reported size
    // and tag sequence, and nothing writes to it while it is read.
    let mbi = unsafe { multiboot2::BootInformation::load(ptr) }.map_err(BootError::Malformed)?;
    let info_end = mbi_phys + mbi.total_size() as u64;
    if info_end > layout::EARLY_WINDOW_SIZE {
        return Err(BootError::OutOfWindow(info_end));
    }

    let mut info = BootInfo::empty("Multiboot2", Module { start: mbi_phys, end: info_end });
    let map = mbi.memory_map_tag().ok_or(BootError::NoMemoryMap)?;
    for area in map.memory_areas() {
        use multiboot2::MemoryAreaType as T;
        let kind = match area.typ() {
            T::Available => RegionKind::Usable,
            T::AcpiAvailable => RegionKind::AcpiReclaimable,
            T::ReservedHibernate => RegionKind::AcpiNvs,
            T::Defective => RegionKind::Defective,
            _ => RegionKind::Reserved,
        };
        info.push_region(Region { start: area.start_address(), len: area.size(), kind });
    }
    for module in mbi.module_tags() {
        info.push_module(Module {
            start: u64::from(module.start_address()),
            end: u64::from(module.end_address()),
        });
    }
    if let Some(Ok(cmdline)) = mbi.command_line_tag().map(|t| t.cmdline()) {
        info.cmdline = FixedStr::copy_from(cmdline);
    }
    if let Some(Ok(name)) = mbi.boot_loader_name_tag().map(|t| t.name()) {
        info.loader_name = FixedStr::copy_from(name);
    }
    Ok(info)
}
