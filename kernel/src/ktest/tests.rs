//! The in-kernel test functions, grouped by the subsystem they exercise.

use alloc::boxed::Box;
use alloc::vec::Vec;
use x86_64::PhysAddr;
use x86_64::structures::paging::PhysFrame;

use super::{TestFn, TestResult};
use crate::arch::x86_64::{cpu, trap};
use crate::ktest_assert;
use crate::mem::address_space::{AddressSpace, UserAccess, UserTranslation, UserWriteError};
use crate::mem::paging::{self, Access, MapError};
use crate::mem::{frame, heap, layout};
use crate::time;

/// Every test, in the order it runs.
pub const ALL: &[(&str, TestFn)] = &[
    ("frame::alloc_free_roundtrip", frame_alloc_free_roundtrip),
    ("frame::frames_are_zeroed", frame_frames_are_zeroed),
    ("frame::double_free_rejected", frame_double_free_rejected),
    ("frame::exhaustion_and_recovery", frame_exhaustion_and_recovery),
    ("frame::shared_frame_goes_with_its_last_owner", frame_shared_frame_goes_with_its_last_owner),
    ("paging::map_translate_unmap", paging_map_translate_unmap),
    ("paging::bad_requests_are_typed_errors", paging_bad_requests_are_typed_errors),
    ("paging::kernel_sections_are_w_xor_x", paging_kernel_sections_are_w_xor_x),
    ("paging::guard_pages_and_low_memory_unmapped", paging_guard_pages_and_low_memory_unmapped),
    ("heap::alloc_patterns", heap_alloc_patterns),
    ("heap::exhaustion_is_an_error", heap_exhaustion_is_an_error),
    ("heap::grows_from_free_frames", heap_grows_from_free_frames),
    ("kmem_quota::the_root_fits_the_heap_and_children_are_carved", kmem_quota_root_and_carves),
    ("timer::ticks_advance", timer_ticks_advance),
    ("trap::breakpoint_returns", trap_breakpoint_returns),
    ("trap::nmi_runs_on_its_ist_stack_and_returns", trap_nmi_runs_on_its_ist_stack_and_returns),
    ("address_space::duplicate_is_copy_on_write", address_space_duplicate_is_copy_on_write),
    ("address_space::stack_grows_in_reserve", address_space_stack_grows_in_reserve),
    ("address_space::share_break_without_frames_changes_nothing", address_space_share_break_without_frames),
    ("image_cache::read_only_segments_are_shared_and_unchanged", image_cache_read_only_segments_are_shared),
    ("process::spawn_run_exit_frees_everything", process_spawn_run_exit_frees_everything),
    (
        "cap::unaligned_params_are_read_from_an_aligned_copy",
        super::cap_tests::unaligned_params_are_read_from_an_aligned_copy,
    ),
    (
        "cap::a_reply_past_its_counted_size_is_refused",
        super::cap_tests::a_reply_past_its_counted_size_is_refused,
    ),
    // Last: it leaves the heap grown to its limit.
    ("process::spawn_with_the_heap_full_is_out_of_memory", process_spawn_with_the_heap_full_is_out_of_memory),
];

/// Scratch virtual page for paging tests, in an area nothing else uses.
const SCRATCH: u64 = 0xFFFF_E000_0000_0000;

fn phys_of(f: PhysFrame) -> u64 {
    f.start_address().as_u64()
}

fn frame_alloc_free_roundtrip() -> TestResult {
    let before = frame::free_count();
    let mut frames = Vec::new();
    for _ in 0..100 {
        frames.push(frame::alloc_zeroed().ok_or("allocator ran dry after few frames")?);
    }
    ktest_assert!(frame::free_count() == before - 100, "free count did not drop by 100");
    let mut sorted: Vec<u64> = frames.iter().map(|f| phys_of(*f)).collect();
    sorted.sort_unstable();
    sorted.dedup();
    ktest_assert!(sorted.len() == 100, "a frame was handed out twice");
    ktest_assert!(sorted[0] >= 0x10_0000, "handed out a frame in the low megabyte: {:#x}", sorted[0]);
    let kernel = layout::kernel_physical();
    ktest_assert!(sorted.iter().all(|p| !kernel.contains(*p)), "handed out a frame of the kernel image");
    for f in frames {
        frame::free(f).map_err(|e| alloc::format!("free failed: {e}"))?;
    }
    ktest_assert!(frame::free_count() == before, "free count not restored");
    Ok(())
}

fn frame_frames_are_zeroed() -> TestResult {
    let f = frame::alloc_zeroed().ok_or("no frame")?;
    let ptr = layout::phys_to_virt(phys_of(f)) as *mut u64;
    // SAFETY: the frame is ours and mapped in the window for 4096 bytes.
    unsafe { core::ptr::write_bytes(ptr, 0xAB, 512) };
    frame::free(f).map_err(|e| alloc::format!("{e}"))?;
    let again = frame::alloc_zeroed().ok_or("no frame")?;
    ktest_assert!(again == f, "allocator did not reuse the frame just freed");
    // SAFETY: as above, the frame is ours again.
    let words = unsafe { core::slice::from_raw_parts(ptr, 512) };
    ktest_assert!(words.iter().all(|w| *w == 0), "reused frame still holds old data");
    frame::free(again).map_err(|e| alloc::format!("{e}"))
}

