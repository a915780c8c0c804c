//! Small ABI constants shared by the kernel, the userspace runtime and the
//! host tools, so nothing is copied by hand across a boundary.
//!
//! Today it holds the contract between the kernel and the QEMU harness: the
//! `isa-debug-exit` device codes and the fixed markers the kernel prints on
//! the serial console (see `docs/serial-protocol.md`).
#![no_std]
#![forbid(unsafe_code)]

/// The QEMU `isa-debug-exit` device the kernel uses to end a run.
///
/// Writing `value` to the port makes QEMU exit with status `(value << 1) | 1`.
pub mod qemu_exit {
    /// I/O port of the device (`-device isa-debug-exit,iobase=0xf4,iosize=0x04`).
    pub const PORT: u16 = 0xf4;
    /// Size of the device's I/O window in bytes.
    pub const IO_SIZE: u16 = 0x04;
    /// Value the kernel writes when a run ended successfully.
    pub const SUCCESS: u32 = 0x10;
    /// Value the kernel writes after a panic, a kernel exception or a failed test.
    pub const FAILURE: u32 = 0x11;

    /// The host exit status QEMU reports for a value written to the port.
    pub const fn host_status(value: u32) -> i32 {
        ((value << 1) | 1) as i32
    }
}

/// Fixed strings the kernel prints on the serial console; the harness matches
/// on them. Each marker starts its line.
pub mod serial {
    /// First word of the boot banner's first line: `capOS <version> ...`.
    pub const BANNER_PREFIX: &str = "capOS ";
    /// Start of the line the panic handler prints: `KERNEL PANIC at FILE:LINE:COL: MESSAGE`.
    pub const PANIC: &str = "KERNEL PANIC";
    /// Start of the first line of a CPU exception dump:
    /// `EXCEPTION #PF (vector 14) ...`.
    pub const EXCEPTION: &str = "EXCEPTION";
    /// Start of the last line of an exception dump taken in kernel mode.
    pub const KERNEL_FAULT: &str = "KERNEL FAULT";
    /// Start of the periodic heartbeat line of the idle kernel:
    /// `uptime: S s (T ticks)`.
    pub const HEARTBEAT: &str = "uptime: ";
    /// Prefix of every line the in-kernel test runner prints.
    pub const KTEST: &str = "ktest: ";
    /// Start of the message the kernel logs once every process has ended:
    /// `all processes ended: F frames free (B before init), S cap slots in
    /// use`. With nothing leaked, F equals B and S is 0.
    pub const ALL_ENDED: &str = "all processes ended: ";
    /// Start of the line a kernel booted with [`super::cmdline::POWEROFF`]
    /// prints before it stops the machine, once every process has ended:
    /// `power off: exited N` (init's exit code, which is the `statusFrom`
    /// service's, or [`super::process::BOOT_FAILED`]), `power off:
    /// faulted`, `power off: killed`, or `power off: no init` (the kernel
    /// could not start init). The machine then exits through
    /// `isa-debug-exit` with the success code.
    pub const POWER_OFF: &str = "power off: ";
    /// Start of every error line init prints on its console: `[init]
    /// error: MESSAGE`, e.g. `[init] error: cannot start service shell
    /// (capos-shell): not found`. A service that cannot start (or be
    /// restarted), a manifest init cannot use. `capos run` shows these
    /// lines on its stderr.
    pub const INIT_ERROR: &str = "[init] error: ";
}

/// Kernel command-line words (space separated; `KEY=VALUE` or a flag).
pub mod cmdline {
    /// `terminal=com1|com2|com3`: the serial port of the `terminal` cap
    /// (default com1, shared with the kernel log).
    pub const TERMINAL: &str = "terminal";
    /// `stderr=com1|com2|com3`: the serial port of the `stderr` cap
    /// (default: the terminal's port).
    pub const STDERR: &str = "stderr";
    /// `terminal-echo=off`: the terminal starts without echo (input from a
    /// pipe or file, not a person).
    pub const TERMINAL_ECHO: &str = "terminal-echo";
    /// `poweroff`: stop the machine once every process has ended, after
    /// printing [`super::serial::POWER_OFF`].
    pub const POWEROFF: &str = "poweroff";
}

/// The kernel's timer tick rate, in interrupts per second.
pub const TIMER_HZ: u32 = 100;

pub mod error;
pub mod layout;
pub mod process;
pub mod profile;
pub mod signal;
pub mod syscall;

#[cfg(test)]
mod tests {
    use super::qemu_exit;

    #[test]
    fn exit_codes_map_to_distinct_odd_statuses() {
        assert_eq!(qemu_exit::host_status(qemu_exit::SUCCESS), 33);
        assert_eq!(qemu_exit::host_status(qemu_exit::FAILURE), 35);
    }
}
