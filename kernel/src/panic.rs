//! The panic handler: print where and why on serial, then end the run with
//! the failure code so the QEMU harness (and `make run`) see it at once.

use core::fmt::Write;
use core::panic::PanicInfo;

#[panic_handler]
fn panic(info: &PanicInfo<'_>) -> ! {
    x86_64::instructions::interrupts::disable();
    crate::serial::emergency_writer(|w| {
        let _ = write!(w, "\n{}", capos_abi::serial::PANIC);
        if let Some(location) = info.location() {
            let _ = write!(w, " at {}:{}:{}", location.file(), location.line(), location.column());
        }
        let _ = writeln!(w, ": {}", info.message());
        write_backtrace(w);
    });
    crate::arch::x86_64::cpu::exit_qemu(capos_abi::qemu_exit::FAILURE)
}

/// Writes the return addresses of the frames above this one, walked by
/// frame pointers (the kernel is built with them), for `addr2line -e
/// build/kernel.elf`. Stops at a pointer that is not a kernel-half address
/// or does not go up the stack, and after 32 frames.
fn write_backtrace(w: &mut dyn Write) {
    let mut rbp: u64;
    // SAFETY: reads the frame-pointer register only.
    unsafe { core::arch::asm!("mov {}, rbp", out(reg) rbp, options(nomem, nostack, preserves_flags)) };
    let _ = write!(w, "  backtrace:");
    for _ in 0..32 {
        if rbp < 0xFFFF_8000_0000_0000 || !rbp.is_multiple_of(8) {
            break;
        }
        // SAFETY: `rbp` is an aligned kernel-half address taken from the
        // chain of saved frame pointers, each above the one before on the
        // current kernel stack (mapped: the code above ran on it).
        let (next, ret) = unsafe { (*(rbp as *const u64), *((rbp + 8) as *const u64)) };
        if ret == 0 {
            break;
        }
        let _ = write!(w, " {ret:#x}");
        if next <= rbp || next - rbp > 64 * 1024 {
            break;
        }
        rbp = next;
    }
    let _ = writeln!(w);
}
