//! Boot protocol front end: everything the kernel learns from the boot
//! loader, read once from the Multiboot2 information and copied into
//! kernel-owned [`BootInfo`] so nothing later depends on the loader's memory.
//!
//! Only this module knows about Multiboot2 (parsed with the `multiboot2`
//! crate); a Limine or UEFI front end would fill the same [`BootInfo`].

pub mod entry;
pub mod init_image;
pub mod manifest;

use crate::mem::layout;

/// Most memory-map entries kept; firmware maps are far smaller in practice.
pub const MAX_REGIONS: usize = 64;
/// Most boot modules kept.
pub const MAX_MODULES: usize = 16;
/// Longest kernel command line kept, in bytes.
pub const MAX_CMDLINE: usize = 256;
/// Longest boot loader name kept, in bytes.
pub const MAX_LOADER_NAME: usize = 64;

/// What a memory-map region holds, as far as the kernel cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegionKind {
    /// RAM free for the kernel to use.
    Usable,
    /// ACPI tables; reclaimable after they are read.
    AcpiReclaimable,
    /// ACPI non-volatile storage; must be preserved.
    AcpiNvs,
    /// Defective RAM.
    Defective,
    /// Anything else the firmware reserves.
    Reserved,
}

impl RegionKind {
    /// Short lower-case name for the boot banner.
    pub fn name(self) -> &'static str {
        match self {
            Self::Usable => "usable",
            Self::AcpiReclaimable => "acpi-reclaimable",
            Self::AcpiNvs => "acpi-nvs",
            Self::Defective => "defective",
            Self::Reserved => "reserved",
        }
    }
}

/// One entry of the physical memory map.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region {
    /// First physical byte.
    pub start: u64,
    /// Length in bytes.
    pub len: u64,
    /// What the region holds.
    pub kind: RegionKind,
}

impl Region {
    const EMPTY: Self = Self { start: 0, len: 0, kind: RegionKind::Reserved };

    /// One past the last physical byte.
    pub fn end(&self) -> u64 {
        self.start.saturating_add(self.len)
    }
}

/// A module the boot loader loaded next to the kernel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Module {
    /// First physical byte.
    pub start: u64,
    /// One past the last physical byte.
    pub end: u64,
}

/// A short string copied out of the boot information.
#[derive(Clone, Copy)]
pub struct FixedStr<const N: usize> {
    bytes: [u8; N],
    len: usize,
}

impl<const N: usize> FixedStr<N> {
    const EMPTY: Self = Self { bytes: [0; N], len: 0 };

    /// Copies `s`, cut at a character boundary if longer than `N` bytes.
    fn copy_from(s: &str) -> Self {
        let mut len = s.len().min(N);
        while !s.is_char_boundary(len) {
            len -= 1;
        }
        let mut bytes = [0; N];
        bytes[..len].copy_from_slice(&s.as_bytes()[..len]);
        Self { bytes, len }
    }

    /// The string.
    pub fn as_str(&self) -> &str {
        // The bytes were copied from a `&str` and cut at a char boundary.
        core::str::from_utf8(&self.bytes[..self.len]).unwrap_or("")
    }
}

/// Everything the kernel keeps from the boot loader.
pub struct BootInfo {
    regions: [Region; MAX_REGIONS],
    region_count: usize,
    modules: [Module; MAX_MODULES],
    module_count: usize,
    /// Regions or modules the fixed arrays could not hold.
    pub dropped_entries: usize,
    /// The kernel command line.
    pub cmdline: FixedStr<MAX_CMDLINE>,
    /// The boot loader's name, e.g. `GRUB 2.06`.
    pub loader_name: FixedStr<MAX_LOADER_NAME>,
    /// Physical range of the boot information itself.
    pub info_range: Module,
}

