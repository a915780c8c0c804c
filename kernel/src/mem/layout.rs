//! The kernel's virtual address layout and the linker symbols that bound
//! the kernel image's sections.
//!
//! ```text
//! 0x0000_0000_0000_0000 ..            user space (later issues); page 0 never mapped
//! 0xffff_8000_0000_0000 ..            physical-memory window: phys P at PHYS_WINDOW_BASE + P (RW, NX)
//! 0xffff_c000_0000_0000 ..            kernel heap (RW, NX)
//! 0xffff_d000_0000_0000 ..            device MMIO (RW, NX, uncached)
//! 0xffff_ffff_8000_0000 ..            kernel image (text RX, rodata R, data/bss RW NX)
//! ```

/// Start of the physical-memory window.
pub const PHYS_WINDOW_BASE: u64 = 0xFFFF_8000_0000_0000;
/// Bytes of physical memory the boot trampoline's window covers.
pub const EARLY_WINDOW_SIZE: u64 = 1 << 30;
/// Start of the kernel heap.
pub const HEAP_BASE: u64 = 0xFFFF_C000_0000_0000;
/// Start of the MMIO mapping area.
pub const MMIO_BASE: u64 = 0xFFFF_D000_0000_0000;
/// Bytes reserved for MMIO mappings.
pub const MMIO_SIZE: u64 = 1 << 30;
/// Virtual address the kernel image is linked at (physical + this).
pub const KERNEL_VMA: u64 = 0xFFFF_FFFF_8000_0000;

/// The virtual address of physical address `phys` in the window.
pub const fn phys_to_virt(phys: u64) -> u64 {
    PHYS_WINDOW_BASE + phys
}

unsafe extern "C" {
    static __kernel_phys_start: u8;
    static __kernel_phys_end: u8;
    static __text_start: u8;
    static __text_end: u8;
    static __rodata_start: u8;
    static __rodata_end: u8;
    static __data_start: u8;
    static __data_end: u8;
}

/// A half-open range of addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// First address.
    pub start: u64,
    /// One past the last address.
    pub end: u64,
}

impl Span {
    /// Whether `addr` lies inside.
    #[cfg_attr(not(feature = "ktest"), expect(dead_code, reason = "only the ktest suite asks yet"))]
    pub fn contains(&self, addr: u64) -> bool {
        (self.start..self.end).contains(&addr)
    }
}

fn addr(symbol: *const u8) -> u64 {
    symbol as u64
}

/// Physical range of the whole kernel image, boot section included.
pub fn kernel_physical() -> Span {
    Span { start: addr(&raw const __kernel_phys_start), end: addr(&raw const __kernel_phys_end) }
}

/// Virtual range of the kernel's code.
pub fn text() -> Span {
    Span { start: addr(&raw const __text_start), end: addr(&raw const __text_end) }
}

/// Virtual range of the kernel's read-only data.
pub fn rodata() -> Span {
    Span { start: addr(&raw const __rodata_start), end: addr(&raw const __rodata_end) }
}

/// Virtual range of the kernel's writable data and bss (stacks included).
pub fn data() -> Span {
    Span { start: addr(&raw const __data_start), end: addr(&raw const __data_end) }
}

/// Guard pages inside `data()` that stay unmapped: under the boot stack and
/// under the double-fault, NMI and machine-check stacks.
pub fn guard_pages() -> [u64; 4] {
    use crate::arch::x86_64::gdt;
    [
        addr(&raw const crate::boot::entry::kernel_stack_guard),
        addr(&raw const gdt::double_fault_stack_guard),
        addr(&raw const gdt::nmi_stack_guard),
        addr(&raw const gdt::machine_check_stack_guard),
    ]
}
