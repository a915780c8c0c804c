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
    });
    crate::arch::x86_64::cpu::exit_qemu(capos_abi::qemu_exit::FAILURE)
}