fn frame_double_free_rejected() -> TestResult {
    let f = frame::alloc_zeroed().ok_or("no frame")?;
    frame::free(f).map_err(|e| alloc::format!("{e}"))?;
    let before = frame::free_count();
    ktest_assert!(frame::free(f).is_err(), "double free accepted");
    let beyond = PhysFrame::containing_address(PhysAddr::new(1 << 45));
    ktest_assert!(frame::free(beyond).is_err(), "free of a frame past the end accepted");
    ktest_assert!(frame::free_count() == before, "a rejected free changed the count");
    Ok(())
}

fn frame_exhaustion_and_recovery() -> TestResult {
    let before = frame::free_count();
    let mut frames = Vec::new();
    frames.try_reserve_exact(before).map_err(|_| "heap too small to track every frame")?;
    while let Some(f) = frame::alloc_zeroed() {
        frames.push(f);
    }
    let taken = frames.len();
    let exhausted = frame::free_count() == 0 && frame::alloc_zeroed().is_none();
    let map_result = paging::map_fresh(SCRATCH, 4096, Access::ReadWrite);
    for f in frames {
        frame::free(f).map_err(|e| alloc::format!("free failed: {e}"))?;
    }
    ktest_assert!(taken == before, "took {taken} frames but {before} were free");
    ktest_assert!(exhausted, "allocator still had frames after handing out all of them");
    ktest_assert!(map_result == Err(MapError::OutOfFrames), "map without frames gave {map_result:?}");
    ktest_assert!(frame::free_count() == before, "free count not restored after exhaustion");
    Ok(())
}

fn paging_map_translate_unmap() -> TestResult {
    let before = frame::free_count();
    let f = frame::alloc_zeroed().ok_or("no frame")?;
    let phys = phys_of(f);
    paging::map_page(SCRATCH, phys, Access::ReadWrite).map_err(|e| alloc::format!("map: {e:?}"))?;
    let t = paging::translate(SCRATCH + 0x123).ok_or("translate of a mapped page gave None")?;
    ktest_assert!(t.phys == phys + 0x123, "translate gave {:#x}, expected {:#x}", t.phys, phys + 0x123);
    ktest_assert!(t.writable && !t.executable && !t.user, "wrong rights {t:?}");
    // SAFETY: SCRATCH maps the frame just allocated, writable.
    unsafe { core::ptr::write_volatile(SCRATCH as *mut u64, 0x1234_5678) };
    // SAFETY: the same frame through the physical window.
    let seen = unsafe { core::ptr::read_volatile(layout::phys_to_virt(phys) as *const u64) };
    ktest_assert!(seen == 0x1234_5678, "write through the new mapping not seen in the window");
    let unmapped = paging::unmap_page(SCRATCH).map_err(|e| alloc::format!("unmap: {e:?}"))?;
    ktest_assert!(unmapped == phys, "unmap returned another frame");
    ktest_assert!(paging::translate(SCRATCH).is_none(), "page still translates after unmap");
    frame::free(f).map_err(|e| alloc::format!("{e}"))?;
    // Page tables created for SCRATCH stay allocated (they are reused).
    ktest_assert!(frame::free_count() + 3 >= before, "frames leaked by map/unmap");
    Ok(())
}

fn paging_bad_requests_are_typed_errors() -> TestResult {
    let f = frame::alloc_zeroed().ok_or("no frame")?;
    let phys = phys_of(f);
    let r = paging::map_page(SCRATCH + 1, phys, Access::ReadOnly);
    ktest_assert!(r == Err(MapError::Unaligned(SCRATCH + 1)), "unaligned map gave {r:?}");
    paging::map_page(SCRATCH, phys, Access::ReadOnly).map_err(|e| alloc::format!("{e:?}"))?;
    let r = paging::map_page(SCRATCH, phys, Access::ReadOnly);
    ktest_assert!(r == Err(MapError::AlreadyMapped(SCRATCH)), "double map gave {r:?}");
    paging::unmap_page(SCRATCH).map_err(|e| alloc::format!("{e:?}"))?;
    let r = paging::unmap_page(SCRATCH);
    ktest_assert!(r == Err(MapError::NotMapped(SCRATCH)), "unmap of an unmapped page gave {r:?}");
    let in_window = layout::phys_to_virt(0x20_0000);
    let r = paging::unmap_page(in_window);
    ktest_assert!(r == Err(MapError::InsideHugePage(in_window)), "unmap inside a huge page gave {r:?}");
    frame::free(f).map_err(|e| alloc::format!("{e}"))
}

