//! The capOS kernel entry point and boot sequence.
//!
//! `boot::entry` brings the CPU from the loader's 32-bit protected mode to long
//! mode and calls [`kmain`], which sets up, in order: the serial console,
//! GDT/TSS/IDT, the boot information, CPU protections, the physical frame
//! allocator, the kernel page tables, the heap, the interrupt controllers
//! and the timer; prints the boot banner; and then idles (or, in the
//! `ktest` build, runs the in-kernel tests).
#![no_std]
#![no_main]
#![feature(allocator_api)]

extern crate alloc;

mod arch;
mod boot;
mod cap;
mod channel;
mod cpu_time;
mod exec;
mod fork;
mod klog;
#[cfg(feature = "ktest")]
mod ktest;
mod mem;
mod panic;
mod process;
mod profile;
mod sched;
mod serial;
mod signal;
mod spawn;
mod syscall;
mod thread;
mod time;
mod virtio_console;

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec;
use arch::x86_64::{context, cpu, gdt, idt, lapic, percpu, pic};
use boot::{BootInfo, RegionKind};

/// Seconds between two heartbeat lines of the idle kernel.
#[cfg(not(feature = "ktest"))]
const HEARTBEAT_SECONDS: u64 = 5;

/// Facts gathered during boot, printed in the banner.
struct BootReport {
    features: cpu::Features,
    frames: mem::frame::FrameStats,
    heap_bytes: u64,
    timer: lapic::TimerInfo,
}

/// Rust entry from the boot trampoline: `magic` names the boot protocol
/// (Multiboot2's, or PVH's) and `info_phys` is the physical address of the
/// loader's information (what the loader left in EBX).
#[unsafe(no_mangle)]
pub extern "C" fn kmain(magic: u32, info_phys: u32) -> ! {
    time::mark_boot();
    serial::init();
    gdt::init();
    idt::init();

    let boot = match BootInfo::from_loader(magic, u64::from(info_phys)) {
        Ok(info) => info,
        Err(e) => panic!("cannot use the boot information: {e}"),
    };
    let level = boot.cmdline_value("loglevel").and_then(klog::parse_level);
    klog::init(level.unwrap_or(log::LevelFilter::Info));

    let features = cpu::features();
    cpu::enable_protections(&features);

    let frames = match mem::frame::init(&boot) {
        Ok(stats) => stats,
        Err(e) => panic!("cannot set up the frame allocator: {e}"),
    };
    if let Err(e) = mem::paging::init(&boot) {
        panic!("cannot build the kernel page tables: {e:?}");
    }
    let heap_bytes = mem::heap::initial_size(boot.usable_bytes());
    if let Err(e) = mem::heap::init(heap_bytes, mem::heap::limit(boot.usable_bytes())) {
        panic!("cannot map the kernel heap: {e:?}");
    }
    serial::reserve_queues();

    pic::disable();
    let lapic_base = match mem::paging::map_mmio(lapic::physical_base(), 4096) {
        Ok(virt) => virt,
        Err(e) => panic!("cannot map the local APIC: {e:?}"),
    };
    let timer = lapic::init(lapic_base);
    arch::x86_64::ioapic::init();
    time::set_tsc_hz(timer.tsc_hz);

    percpu::init();
    arch::x86_64::syscall::init();
    context::enable_fpu();
    sched::init();
    cap::wall_clock::init();
    boot::manifest::init(&boot);
    let consoles = virtio_console::init();
    if consoles > 0 {
        log::info!("{consoles} virtio console(s)");
    }
    cap::terminal_session::init(&boot);

    print_banner(&boot, &BootReport { features, frames, heap_bytes, timer });

    #[cfg(feature = "ktest")]
    ktest::main(&boot);
    #[cfg(not(feature = "ktest"))]
    {
        POWEROFF
            .store(boot.cmdline_flag(capos_abi::cmdline::POWEROFF), core::sync::atomic::Ordering::Relaxed);
        start_init();
        idle()
    }
}

/// Free frames just before init started (after warming up what the first
/// process would otherwise allocate for good), for the leak report.
#[cfg(not(feature = "ktest"))]
static FRAMES_BEFORE_INIT: core::sync::atomic::AtomicUsize = core::sync::atomic::AtomicUsize::new(0);
/// Frames the kernel heap had grown by just before init started: frames it
/// took since then are the heap's, kept for reuse, and the leak report
/// counts them as free.
#[cfg(not(feature = "ktest"))]
static HEAP_FRAMES_BEFORE_INIT: core::sync::atomic::AtomicUsize = core::sync::atomic::AtomicUsize::new(0);
/// Kernel heap bytes in use just before init starts (for the same report).
#[cfg(not(feature = "ktest"))]
static HEAP_BEFORE_INIT: core::sync::atomic::AtomicUsize = core::sync::atomic::AtomicUsize::new(0);

