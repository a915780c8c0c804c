//! PCI configuration space through the legacy I/O mechanism (ports
//! `0xCF8`/`0xCFC`), enough to find devices on bus 0 and read their BARs.
//!
//! Every PC chipset QEMU emulates (i440FX, Q35) has the mechanism, and the
//! firmware (SeaBIOS, which runs before the kernel even on QEMU's direct
//! kernel boot) has assigned every BAR and enabled I/O decoding by then.

use x86_64::instructions::port::Port;

const CONFIG_ADDRESS: u16 = 0xCF8;
const CONFIG_DATA: u16 = 0xCFC;

/// A PCI function on bus 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Function {
    /// Device (slot) number, 0–31.
    pub device: u8,
    /// Function number, 0–7.
    pub function: u8,
}

impl Function {
    /// The 32-bit register at `offset` (a multiple of 4) of the function's
    /// configuration space.
    pub fn read(self, offset: u8) -> u32 {
        let address = 0x8000_0000
            | (u32::from(self.device) << 11)
            | (u32::from(self.function) << 8)
            | u32::from(offset & 0xFC);
        x86_64::instructions::interrupts::without_interrupts(|| {
            // SAFETY: 0xCF8/0xCFC are the PC's PCI configuration ports; the
            // address selects a register of bus 0 and the read has no side
            // effect on any device. Interrupts are off so no other user of
            // the two ports can run between the two accesses.
            unsafe {
                Port::<u32>::new(CONFIG_ADDRESS).write(address);
                Port::<u32>::new(CONFIG_DATA).read()
            }
        })
    }

    /// The vendor and device ids (`None` when nothing answers there).
    pub fn ids(self) -> Option<(u16, u16)> {
        let word = self.read(0);
        let vendor = word as u16;
        (vendor != 0xFFFF).then_some((vendor, (word >> 16) as u16))
    }

    /// The I/O port base of BAR `index` if that BAR is an I/O BAR.
    pub fn io_bar(self, index: u8) -> Option<u16> {
        let bar = self.read(0x10 + 4 * index);
        (bar & 1 == 1).then_some((bar & 0xFFFC) as u16).filter(|&base| base != 0)
    }
}

/// Every function on bus 0 with these ids, in slot order.
pub fn find(vendor: u16, device: u16) -> impl Iterator<Item = Function> {
    (0..32u8)
        .flat_map(|device| (0..8u8).map(move |function| Function { device, function }))
        .filter(move |f| f.ids() == Some((vendor, device)))
}