fn paging_kernel_sections_are_w_xor_x() -> TestResult {
    let text = paging::translate(layout::text().start).ok_or("text unmapped")?;
    ktest_assert!(text.executable && !text.writable, "text rights {text:?}");
    let rodata = paging::translate(layout::rodata().start).ok_or("rodata unmapped")?;
    ktest_assert!(!rodata.executable && !rodata.writable, "rodata rights {rodata:?}");
    let stack_var = 0u64;
    let data = paging::translate(&raw const stack_var as u64).ok_or("stack unmapped")?;
    ktest_assert!(!data.executable && data.writable, "stack rights {data:?}");
    let window = paging::translate(layout::phys_to_virt(0x10_0000)).ok_or("window unmapped")?;
    ktest_assert!(!window.executable && window.writable, "window rights {window:?}");
    let heap_page = paging::translate(layout::HEAP_BASE).ok_or("heap unmapped")?;
    ktest_assert!(!heap_page.executable && heap_page.writable, "heap rights {heap_page:?}");
    let mut page = layout::text().start;
    while page < layout::data().end {
        if let Some(t) = paging::translate(page) {
            ktest_assert!(!(t.writable && t.executable), "page {page:#x} is writable and executable");
        }
        page += 4096;
    }
    Ok(())
}

fn paging_guard_pages_and_low_memory_unmapped() -> TestResult {
    for guard in layout::guard_pages() {
        ktest_assert!(paging::translate(guard).is_none(), "guard page {guard:#x} is mapped");
        ktest_assert!(paging::translate(guard + 4096).is_some(), "stack above guard {guard:#x} unmapped");
    }
    for low in [0u64, 0x1000, 0x10_0000, 0x4000_0000] {
        ktest_assert!(paging::translate(low).is_none(), "low address {low:#x} is mapped");
    }
    Ok(())
}

fn heap_alloc_patterns() -> TestResult {
    let (used_before, _) = heap::usage();
    {
        let boxed = Box::new([7u8; 4096]);
        ktest_assert!(boxed.iter().all(|b| *b == 7), "box contents");
        let mut growing: Vec<u64> = Vec::new();
        for i in 0..(1 << 17) {
            growing.push(i);
        }
        ktest_assert!(growing.iter().enumerate().all(|(i, v)| *v == i as u64), "vec contents after growth");
        let mut small: Vec<Box<[u8]>> =
            (0..1000).map(|i| alloc::vec![i as u8; 1 + i % 200].into_boxed_slice()).collect();
        let mut i = 0;
        small.retain(|_| {
            i += 1;
            i % 2 == 0
        });
        let refill: Vec<Box<[u8]>> =
            (0..500).map(|i| alloc::vec![0xEE; 3 + i % 100].into_boxed_slice()).collect();
        for (n, b) in small.iter().enumerate() {
            let expect = (2 * n + 1) as u8;
            ktest_assert!(b.iter().all(|x| *x == expect), "small allocation {n} corrupted");
        }
        ktest_assert!(refill.iter().all(|b| b.iter().all(|x| *x == 0xEE)), "refill corrupted");
        let layout = core::alloc::Layout::from_size_align(64 * 1024, 4096).map_err(|_| "layout")?;
        // SAFETY: the layout has a non-zero size; the pointer is checked for
        // null and freed with the same layout.
        let p = unsafe { alloc::alloc::alloc_zeroed(layout) };
        ktest_assert!(!p.is_null(), "aligned 64 KiB allocation failed");
        ktest_assert!((p as usize).is_multiple_of(4096), "allocation not 4096-aligned");
        // SAFETY: `p` came from `alloc_zeroed` with this layout.
        unsafe { alloc::alloc::dealloc(p, layout) };
    }
    let (used_after, _) = heap::usage();
    ktest_assert!(used_after == used_before, "heap use {used_before} -> {used_after}: leak");
    Ok(())
}

/// Init's kernel-memory quota fits in what the heap may still grow to; a
/// child's is carved out of it (4 MiB by default, or what is asked) and
/// comes back when its last process ends.
fn kmem_quota_root_and_carves() -> TestResult {
    use crate::mem::kmem_quota::{self, DEFAULT_LIMIT};
    use capos_abi::error::CapError;
    let root = kmem_quota::root().map_err(|e| alloc::format!("root: {e:?}"))?;
    let (_, limit) = heap::size_and_limit();
    let (used, _) = heap::usage();
    ktest_assert!(
        root.limit() as u64 + used as u64 <= limit,
        "root {} + heap in use {used} past the heap's limit {limit}",
        root.limit()
    );
    ktest_assert!(root.limit() >= 2 * DEFAULT_LIMIT, "root quota {} too small to test", root.limit());
    let child = kmem_quota::carve_for_child(&root, 256, 0).map_err(|e| alloc::format!("carve: {e:?}"))?;
    ktest_assert!(child.limit() == DEFAULT_LIMIT && root.used() == DEFAULT_LIMIT, "default carve");
    let asked = kmem_quota::carve_for_child(&root, 256, 64 << 10).map_err(|e| alloc::format!("{e:?}"))?;
    ktest_assert!(root.used() == DEFAULT_LIMIT + (64 << 10), "asked carve: {}", root.used());
    let too_small = kmem_quota::carve_for_child(&root, 256, 4096).err();
    ktest_assert!(too_small == Some(CapError::InvalidArgument), "4 KiB asked: {too_small:?}");
    let too_large = kmem_quota::carve_for_child(&root, 256, root.limit() as u64).err();
    ktest_assert!(too_large == Some(CapError::QuotaExceeded), "the whole root asked: {too_large:?}");
    // A process's charge, then its end: the unused part comes back at
    // once, the rest with the charge.
    child.join();
    let charge = kmem_quota::charge_process(&child, 256).map_err(|e| alloc::format!("{e:?}"))?;
    child.leave();
    ktest_assert!(
        root.used() == charge.bytes() + (64 << 10),
        "after the end: {} (charge {})",
        root.used(),
        charge.bytes()
    );
    drop(charge);
    drop(asked);
    ktest_assert!(root.used() == 0, "everything back: {}", root.used());
    drop(child);
    Ok(())
}

