//! The 8254 PIT, used only as a known-frequency reference to calibrate the
//! local APIC timer and the TSC at boot (channel 2, gated through port 0x61,
//! polled — no interrupt).

use x86_64::instructions::port::Port;

/// The PIT's input clock in Hz.
pub const PIT_HZ: u64 = 1_193_182;

/// Busy-waits for `count` PIT ticks (at most 65535, about 54.9 ms),
/// calling `start` right when the countdown begins and returning what
/// `stop` returns right when it ends.
pub fn measure<T>(count: u16, start: impl FnOnce(), stop: impl FnOnce() -> T) -> T {
    let mut gate = Port::<u8>::new(0x61);
    let mut command = Port::<u8>::new(0x43);
    let mut channel2 = Port::<u8>::new(0x42);
    // SAFETY: ports 0x42/0x43/0x61 are the PIT channel 2 and its gate on
    // every PC; channel 2 drives only the (disabled) speaker, and interrupts
    // are off while calibrating, so nobody else touches them.
    unsafe {
        let g = gate.read();
        gate.write((g & !0x02) & !0x01); // speaker off, gate low
        command.write(0b1011_0000); // channel 2, lobyte/hibyte, mode 0, binary
        channel2.write((count & 0xFF) as u8);
        channel2.write((count >> 8) as u8);
        let g = gate.read();
        start();
        gate.write(g | 0x01); // gate high: countdown starts
        while gate.read() & 0x20 == 0 {
            core::hint::spin_loop();
        }
    }
    stop()
}
