//! The legacy 8259 PICs: remapped away from the exception vectors and fully
//! masked, since the kernel uses the local APIC (and later the I/O APIC).

use x86_64::instructions::port::Port;

use super::trap::PIC_VECTOR_BASE;

/// Remaps both PICs to `PIC_VECTOR_BASE..+16` and masks every line.
pub fn disable() {
    let mut master_cmd = Port::<u8>::new(0x20);
    let mut master_data = Port::<u8>::new(0x21);
    let mut slave_cmd = Port::<u8>::new(0xA0);
    let mut slave_data = Port::<u8>::new(0xA1);
    // SAFETY: the standard ICW1..ICW4 initialisation sequence on the PC's
    // fixed PIC ports, with interrupts disabled; afterwards every line is
    // masked, so the PICs never raise an interrupt.
    unsafe {
        master_cmd.write(0x11);
        slave_cmd.write(0x11);
        master_data.write(PIC_VECTOR_BASE);
        slave_data.write(PIC_VECTOR_BASE + 8);
        master_data.write(4);
        slave_data.write(2);
        master_data.write(0x01);
        slave_data.write(0x01);
        master_data.write(0xFF);
        slave_data.write(0xFF);
    }
}