fn heap_exhaustion_is_an_error() -> TestResult {
    let (_, limit) = heap::size_and_limit();
    let mut v: Vec<u8> = Vec::new();
    let r = v.try_reserve_exact(limit as usize + 1);
    ktest_assert!(r.is_err(), "reserving more than the heap's limit succeeded");
    ktest_assert!(!heap::has_room(limit as usize + 1), "room for more than the limit");
    Ok(())
}

/// An allocation larger than what is free grows the heap (from free
/// frames), and the memory is usable and reusable.
fn heap_grows_from_free_frames() -> TestResult {
    let (used, free) = heap::usage();
    let (mapped, limit) = heap::size_and_limit();
    let want = free + heap::GROW_STEP as usize;
    if (mapped as usize) + want > limit as usize {
        return Err(alloc::format!("heap of {mapped} bytes (limit {limit}) cannot grow by {want} here"));
    }
    let frames_before = frame::free_count();
    let grown_before = heap::grown_frames();
    {
        let mut v: Vec<u8> = Vec::new();
        v.try_reserve_exact(want)
            .map_err(|_| "the heap did not grow for a block larger than what is free")?;
        v.resize(want, 0x5A);
        ktest_assert!(v.iter().all(|b| *b == 0x5A), "grown heap memory corrupted");
        let (mapped_after, _) = heap::size_and_limit();
        ktest_assert!(mapped_after > mapped, "heap mapped {mapped} -> {mapped_after}: did not grow");
        let grown = heap::grown_frames() - grown_before;
        ktest_assert!(
            frame::free_count() + grown == frames_before,
            "growth of {grown} frames does not match the frames taken"
        );
    }
    ktest_assert!(heap::usage().0 == used, "heap use {used} -> {}: leak", heap::usage().0);
    ktest_assert!(heap::has_room(want), "the grown heap has no room for the same block again");
    Ok(())
}

fn timer_ticks_advance() -> TestResult {
    let start_ticks = time::ticks();
    let start_ns = time::uptime_ns();
    let deadline = start_ns + 5_000_000_000;
    while time::ticks() < start_ticks + 10 {
        ktest_assert!(time::uptime_ns() < deadline, "fewer than 10 ticks in 5 s");
        x86_64::instructions::interrupts::enable_and_hlt();
        x86_64::instructions::interrupts::disable();
    }
    let elapsed_ms = (time::uptime_ns() - start_ns) / 1_000_000;
    let expected_ms = 10 * 1000 / u64::from(capos_abi::TIMER_HZ);
    ktest_assert!(
        elapsed_ms >= expected_ms / 2 && elapsed_ms <= expected_ms * 4,
        "10 ticks took {elapsed_ms} ms by the TSC, expected about {expected_ms} ms"
    );
    let t0 = cpu::rdtsc();
    ktest_assert!(cpu::rdtsc() > t0, "TSC does not advance");
    Ok(())
}

fn trap_breakpoint_returns() -> TestResult {
    let before = trap::breakpoints();
    x86_64::instructions::interrupts::int3();
    ktest_assert!(trap::breakpoints() == before + 1, "breakpoint handler did not run once");
    Ok(())
}