/// Why the boot information could not be used.
#[derive(Debug)]
pub enum BootError {
    /// EAX did not hold the Multiboot2 magic.
    BadMagic(u32),
    /// The boot information lies outside the early physical window.
    OutOfWindow(u64),
    /// The `multiboot2` crate rejected the structure.
    Malformed(multiboot2::LoadError),
    /// There was no memory map.
    NoMemoryMap,
}

impl core::fmt::Display for BootError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::BadMagic(magic) => write!(f, "boot loader magic {magic:#x} is not Multiboot2's"),
            Self::OutOfWindow(addr) => {
                write!(f, "boot information at {addr:#x} is beyond the first GiB the early page tables map")
            }
            Self::Malformed(e) => write!(f, "malformed Multiboot2 information: {e}"),
            Self::NoMemoryMap => f.write_str("the boot loader passed no memory map"),
        }
    }
}

impl BootInfo {
    /// The physical memory map.
    pub fn regions(&self) -> &[Region] {
        &self.regions[..self.region_count]
    }

    /// The boot modules.
    pub fn modules(&self) -> &[Module] {
        &self.modules[..self.module_count]
    }

    /// The value of `key=value` on the command line, if present.
    pub fn cmdline_value(&self, key: &str) -> Option<&str> {
        self.cmdline.as_str().split_ascii_whitespace().find_map(|word| {
            let (k, v) = word.split_once('=')?;
            (k == key).then_some(v)
        })
    }

    /// Whether the word `flag` (without `=`) is on the command line.
    // Only the normal kernel powers off; the ktest build does not.
    #[cfg_attr(feature = "ktest", allow(dead_code))]
    pub fn cmdline_flag(&self, flag: &str) -> bool {
        self.cmdline.as_str().split_ascii_whitespace().any(|word| word == flag)
    }

    /// Reads the Multiboot2 information at physical address `mbi_phys`.
    ///
    /// Must run while the early page tables (which map the first 1 GiB in
    /// the physical window) are active or after the final ones are.
    pub fn from_multiboot2(magic: u32, mbi_phys: u64) -> Result<Self, BootError> {
        if magic != multiboot2::MAGIC {
            return Err(BootError::BadMagic(magic));
        }
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

        let mut info = Self {
            regions: [Region::EMPTY; MAX_REGIONS],
            region_count: 0,
            modules: [Module { start: 0, end: 0 }; MAX_MODULES],
            module_count: 0,
            dropped_entries: 0,
            cmdline: FixedStr::EMPTY,
            loader_name: FixedStr::EMPTY,
            info_range: Module { start: mbi_phys, end: info_end },
        };

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
            let m = Module { start: u64::from(module.start_address()), end: u64::from(module.end_address()) };
            if info.module_count < MAX_MODULES {
                info.modules[info.module_count] = m;
                info.module_count += 1;
            } else {
                info.dropped_entries += 1;
            }
        }
        if let Some(Ok(cmdline)) = mbi.command_line_tag().map(|t| t.cmdline()) {
            info.cmdline = FixedStr::copy_from(cmdline);
        }
        if let Some(Ok(name)) = mbi.boot_loader_name_tag().map(|t| t.name()) {
            info.loader_name = FixedStr::copy_from(name);
        }
        Ok(info)
    }

    fn push_region(&mut self, region: Region) {
        if region.len == 0 {
            return;
        }
        if self.region_count < MAX_REGIONS {
            self.regions[self.region_count] = region;
            self.region_count += 1;
        } else {
            self.dropped_entries += 1;
        }
    }

    /// Highest physical address (exclusive) of any usable region.
    pub fn usable_end(&self) -> u64 {
        self.regions().iter().filter(|r| r.kind == RegionKind::Usable).map(Region::end).max().unwrap_or(0)
    }

    /// Total bytes of usable RAM.
    pub fn usable_bytes(&self) -> u64 {
        self.regions().iter().filter(|r| r.kind == RegionKind::Usable).map(|r| r.len).sum()
    }
}
