//! The init program, embedded in the kernel image at build time
//! (`build.rs` includes the ELF named by `CAPOS_INIT_ELF`, or the
//! conventional userspace build path). Empty if no init was built, in which
//! case the kernel says so and idles.

/// The init ELF image.
pub static INIT_ELF: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/init.elf"));