/// A self-NMI arrives, is counted, and returns; its trap frame lies on the
/// NMI's own IST stack, not on whatever stack was current (which, in the
/// `syscall` entry window, is the user's).
fn trap_nmi_runs_on_its_ist_stack_and_returns() -> TestResult {
    use core::sync::atomic::Ordering;
    let before = trap::NMIS.load(Ordering::Relaxed);
    crate::arch::x86_64::lapic::send_self_nmi();
    let mut spins = 0u32;
    while trap::NMIS.load(Ordering::Relaxed) == before && spins < 10_000_000 {
        core::hint::spin_loop();
        spins += 1;
    }
    ktest_assert!(trap::NMIS.load(Ordering::Relaxed) == before + 1, "the NMI handler did not run once");
    let frame = trap::LAST_NMI_FRAME.load(Ordering::Relaxed);
    let (bottom, top) = (
        &raw const crate::arch::x86_64::gdt::nmi_stack_bottom as u64,
        &raw const crate::arch::x86_64::gdt::nmi_stack_top as u64,
    );
    ktest_assert!(
        (bottom..top).contains(&frame),
        "the NMI's frame at {frame:#x} is not on the NMI stack {bottom:#x}..{top:#x}"
    );
    Ok(())
}
fn frame_shared_frame_goes_with_its_last_owner() -> TestResult {
    let before = frame::free_count();
    let f = frame::alloc_zeroed().ok_or("no frame")?;
    ktest_assert!(!frame::is_shared(f), "a fresh frame is shared");
    ktest_assert!(frame::share(f) && frame::share(f), "could not share a frame");
    ktest_assert!(frame::is_shared(f), "a frame with three owners is not shared");
    frame::free(f).map_err(|e| alloc::format!("{e}"))?;
    frame::free(f).map_err(|e| alloc::format!("{e}"))?;
    ktest_assert!(frame::free_count() == before - 1, "the frame went back before its last owner");
    ktest_assert!(!frame::is_shared(f), "one owner left, still shared");
    frame::free(f).map_err(|e| alloc::format!("{e}"))?;
    ktest_assert!(frame::free_count() == before, "the last owner did not free the frame");
    ktest_assert!(frame::free(f).is_err(), "a free past the last owner accepted");
    Ok(())
}

/// A user address for the address-space tests (nothing is mapped there in
/// a fresh address space).
const USER_PAGE: u64 = 0x40_0000;

fn read_user(space: &AddressSpace, addr: u64) -> Result<u8, alloc::string::String> {
    let mut byte = [0u8];
    ktest_assert!(space.copy_from_user(addr, &mut byte), "cannot read {addr:#x}");
    Ok(byte[0])
}

fn phys_at(space: &AddressSpace, addr: u64) -> Result<UserTranslation, alloc::string::String> {
    space.translate(addr).ok_or_else(|| alloc::format!("{addr:#x} is not mapped"))
}

/// The main stack's reserve: a page of it maps on first touch (charged to
/// the quota, zeroed), a kernel write below the mapped stack maps what it
/// covers, and nothing maps outside the reserve, twice, or past the quota.
fn address_space_stack_grows_in_reserve() -> TestResult {
    use capos_abi::layout::{STACK_RESERVE, STACK_SIZE, STACK_TOP};
    let before = frame::free_count();
    {
        let mut space = AddressSpace::new(8).map_err(|e| alloc::format!("{e:?}"))?;
        let bottom = STACK_TOP - STACK_RESERVE;
        ktest_assert!(!space.grow_stack(bottom - 1), "a page below the reserve was mapped");
        ktest_assert!(!space.grow_stack(STACK_TOP), "a page above the stack was mapped");
        let used = space.frames_used();
        ktest_assert!(space.grow_stack(bottom + 5), "the reserve's lowest page was not mapped");
        ktest_assert!(space.frames_used() > used, "the grown page is not charged");
        ktest_assert!(read_user(&space, bottom + 5)? == 0, "the grown page is not zeroed");
        ktest_assert!(!space.grow_stack(bottom), "a mapped page was mapped again");
        // A kernel write straddling two unmapped pages of the reserve.
        let at = STACK_TOP - STACK_SIZE - 4096 - 2;
        space.copy_to_user(at, b"abcd").map_err(|e| alloc::format!("{e:?}"))?;
        ktest_assert!(read_user(&space, at + 3)? == b'd', "the kernel write into the reserve was lost");
        // The quota (8 frames, tables included) runs out: no more pages.
        let mut grown = 0;
        for page in 0..16u64 {
            if space.grow_stack(bottom + (page + 1) * 4096) {
                grown += 1;
            }
        }
        ktest_assert!(grown < 16, "the reserve grew past the quota");
    }
    ktest_assert!(
        frame::free_count() == before,
        "frames leaked: {} before, {} after",
        before,
        frame::free_count()
    );
    Ok(())
}

