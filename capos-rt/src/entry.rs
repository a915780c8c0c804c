//! The program entry. `capos::entry_point!(main)` defines `_start`, which
//! the kernel enters with the bootstrap region's address in RDI, and calls
//! [`start`]:
//!
//! 1. check the address and validate the whole bootstrap CapSet
//!    (`capos_config::capset::CapSet::parse`) before using anything in it;
//! 2. hand the initial heap to the allocator;
//! 3. take over the ring; let the heap grow through a `virtualMemory` cap
//!    if there is one;
//! 4. run `main(caps)` and exit with what it returns.
//!
//! A process whose bootstrap is unusable exits with [`BAD_BOOTSTRAP`]
//! (it has no console to say more on).

use capos_abi::layout::BOOTSTRAP_ADDR;
use capos_config::capset::{CapSet, HEADER_SIZE};
use spin::Once;

use crate::caps::Caps;
use crate::client::Console;
use crate::handle::Borrowed;
use crate::ring::{RingClient, install};

/// Exit status when the bootstrap region or ring is unusable.
pub const BAD_BOOTSTRAP: i32 = 127;

static CAPS: Once<Caps> = Once::new();

/// The process's caps once `start` validated them.
pub fn caps() -> Option<Caps> {
    CAPS.get().copied()
}

/// The console named `console`, if the process has one (for panics).
pub fn console() -> Option<Borrowed<'static, Console>> {
    caps().and_then(|c| Console::from_caps(&c, "console").ok())
}

/// Runs the program: see the module docs.
pub fn start(bootstrap: u64, main: fn(Caps) -> i32) -> ! {
    let caps = init(bootstrap);
    crate::syscall::exit(main(caps))
}

/// Steps 1–3 of [`start`] without running a `main`: validates the
/// bootstrap region at `bootstrap`, sets up the heap and the ring, and
/// returns the caps (a C program's start, in `libcapos-posix`, calls this
/// and then its C library's). Exits with [`BAD_BOOTSTRAP`] when the
/// bootstrap is unusable. Call it once, first thing.
pub fn init(bootstrap: u64) -> Caps {
    if bootstrap != BOOTSTRAP_ADDR {
        crate::syscall::exit(BAD_BOOTSTRAP);
    }
    // SAFETY: the kernel maps at least a header's worth of bootstrap region
    // at BOOTSTRAP_ADDR, read-only, for the process's whole life.
    let head = unsafe { core::slice::from_raw_parts(bootstrap as *const u8, HEADER_SIZE) };
    let Some(total) = capos_config::capset::total_size(head) else { crate::syscall::exit(BAD_BOOTSTRAP) };
    // SAFETY: the kernel maps `total` bytes (the size it wrote) there.
    let bytes: &'static [u8] = unsafe { core::slice::from_raw_parts(bootstrap as *const u8, total) };
    let Ok(set) = CapSet::parse(bytes) else { crate::syscall::exit(BAD_BOOTSTRAP) };
    let info = set.info();
    // SAFETY: the kernel maps the initial heap it names, writable, for
    // this process alone; this runs once.
    unsafe { crate::heap::init(info.heap_addr, info.heap_size) };
    // SAFETY: the ring the kernel mapped at the address it names; this is
    // the only client.
    match unsafe { RingClient::new(info.ring_addr) } {
        Ok(ring) => install(ring),
        Err(_) => crate::syscall::exit(BAD_BOOTSTRAP),
    }
    let caps = *CAPS.call_once(|| Caps::new(set));
    if let Ok(vm) = crate::client::VirtualMemory::from_caps(&caps, "virtualMemory") {
        crate::heap::enable_growth(vm.id());
    }
    caps
}
