//! CPU identification, feature enabling, and the QEMU exit port.

use raw_cpuid::CpuId;
use x86_64::registers::control::{Cr4, Cr4Flags};

/// The CPU features the kernel reports and uses.
#[derive(Debug, Clone, Copy, Default)]
pub struct Features {
    /// No-execute pages (EFER.NXE is set by the boot trampoline).
    pub nx: bool,
    /// 1 GiB pages.
    pub pdpe1gb: bool,
    /// Supervisor-mode execution prevention.
    pub smep: bool,
    /// Supervisor-mode access prevention.
    pub smap: bool,
    /// The RDRAND instruction.
    pub rdrand: bool,
    /// A TSC that runs at a constant rate.
    pub invariant_tsc: bool,
    /// x2APIC mode (not used yet; the kernel drives the xAPIC).
    pub x2apic: bool,
}

/// Reads the CPU's features.
pub fn features() -> Features {
    let cpuid = CpuId::new();
    let basic = cpuid.get_feature_info();
    let extended = cpuid.get_extended_feature_info();
    let ext_proc = cpuid.get_extended_processor_and_feature_identifiers();
    let power = cpuid.get_advanced_power_mgmt_info();
    Features {
        nx: ext_proc.as_ref().is_some_and(|f| f.has_execute_disable()),
        pdpe1gb: ext_proc.as_ref().is_some_and(|f| f.has_1gib_pages()),
        smep: extended.as_ref().is_some_and(|f| f.has_smep()),
        smap: extended.as_ref().is_some_and(|f| f.has_smap()),
        rdrand: basic.as_ref().is_some_and(|f| f.has_rdrand()),
        invariant_tsc: power.as_ref().is_some_and(|f| f.has_invariant_tsc()),
        x2apic: basic.as_ref().is_some_and(|f| f.has_x2apic()),
    }
}

/// Writes the vendor string (e.g. `GenuineIntel`) into `f`.
pub fn write_vendor(f: &mut dyn core::fmt::Write) -> core::fmt::Result {
    match CpuId::new().get_vendor_info() {
        Some(vendor) => f.write_str(vendor.as_str()),
        None => f.write_str("unknown"),
    }
}

impl core::fmt::Display for Features {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let names = [
            (self.nx, "nx"),
            (self.pdpe1gb, "pdpe1gb"),
            (self.smep, "smep"),
            (self.smap, "smap"),
            (self.rdrand, "rdrand"),
            (self.invariant_tsc, "invariant-tsc"),
            (self.x2apic, "x2apic"),
        ];
        let mut first = true;
        for (present, name) in names {
            if present {
                if !first {
                    f.write_str(" ")?;
                }
                f.write_str(name)?;
                first = false;
            }
        }
        Ok(())
    }
}

/// Turns on the protection features the CPU offers: SMEP and SMAP (the
/// kernel never executes or touches user pages except through the
/// validated-copy paths that will bracket accesses with `stac`/`clac`),
/// plus global pages. NX and write protection were enabled at entry.
pub fn enable_protections(features: &Features) {
    let mut flags = Cr4Flags::PAGE_GLOBAL;
    if features.smep {
        flags |= Cr4Flags::SUPERVISOR_MODE_EXECUTION_PROTECTION;
    }
    if features.smap {
        flags |= Cr4Flags::SUPERVISOR_MODE_ACCESS_PREVENTION;
    }
    // SAFETY: setting PGE, SMEP and SMAP only restricts what the kernel may
    // do; no user pages exist yet, and each bit is set only if CPUID says
    // the CPU implements it (setting an unsupported bit would #GP).
    unsafe { Cr4::update(|cr4| cr4.insert(flags)) };
}

/// Reads the time-stamp counter.
pub fn rdtsc() -> u64 {
    // SAFETY: RDTSC has no memory effects; CR4.TSD is clear so it is
    // allowed at any privilege level.
    unsafe { core::arch::x86_64::_rdtsc() }
}

/// Ends the QEMU run with `code` through `isa-debug-exit`, then halts (on a
/// machine without the device the write is ignored and the CPU stops).
pub fn exit_qemu(code: u32) -> ! {
    let mut port = x86_64::instructions::port::Port::<u32>::new(capos_abi::qemu_exit::PORT);
    // SAFETY: writing the exit port only ends the emulator; on hardware
    // without the device the port is unused and the write goes nowhere.
    unsafe { port.write(code) };
    halt_forever()
}

/// Stops this CPU for good: interrupts off, `hlt` in a loop.
pub fn halt_forever() -> ! {
    x86_64::instructions::interrupts::disable();
    loop {
        x86_64::instructions::hlt();
    }
}