/// `duplicate` shares frames, marks writable pages copy-on-write in both
/// spaces, and a kernel write (`copy_to_user`) gives the writer a frame
/// of its own (a copy while shared, the same frame once alone); read-only
/// pages stay read-only; every frame comes back when both spaces go.
fn address_space_duplicate_is_copy_on_write() -> TestResult {
    let before = frame::free_count();
    {
        let mut parent = AddressSpace::new(64).map_err(|e| alloc::format!("{e:?}"))?;
        parent.map_fresh(USER_PAGE, 3 * 4096, UserAccess::ReadWrite).map_err(|e| alloc::format!("{e:?}"))?;
        for page in 0..3u64 {
            parent
                .copy_to_user(USER_PAGE + page * 4096, &[b'a' + page as u8])
                .map_err(|e| alloc::format!("{e:?}"))?;
        }
        parent.protect(USER_PAGE + 2 * 4096, 4096, UserAccess::Read).map_err(|e| alloc::format!("{e:?}"))?;
        let used = parent.frames_used();
        let free_before_fork = frame::free_count();
        let mut child = parent.duplicate(&[]).map_err(|e| alloc::format!("{e:?}"))?;
        let tables = free_before_fork - frame::free_count();
        ktest_assert!(tables <= 4, "duplicate took {tables} frames: pages were copied");
        ktest_assert!(
            child.frames_used() == used,
            "the child counts {} frames, the parent {used}",
            child.frames_used()
        );
        for page in 0..3u64 {
            let addr = USER_PAGE + page * 4096;
            let (p, c) = (phys_at(&parent, addr)?, phys_at(&child, addr)?);
            ktest_assert!(p.phys == c.phys, "page {page} is not shared");
            ktest_assert!(!p.writable && !c.writable, "page {page} stayed writable");
            let cow = page < 2;
            ktest_assert!(
                p.copy_on_write == cow && c.copy_on_write == cow,
                "page {page}: copy-on-write is not {cow}"
            );
            ktest_assert!(read_user(&child, addr)? == b'a' + page as u8, "the child reads other data");
        }
        // The child writes page 0: a copy.
        let shared = phys_at(&parent, USER_PAGE)?.phys;
        child.copy_to_user(USER_PAGE, b"C").map_err(|e| alloc::format!("{e:?}"))?;
        let c0 = phys_at(&child, USER_PAGE)?;
        ktest_assert!(c0.writable && c0.phys != shared, "the child's write did not get a copy");
        ktest_assert!(read_user(&parent, USER_PAGE)? == b'a', "the child's write reached the parent");
        ktest_assert!(read_user(&child, USER_PAGE)? == b'C', "the child's write is lost");
        ktest_assert!(child.frames_used() == used, "breaking a share changed the child's quota");
        // The parent is page 0's only owner now: its fault makes the same
        // frame writable.
        ktest_assert!(
            parent.resolve_write_fault(USER_PAGE + 17),
            "the parent's write fault was not resolved"
        );
        let p0 = phys_at(&parent, USER_PAGE)?;
        ktest_assert!(p0.writable && p0.phys == shared, "the last owner got a copy instead of its frame");
        // Read-only stays read-only, for the kernel and for faults.
        ktest_assert!(
            child.copy_to_user(USER_PAGE + 2 * 4096, b"x") == Err(UserWriteError::BadAddress),
            "a kernel write to a shared read-only page was allowed"
        );
        ktest_assert!(
            !child.resolve_write_fault(USER_PAGE + 2 * 4096),
            "a write fault on a read-only page resolved"
        );
        // Made writable, a shared page becomes copy-on-write.
        child
            .protect(USER_PAGE + 2 * 4096, 4096, UserAccess::ReadWrite)
            .map_err(|e| alloc::format!("{e:?}"))?;
        let c2 = phys_at(&child, USER_PAGE + 2 * 4096)?;
        ktest_assert!(!c2.writable && c2.copy_on_write, "protect made a shared page writable");
        child.copy_to_user(USER_PAGE + 2 * 4096, b"y").map_err(|e| alloc::format!("{e:?}"))?;
        ktest_assert!(
            read_user(&parent, USER_PAGE + 2 * 4096)? == b'c',
            "a write after protect reached the parent"
        );
        // The parent goes first: the child keeps page 1 alone.
        drop(parent);
        ktest_assert!(read_user(&child, USER_PAGE + 4096)? == b'b', "page 1 lost its data with the parent");
        ktest_assert!(
            child.resolve_write_fault(USER_PAGE + 4096),
            "the child's write fault was not resolved"
        );
    }
    let after = frame::free_count();
    ktest_assert!(after == before, "frames: {before} free before, {after} after both spaces went");
    Ok(())
}

/// Breaking a share with no free frame fails and changes nothing; it
/// works once a frame is back.
fn address_space_share_break_without_frames() -> TestResult {
    let before = frame::free_count();
    {
        let mut parent = AddressSpace::new(64).map_err(|e| alloc::format!("{e:?}"))?;
        parent.map_fresh(USER_PAGE, 4096, UserAccess::ReadWrite).map_err(|e| alloc::format!("{e:?}"))?;
        parent.copy_to_user(USER_PAGE, b"p").map_err(|e| alloc::format!("{e:?}"))?;
        let mut child = parent.duplicate(&[]).map_err(|e| alloc::format!("{e:?}"))?;
        let mut frames = Vec::new();
        frames.try_reserve_exact(frame::free_count()).map_err(|_| "heap too small to track every frame")?;
        while let Some(f) = frame::alloc_zeroed() {
            frames.push(f);
        }
        let write = child.copy_to_user(USER_PAGE, b"c");
        let fault = child.resolve_write_fault(USER_PAGE);
        let still = child.translate(USER_PAGE);
        for f in frames {
            frame::free(f).map_err(|e| alloc::format!("free failed: {e}"))?;
        }
        ktest_assert!(
            write == Err(UserWriteError::OutOfFrames),
            "a kernel write without frames gave {write:?}"
        );
        ktest_assert!(!fault, "a write fault without frames resolved");
        ktest_assert!(still.is_some_and(|t| t.copy_on_write), "a failed break changed the page");
        ktest_assert!(read_user(&parent, USER_PAGE)? == b'p', "a failed break changed the parent");
        child.copy_to_user(USER_PAGE, b"c").map_err(|e| alloc::format!("{e:?}"))?;
        ktest_assert!(read_user(&parent, USER_PAGE)? == b'p', "the child's write reached the parent");
    }
    let after = frame::free_count();
    ktest_assert!(after == before, "frames: {before} free before, {after} after both spaces went");
    Ok(())
}