/// Starts init (embedded in the kernel) with a cap of every kernel kind.
#[cfg(not(feature = "ktest"))]
fn start_init() {
    // The page tables of the kernel-stack area stay once made; make them
    // all now so the leak report compares like with like.
    if let Err(e) = mem::kstack::warm_up() {
        log::error!("cannot make the kernel-stack page tables: {e:?}");
    }
    FRAMES_BEFORE_INIT.store(mem::frame::free_count(), core::sync::atomic::Ordering::Relaxed);
    HEAP_FRAMES_BEFORE_INIT.store(mem::heap::grown_frames(), core::sync::atomic::Ordering::Relaxed);
    HEAP_BEFORE_INIT.store(mem::heap::usage().0, core::sync::atomic::Ordering::Relaxed);
    if boot::init_image::INIT_ELF.is_empty() {
        log::warn!("no init program embedded in this kernel; idling");
        return;
    }
    match spawn_init() {
        Ok(process) => log::info!(
            "started init as process {} (kernel-memory quota {} KiB)",
            process.pid,
            process.kmem.limit() >> 10
        ),
        Err(e) => log::error!("cannot start init: {e}"),
    }
}

/// Creates the init process (ready to run) from the embedded image. Init is
/// the root of authority: a spawner can only grant kernel caps of kinds it
/// holds and memory carved out of its own (docs/decisions.md), so init gets
/// one cap of every kernel kind the manifest may name, a frame allocator
/// whose budget is every free frame, and every free frame as its memory
/// limit.
fn spawn_init() -> Result<Arc<process::Process>, capos_abi::error::CapError> {
    use spawn::InitialCap::Object;
    let free = mem::frame::free_count();
    let mut caps: vec::Vec<(String, spawn::InitialCap)> = vec![
        (String::from("console"), Object(Arc::new(cap::console::Console))),
        (String::from("bootPackage"), Object(Arc::new(cap::boot_package::BootPackage))),
        (String::from("processSpawner"), Object(Arc::new(cap::process_spawner::ProcessSpawner))),
        (String::from("endpointFactory"), Object(Arc::new(cap::endpoint::EndpointFactory))),
        (String::from("timer"), Object(Arc::new(cap::timer::Timer))),
        (String::from("wallClock"), Object(Arc::new(cap::wall_clock::WallClock))),
        (String::from("frameAllocator"), Object(Arc::new(cap::memory::FrameAllocator::new(free)))),
        (String::from("revocationFactory"), Object(Arc::new(cap::revocable::RevocationFactory))),
        (String::from("terminal"), Object(Arc::new(cap::terminal_session::TerminalSession))),
        (String::from("stderr"), Object(Arc::new(cap::terminal_session::Stderr))),
        (String::from("pipeFactory"), Object(Arc::new(cap::pipe::PipeFactory))),
    ];
    // Without RDRAND there is no entropy source to hand on: a service that
    // declares one fails to start (`PermissionDenied`).
    if arch::x86_64::cpu::features().rdrand {
        caps.push((String::from("entropy"), Object(Arc::new(cap::entropy::EntropySource))));
    }
    spawn::spawn(spawn::SpawnRequest {
        name: "init",
        elf: boot::init_image::INIT_ELF,
        caps,
        args: vec![String::from("init")],
        env: vec::Vec::new(),
        quotas: process::Quotas { frames: free, ..process::Quotas::DEFAULT },
        // init reads and decodes the manifest's config (no contents).
        heap_size: spawn::INITIAL_HEAP + 4 * boot::manifest::config().len() as u64,
        parent_pid: 0,
        carve: None,
        kmem: mem::kmem_quota::root()?,
    })
}

