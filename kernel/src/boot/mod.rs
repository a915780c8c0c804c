//! Boot protocol front end: everything the kernel learns from the boot
//! loader, read once from the loader's information and copied into
//! kernel-owned [`BootInfo`] so nothing later depends on the loader's memory.
//!
//! Two protocols fill the same [`BootInfo`]: Multiboot2 from GRUB
//! ([`multiboot`], parsed with the `multiboot2` crate) and PVH from QEMU's
//! direct kernel boot ([`pvh`]); a Limine or UEFI front end would be one
//! more module beside them.

pub mod entry;
pub mod init_image;
pub mod manifest;
mod multiboot;
mod pvh;

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
    /// The boot protocol: `Multiboot2` or `PVH`.
    pub protocol: &'static str,
    /// Physical range of the boot information itself.
    pub info_range: Module,
}

/// Why the boot information could not be used.
#[derive(Debug)]
pub enum BootError {
    /// EAX held neither the Multiboot2 nor the PVH magic.
    BadMagic(u32),
    /// The boot information lies outside the early physical window.
    OutOfWindow(u64),
    /// The `multiboot2` crate rejected the structure.
    Malformed(::multiboot2::LoadError),
    /// The PVH start information is not what the PVH protocol defines.
    MalformedPvh(&'static str),
    /// There was no memory map.
    NoMemoryMap,
}

impl core::fmt::Display for BootError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::BadMagic(magic) => {
                write!(f, "boot loader magic {magic:#x} is neither Multiboot2's nor PVH's")
            }
            Self::OutOfWindow(addr) => {
                write!(f, "boot information at {addr:#x} is beyond the first GiB the early page tables map")
            }
            Self::Malformed(e) => write!(f, "malformed Multiboot2 information: {e}"),
            Self::MalformedPvh(what) => write!(f, "malformed PVH start information: {what}"),
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

    /// Reads what the boot loader left at physical address `info_phys`,
    /// by the protocol `magic` names: Multiboot2 (GRUB) or PVH (QEMU's
    /// direct kernel boot; `boot::entry` puts the PVH magic in EAX).
    ///
    /// Must run while the early page tables (which map the first 1 GiB in
    /// the physical window) are active or after the final ones are.
    pub fn from_loader(magic: u32, info_phys: u64) -> Result<Self, BootError> {
        match magic {
            ::multiboot2::MAGIC => multiboot::read(info_phys),
            pvh::START_MAGIC => pvh::read(info_phys),
            other => Err(BootError::BadMagic(other)),
        }
    }

    fn empty(protocol: &'static str, info_range: Module) -> Self {
        Self {
            regions: [Region::EMPTY; MAX_REGIONS],
            region_count: 0,
            modules: [Module { start: 0, end: 0 }; MAX_MODULES],
            module_count: 0,
            dropped_entries: 0,
            cmdline: FixedStr::EMPTY,
            loader_name: FixedStr::EMPTY,
            protocol,
            info_range,
        }
    }

    fn push_module(&mut self, module: Module) {
        if self.module_count < MAX_MODULES {
            self.modules[self.module_count] = module;
            self.module_count += 1;
        } else {
            self.dropped_entries += 1;
        }
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