/// Runs init (no manifest in the ktest boot, so it reports that and exits
/// with `BOOT_FAILED`) and checks it ran in user mode, ended with that
/// status, and gave back every frame it took.
fn process_spawn_run_exit_frees_everything() -> TestResult {
    if crate::boot::init_image::INIT_ELF.is_empty() {
        return Err(alloc::string::String::from("no init image embedded"));
    }
    // Warm up once: the first run may allocate long-lived kernel structures
    // (page tables of the kernel-stack area, heap growth of queues).
    let warmup = crate::spawn_init().map_err(|e| alloc::format!("spawn: {e}"))?;
    wait_for_exit(&warmup)?;
    drop(warmup);
    crate::sched::reap();
    let before = frame::free_count();
    let live = crate::process::live_count();
    let slots = crate::cap::table::slots_in_use();
    let process = crate::spawn_init().map_err(|e| alloc::format!("spawn: {e}"))?;
    ktest_assert!(frame::free_count() < before, "spawning took no frames");
    let status = wait_for_exit(&process)?;
    ktest_assert!(
        status == crate::process::ExitStatus::Exited(capos_abi::process::BOOT_FAILED),
        "init without a manifest ended with {status:?}, expected exit code {}",
        capos_abi::process::BOOT_FAILED
    );
    drop(process);
    crate::sched::reap();
    let after = frame::free_count();
    ktest_assert!(after == before, "frames: {before} free before, {after} after the process ended");
    ktest_assert!(crate::process::live_count() == live, "the process is still registered as live");
    let slots_after = crate::cap::table::slots_in_use();
    ktest_assert!(slots_after == slots, "cap slots in use: {slots} before, {slots_after} after");
    Ok(())
}

/// The segment cache: a second and third load of the same image map the
/// first one's text frames (read-only, the image's bytes); a space that
/// makes its text writable gets copy-on-write, and its write reaches
/// neither the other spaces nor the cache; emptying the cache after the
/// spaces are gone gives every frame back.
fn image_cache_read_only_segments_are_shared() -> TestResult {
    use crate::mem::image_cache;
    let elf = crate::boot::init_image::INIT_ELF;
    if elf.is_empty() {
        return Err(alloc::string::String::from("no init image embedded"));
    }
    let image = capos_lib::elf::parse(elf).map_err(|e| alloc::format!("{e}"))?;
    let text = image
        .segments
        .iter()
        .find(|s| s.flags.execute && !s.flags.write)
        .ok_or_else(|| alloc::string::String::from("init has no text segment"))?;
    let bytes = text.file_bytes(elf).ok_or_else(|| alloc::string::String::from("text outside the image"))?;
    ktest_assert!(!bytes.is_empty(), "init's text is empty");
    let page = text.page_range().start;
    let load = || -> Result<AddressSpace, alloc::string::String> {
        let mut space = AddressSpace::new(4096).map_err(|e| alloc::format!("{e:?}"))?;
        crate::spawn::load_segments(&mut space, &image, elf).map_err(|e| alloc::format!("{e:?}"))?;
        Ok(space)
    };
    image_cache::clear();
    crate::sched::reap();
    let before = frame::free_count() + heap::grown_frames();
    {
        let first = load()?;
        let mut second = load()?;
        let (a, b) = (phys_at(&first, page)?, phys_at(&second, page)?);
        ktest_assert!(a.phys == b.phys, "the second load did not share the text");
        ktest_assert!(!a.writable && !b.writable && b.executable, "shared text is not read-only code");
        let mut back = alloc::vec![0u8; bytes.len()];
        ktest_assert!(second.copy_from_user(text.vaddr, &mut back), "cannot read the text back");
        ktest_assert!(back.as_slice() == bytes, "the shared text is not the image's");
        // Writable in the second space: copy-on-write, never the frame.
        second.protect(page, 4096, UserAccess::ReadWrite).map_err(|e| alloc::format!("{e:?}"))?;
        let t = phys_at(&second, page)?;
        ktest_assert!(!t.writable && t.copy_on_write, "a cached frame became writable");
        let poke = [!bytes[0]];
        second.copy_to_user(text.vaddr, &poke).map_err(|e| alloc::format!("{e:?}"))?;
        ktest_assert!(phys_at(&second, page)?.phys != a.phys, "the write reached the cached frame");
        ktest_assert!(read_user(&second, text.vaddr)? == poke[0], "the second space lost its write");
        ktest_assert!(read_user(&first, text.vaddr)? == bytes[0], "the write reached the first space");
        let third = load()?;
        ktest_assert!(phys_at(&third, page)?.phys == a.phys, "the third load did not share the text");
        ktest_assert!(read_user(&third, text.vaddr)? == bytes[0], "the third load sees the write");
    }
    image_cache::clear();
    let after = frame::free_count() + heap::grown_frames();
    ktest_assert!(after == before, "frames: {before} free before, {after} after the cache was emptied");
    Ok(())
}