fn print_banner(boot: &BootInfo, report: &BootReport) {
    let loader = boot.loader_name.as_str();
    // Start on a fresh line: on an interactive console GRUB's last line
    // ("Booting `capOS'") has no newline.
    kprintln!();
    kprintln!(
        "{}{} (x86_64; booted by {} via {})",
        capos_abi::serial::BANNER_PREFIX,
        env!("CARGO_PKG_VERSION"),
        if loader.is_empty() { "an unnamed loader" } else { loader },
        boot.protocol
    );
    kprintln!("  cmdline: {:?}", boot.cmdline.as_str());
    serial::with_writer(|w| {
        use core::fmt::Write;
        let _ = w.write_str("  cpu: ");
        let _ = cpu::write_vendor(w);
        let _ = writeln!(w, ", features: {}", report.features);
    });
    let usable_regions = boot.regions().iter().filter(|r| r.kind == RegionKind::Usable).count();
    kprintln!(
        "  memory: {} MiB usable in {} regions, highest address {:#x}",
        boot.usable_bytes() >> 20,
        usable_regions,
        boot.usable_end().saturating_sub(1)
    );
    for region in boot.regions() {
        kprintln!(
            "    {:#018x}-{:#018x} {} {} KiB",
            region.start,
            region.end().saturating_sub(1),
            region.kind.name(),
            region.len >> 10
        );
    }
    if boot.dropped_entries > 0 {
        kprintln!("    ({} memory-map or module entries not kept)", boot.dropped_entries);
    }
    kprintln!(
        "  frames: {} free of {} usable (4 KiB each; bitmap and share counts {} KiB)",
        mem::frame::free_count(),
        report.frames.usable,
        report.frames.bitmap_bytes >> 10
    );
    let (heap_used, _) = mem::heap::usage();
    kprintln!(
        "  heap: {} KiB at {:#x} ({} KiB in use, grows to {} KiB)",
        report.heap_bytes >> 10,
        mem::layout::HEAP_BASE,
        heap_used.div_ceil(1024),
        mem::heap::size_and_limit().1 >> 10
    );
    kprintln!(
        "  timer: LAPIC {} Hz (bus {} MHz), TSC {} MHz",
        report.timer.tick_hz,
        report.timer.lapic_hz / 1_000_000,
        report.timer.tsc_hz / 1_000_000
    );
}

/// Whether the command line asked to stop the machine once every process
/// has ended (`capos_abi::cmdline::POWEROFF`).
#[cfg(not(feature = "ktest"))]
static POWEROFF: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(false);

/// Reports how init ended (`capos_abi::serial::POWER_OFF`) and stops the
/// machine with the success code: the status is in the report, so the
/// host sees it whatever QEMU's own exit code.
#[cfg(not(feature = "ktest"))]
fn power_off() -> ! {
    use capos_abi::process::ExitStatus;
    // What programs wrote and the lines have not sent yet goes out first.
    serial::flush_all();
    kprintln!("longest gap between timer ticks: {} us", time::longest_tick_gap_ns() / 1000);
    let marker = capos_abi::serial::POWER_OFF;
    match process::init_exit_status() {
        Some(ExitStatus::Exited(code)) => kprintln!("{marker}exited {code}"),
        Some(ExitStatus::Faulted { .. }) => kprintln!("{marker}faulted"),
        Some(ExitStatus::Killed | ExitStatus::Signaled(_)) => kprintln!("{marker}killed"),
        None => kprintln!("{marker}no init"),
    }
    cpu::exit_qemu(capos_abi::qemu_exit::SUCCESS)
}

/// The idle loop (the idle thread): sleep until the next interrupt; the
/// timer tick switches to any thread that became ready. While no process
/// is alive, print a heartbeat every `HEARTBEAT_SECONDS` of uptime.
#[cfg(not(feature = "ktest"))]
fn idle() -> ! {
    let mut next_heartbeat = HEARTBEAT_SECONDS;
    // Report the frame count once every process has ended, so tests can
    // check that nothing leaked (`docs/serial-protocol.md`).
    let mut reported_idle = false;
    loop {
        sched::idle_wait();
        if process::live_count() == 0 && !reported_idle && sched::nothing_to_reap() {
            // What only the segment cache still holds goes back first.
            mem::image_cache::clear();
            log::info!(
                "{}{} frames free ({} before init), {} cap slots in use",
                capos_abi::serial::ALL_ENDED,
                mem::frame::free_count() + mem::heap::grown_frames()
                    - HEAP_FRAMES_BEFORE_INIT.load(core::sync::atomic::Ordering::Relaxed),
                FRAMES_BEFORE_INIT.load(core::sync::atomic::Ordering::Relaxed),
                cap::table::slots_in_use()
            );
            log::info!(
                "kernel heap: {} bytes in use ({} before init), {} KiB mapped",
                mem::heap::usage().0,
                HEAP_BEFORE_INIT.load(core::sync::atomic::Ordering::Relaxed),
                mem::heap::size_and_limit().0 >> 10
            );
            reported_idle = true;
            if POWEROFF.load(core::sync::atomic::Ordering::Relaxed) {
                power_off();
            }
        }
        let seconds = time::uptime_ms() / 1000;
        if seconds >= next_heartbeat && process::live_count() == 0 {
            kprintln!("{}{} s ({} ticks)", capos_abi::serial::HEARTBEAT, seconds, time::ticks());
            next_heartbeat = seconds / HEARTBEAT_SECONDS * HEARTBEAT_SECONDS + HEARTBEAT_SECONDS;
        }
    }
}
