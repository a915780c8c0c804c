//! The user address-space layout every process gets. The kernel places
//! things here; the runtime and loaders rely on it.
//!
//! ```text
//! 0x0000_0000_0000_0000 .. USER_MIN          never mapped (null pointers fault)
//! USER_MIN .. IMAGE_END                      the program's ELF segments
//! ANON_BASE .. ANON_END                      VirtualMemory.map without a hint
//! HEAP_ADDR ..                               the initial heap (size in the CapSet)
//! RING_ADDR ..                               the capability ring
//! BOOTSTRAP_ADDR ..                          the bootstrap CapSet (read-only)
//! STACK_TOP - STACK_RESERVE .. STACK_TOP     the main stack: its top STACK_SIZE mapped at start,
//!                                            the rest mapped a page at a time on first touch;
//!                                            never mapped below it (a guard)
//! ```
//!
//! `VirtualMemory` may only map, unmap and protect inside
//! `[USER_MIN, VM_END)`, so a process cannot unmap what the kernel placed
//! above it (ring, bootstrap region, stack).

/// Lowest user address that can be mapped.
pub const USER_MIN: u64 = 0x1_0000;
/// End of the range ELF segments may occupy.
pub const IMAGE_END: u64 = 0x0000_4000_0000_0000;
/// Start of the range `VirtualMemory.map` picks addresses from.
pub const ANON_BASE: u64 = 0x0000_4000_0000_0000;
/// End of that range.
pub const ANON_END: u64 = 0x0000_6000_0000_0000;
/// Address of the initial heap.
pub const HEAP_ADDR: u64 = 0x0000_6000_0000_0000;
/// End of the range `VirtualMemory` may touch.
pub const VM_END: u64 = 0x0000_7000_0000_0000;
/// Address of the ring region.
pub const RING_ADDR: u64 = 0x0000_7000_0000_0000;
/// Address of the bootstrap CapSet region.
pub const BOOTSTRAP_ADDR: u64 = 0x0000_7000_1000_0000;
/// One past the top of the main stack (16-byte aligned).
pub const STACK_TOP: u64 = 0x0000_7FFF_FFFF_0000;
/// Size of the main stack mapped when a process starts (and at `exec`).
pub const STACK_SIZE: u64 = 256 * 1024;
/// How far the main stack may grow: a fault on an unmapped page of
/// `[STACK_TOP - STACK_RESERVE, STACK_TOP)` maps a fresh page there (charged
/// to the process's memory limit), as Linux grows a stack up to its 8 MiB
/// `RLIMIT_STACK`. Below it nothing is ever mapped.
pub const STACK_RESERVE: u64 = 8 * 1024 * 1024;
/// First address above the user half.
pub const USER_END: u64 = 0x0000_8000_0000_0000;

// The layout's invariants, checked at compile time: regions in order and
// disjoint, page aligned, the heap inside the VirtualMemory range.
const _: () = {
    let marks = [
        USER_MIN,
        IMAGE_END,
        ANON_END,
        VM_END,
        BOOTSTRAP_ADDR,
        STACK_TOP - STACK_RESERVE,
        STACK_TOP - STACK_SIZE,
        STACK_TOP,
        USER_END,
    ];
    let mut i = 0;
    while i < marks.len() {
        assert!(marks[i].is_multiple_of(4096));
        if i > 0 {
            assert!(marks[i - 1] < marks[i]);
        }
        i += 1;
    }
    assert!(ANON_BASE == IMAGE_END);
    assert!(HEAP_ADDR >= ANON_END && HEAP_ADDR < VM_END);
    assert!(RING_ADDR == VM_END);
};