/// Spawning with the kernel heap full, then with 32 more bytes free at
/// each try: every try until one succeeds fails with `OutOfMemory` at a
/// later allocation of the spawn path (the process structures, the process
/// table, the scheduler's queues, the bootstrap region …), none panics the
/// kernel, and the successful one runs to its end with nothing left
/// registered.
fn process_spawn_with_the_heap_full_is_out_of_memory() -> TestResult {
    use alloc::string::String;
    const TRIES: usize = 3000;
    const STEP: usize = 32;
    if crate::boot::init_image::INIT_ELF.is_empty() {
        return Err(String::from("no init image embedded"));
    }
    crate::sched::reap();
    // The requests are made while the heap has room (init with no caps:
    // it ends at once, unable to read a manifest).
    let mut requests = Vec::with_capacity(TRIES);
    for _ in 0..TRIES {
        requests.push(crate::spawn::SpawnRequest {
            name: "init",
            elf: crate::boot::init_image::INIT_ELF,
            caps: Vec::new(),
            args: alloc::vec![String::from("init")],
            env: Vec::new(),
            quotas: crate::process::Quotas { frames: 2048, ..crate::process::Quotas::DEFAULT },
            heap_size: crate::spawn::INITIAL_HEAP,
            parent_pid: 0,
            carve: None,
            kmem: alloc::sync::Arc::new(crate::mem::kmem_quota::Account::new(
                crate::mem::kmem_quota::DEFAULT_LIMIT,
            )),
        });
    }
    let live = crate::process::live_count();
    let slots = crate::cap::table::slots_in_use();
    // Fill the heap to its limit: large blocks (down to 4 KiB), then
    // `STEP`-byte ones, given back one per failed try (the last made
    // first: neighbours, so the room freed is in one piece).
    let mut large: Vec<Vec<u8>> = Vec::with_capacity(4096);
    let mut small: Vec<Vec<u8>> = Vec::with_capacity(TRIES);
    let mut size = 1 << 20;
    while size >= 4096 {
        let mut block = Vec::new();
        if large.len() < large.capacity() && block.try_reserve_exact(size).is_ok() {
            large.push(block);
        } else {
            size /= 2;
        }
    }
    while small.len() < small.capacity() {
        let mut block = Vec::new();
        if block.try_reserve_exact(STEP).is_err() {
            break;
        }
        small.push(block);
    }
    let (used, free) = heap::usage();
    let (mapped, limit) = heap::size_and_limit();
    log::info!(
        "heap filled: {used} bytes used, {free} free, {mapped} mapped of {limit}; {} large blocks, {} of {STEP} bytes",
        large.len(),
        small.len()
    );
    let mut failures = 0;
    let mut started = None;
    let mut other = None;
    for request in requests.drain(..) {
        match crate::spawn::spawn(request) {
            Ok(process) => {
                started = Some(process);
                break;
            }
            Err(capos_abi::error::CapError::OutOfMemory) => {
                failures += 1;
                if small.pop().is_none() {
                    large.pop();
                }
            }
            Err(e) => {
                other = Some(e);
                break;
            }
        }
    }
    drop(requests);
    drop(small);
    drop(large);
    ktest_assert!(other.is_none(), "a spawn with the heap full failed with {other:?}, not OutOfMemory");
    let process = started.ok_or_else(|| alloc::format!("no spawn succeeded in {failures} tries"))?;
    ktest_assert!(failures > 0, "the first spawn with the heap full succeeded");
    wait_for_exit(&process)?;
    drop(process);
    crate::sched::reap();
    ktest_assert!(crate::process::live_count() == live, "a process stayed registered");
    let slots_after = crate::cap::table::slots_in_use();
    ktest_assert!(slots_after == slots, "cap slots in use: {slots} before, {slots_after} after");
    log::info!("spawn with the heap full: {failures} tries failed with OutOfMemory before one ran");
    Ok(())
}

fn wait_for_exit(
    process: &alloc::sync::Arc<crate::process::Process>,
) -> Result<crate::process::ExitStatus, alloc::string::String> {
    let deadline = time::uptime_ns() + 10_000_000_000;
    loop {
        if let Some(status) = process.exit_status() {
            return Ok(status);
        }
        ktest_assert!(time::uptime_ns() < deadline, "process did not end within 10 s");
        crate::sched::idle_wait();
    }
}
