//! The QEMU command line: the only place in capOS where QEMU flags are spelled.

use std::ffi::OsString;
use std::fmt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::str::FromStr;
use std::time::{Duration, Instant};

use capos_abi::qemu_exit;

use crate::{Boot, ExitKind, RunnerError, find_in_path};

/// The QEMU program the runner starts unless [`QemuConfig::qemu_binary`] says otherwise.
pub const QEMU_BINARY: &str = "qemu-system-x86_64";

/// How QEMU executes guest code.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Accel {
    /// Pure emulation (works everywhere, slower).
    #[default]
    Tcg,
    /// Hardware virtualisation through `/dev/kvm`.
    Kvm,
}

impl Accel {
    /// The name QEMU's `-accel` takes.
    pub fn as_str(self) -> &'static str {
        match self {
            Accel::Tcg => "tcg",
            Accel::Kvm => "kvm",
        }
    }
}

impl fmt::Display for Accel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Accel {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "tcg" => Ok(Accel::Tcg),
            "kvm" => Ok(Accel::Kvm),
            other => Err(format!("unknown accelerator `{other}` (use tcg or kvm)")),
        }
    }
}

/// The device the guest sees behind each of [`QemuConfig::serial_sockets`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SocketDevice {
    /// UARTs: COM2, COM3, … (one port access per byte).
    #[default]
    Uart,
    /// Virtio serial ports 1, 2, … of one `virtio-serial-pci` device
    /// (pages per transfer; the kernel's `virtio0`, `virtio1`, … in this
    /// order).
    Virtio,
}

impl SocketDevice {
    /// The name [`FromStr`] takes.
    pub fn as_str(self) -> &'static str {
        match self {
            SocketDevice::Uart => "uart",
            SocketDevice::Virtio => "virtio",
        }
    }
}

impl FromStr for SocketDevice {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "uart" => Ok(SocketDevice::Uart),
            "virtio" => Ok(SocketDevice::Virtio),
            other => Err(format!("unknown device `{other}` (use uart or virtio)")),
        }
    }
}

/// Who is on the other end of the serial console.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// A person at a terminal: `-nographic`, serial console and QEMU monitor
    /// multiplexed on the inherited stdio (Ctrl-A X quits, Ctrl-A C switches
    /// to the monitor).
    Interactive,
    /// A program ([`crate::Session`]): no display, serial on piped
    /// stdin/stdout, no monitor, stderr piped for failure reports.
    Captured,
}

/// A QEMU machine to boot capOS on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QemuConfig {
    /// What it boots (from [`crate::prepare_boot`]).
    pub boot: Boot,
    /// Guest RAM in MiB (default 512).
    pub memory_mib: u32,
    /// Accelerator (default TCG).
    pub accel: Accel,
    /// Start paused with a GDB stub on `tcp::1234` (`-s -S`).
    pub gdb: bool,
    /// The QEMU program (default [`QEMU_BINARY`], looked up on `PATH`).
    /// Tests point it at a fake QEMU script.
    pub qemu_binary: PathBuf,
    /// Directory for the serial logs of captured sessions
    /// (`<log_dir>/<name>.serial.log`); default `<repo>/build/logs`.
    pub log_dir: PathBuf,
    /// COM1's log file, instead of the default. [`Mode::Captured`]: the
    /// session writes the serial log here instead of
    /// `<log_dir>/<name>.serial.log`. [`Mode::Interactive`]: QEMU copies
    /// everything the console shows (COM1, and the monitor when switched
    /// to) into this file (chardev `logfile`), so the host can read what
    /// the kernel printed once QEMU has ended; default: no copy.
    pub serial_log: Option<PathBuf>,
    /// Serial ports after COM1 (COM2, COM3, … in this order, or virtio
    /// consoles, see [`Self::socket_device`]), each connected to the Unix
    /// socket at the path. QEMU connects to it as a client when it starts,
    /// so the socket must be listening by then.
    pub serial_sockets: Vec<PathBuf>,
    /// What the guest sees behind [`Self::serial_sockets`].
    pub socket_device: SocketDevice,
}

impl QemuConfig {
    /// The defaults for booting `boot`.
    pub fn new(boot: Boot) -> Self {
        QemuConfig {
            boot,
            memory_mib: 512,
            accel: Accel::Tcg,
            gdb: false,
            qemu_binary: PathBuf::from(QEMU_BINARY),
            log_dir: crate::repo_root().join("build/logs"),
            serial_log: None,
            serial_sockets: Vec::new(),
            socket_device: SocketDevice::Uart,
        }
    }

    /// The QEMU arguments (without the program) for `mode`.
    pub fn args(&self, mode: Mode) -> Vec<OsString> {
        let mut args: Vec<OsString> = Vec::new();
        fn push(args: &mut Vec<OsString>, items: &[&str]) {
            args.extend(items.iter().map(OsString::from));
        }
        // TCG emulates every feature (`max`: SMEP, SMAP, RDRAND …); under KVM
        // `max` asks for MSRs a nested hypervisor may refuse, so pass the
        // host CPU through instead.
        let cpu = match self.accel {
            Accel::Tcg => "max",
            Accel::Kvm => "host",
        };
        push(&mut args, &["-machine", "q35", "-cpu", cpu]);
        push(&mut args, &["-m", &self.memory_mib.to_string()]);
        push(&mut args, &["-accel", self.accel.as_str(), "-no-reboot"]);
        // capOS has no network driver; without a NIC the firmware loads no
        // network boot ROM (about 70 ms of every boot under TCG).
        push(&mut args, &["-nic", "none"]);
        let debug_exit =
            format!("isa-debug-exit,iobase={:#x},iosize={:#x}", qemu_exit::PORT, qemu_exit::IO_SIZE);
        push(&mut args, &["-device", &debug_exit]);
        match (mode, &self.serial_log) {
            (Mode::Interactive, None) => push(&mut args, &["-nographic"]),
            (Mode::Interactive, Some(log)) => {
                // What `-nographic` sets up by default (serial and monitor
                // multiplexed on stdio, Ctrl-C passed to the guest), spelled
                // out so the console can be copied into a log file.
                let mut chardev = OsString::from("stdio,id=console,mux=on,signal=off,logfile=");
                chardev.push(qemu_opt_value(log.as_os_str()));
                push(&mut args, &["-nographic", "-chardev"]);
                args.push(chardev);
                push(&mut args, &["-serial", "chardev:console", "-mon", "chardev=console,mode=readline"]);
            }
            (Mode::Captured, _) => {
                push(&mut args, &["-display", "none", "-serial", "stdio", "-monitor", "none"]);
            }
        }
        for (i, socket) in self.serial_sockets.iter().enumerate() {
            // COM1 is QEMU's `serial0`; COM2 is the first socket.
            let id = format!("serial{}", i + 1);
            let mut chardev = OsString::from(format!("socket,id={id},path="));
            chardev.push(qemu_opt_value(socket.as_os_str()));
            args.push("-chardev".into());
            args.push(chardev);
            match self.socket_device {
                SocketDevice::Uart => push(&mut args, &["-serial", &format!("chardev:{id}")]),
                SocketDevice::Virtio => {
                    // One device, port i+1 for socket i (port 0 is the
                    // console port, which drops output when the host is slow).
                    if i == 0 {
                        let ports = self.serial_sockets.len() + 1;
                        push(
                            &mut args,
                            &["-device", &format!("virtio-serial-pci,id=vser,max_ports={ports}")],
                        );
                    }
                    let port = format!("virtserialport,bus=vser.0,nr={},chardev={id}", i + 1);
                    push(&mut args, &["-device", &port]);
                }
            }
        }
        if self.gdb {
            push(&mut args, &["-s", "-S"]);
        }
        match &self.boot {
            Boot::Iso(iso) => {
                args.push("-cdrom".into());
                args.push(iso.clone().into_os_string());
                push(&mut args, &["-boot", "d"]);
            }
            Boot::Direct { kernel, initrd, cmdline } => {
                args.push("-kernel".into());
                args.push(kernel.clone().into_os_string());
                if let Some(initrd) = initrd {
                    args.push("-initrd".into());
                    args.push(initrd.clone().into_os_string());
                }
                push(&mut args, &["-append", cmdline]);
            }
        }
        args
    }

    /// The QEMU command for `mode`, with stdio set up for it: inherited for
    /// [`Mode::Interactive`], all three piped for [`Mode::Captured`].
    ///
    /// This is the only function in the project that builds a QEMU command.
    ///
    /// QEMU is also set up to be killed when the thread that spawns it dies
    /// (Linux `PR_SET_PDEATHSIG`), so a killed harness cannot leave a QEMU
    /// behind; spawn it from a thread that outlives the run (for a
    /// [`crate::Session`], the thread that calls [`crate::Session::start`]).
    pub fn command(&self, mode: Mode) -> Command {
        let mut command = Command::new(&self.qemu_binary);
        command.args(self.args(mode));
        // SAFETY: the closure runs in the forked child before exec and only
        // makes the async-signal-safe `prctl` system call.
        unsafe {
            command.pre_exec(|| {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) == -1 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        match mode {
            Mode::Interactive => {
                command.stdin(Stdio::inherit()).stdout(Stdio::inherit()).stderr(Stdio::inherit());
            }
            Mode::Captured => {
                command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
            }
        }
        command
    }

    /// Check that the boot files and the QEMU program exist.
    pub(crate) fn check(&self) -> Result<(), RunnerError> {
        for (what, path) in self.boot.inputs() {
            if !path.is_file() {
                return Err(RunnerError::MissingInput { what, path: path.to_path_buf() });
            }
        }
        if find_in_path(&self.qemu_binary).is_none() {
            return Err(RunnerError::ToolMissing {
                tool: self.qemu_binary.display().to_string(),
                purpose: "to run capOS",
            });
        }
        Ok(())
    }
}

/// Boot `config` interactively on this terminal and wait for QEMU to end.
///
/// A user quitting with Ctrl-A X makes QEMU exit with status 0, which is
/// indistinguishable from a reset and reported as [`ExitKind::Reset`].
pub fn run_interactive(config: &QemuConfig) -> Result<ExitKind, RunnerError> {
    run_interactive_for(config, None)
}

/// [`run_interactive`] with a time limit (`None`: none). At the deadline
/// QEMU is asked to quit (`SIGTERM`, so it restores the terminal), and
/// killed if it has not ended [`INTERACTIVE_KILL_GRACE`] later; the result
/// is then [`ExitKind::Killed`].
pub fn run_interactive_for(config: &QemuConfig, timeout: Option<Duration>) -> Result<ExitKind, RunnerError> {
    config.check()?;
    let mut child = config
        .command(Mode::Interactive)
        .spawn()
        .map_err(|e| RunnerError::io(format!("starting {}", display(&config.qemu_binary)), e))?;
    let waiting = |e| RunnerError::io(format!("waiting for {}", display(&config.qemu_binary)), e);
    let Some(timeout) = timeout else {
        return Ok(ExitKind::from_status(child.wait().map_err(waiting)?));
    };
    let deadline = Instant::now().checked_add(timeout);
    loop {
        if let Some(status) = child.try_wait().map_err(waiting)? {
            return Ok(ExitKind::from_status(status));
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    if let Ok(pid) = libc::pid_t::try_from(child.id()) {
        // SAFETY: `pid` is our child, not yet reaped, so it names QEMU.
        unsafe { libc::kill(pid, libc::SIGTERM) };
    }
    let grace = Instant::now() + INTERACTIVE_KILL_GRACE;
    while Instant::now() < grace {
        if child.try_wait().map_err(waiting)?.is_some() {
            return Ok(ExitKind::Killed);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    Ok(ExitKind::Killed)
}

/// How long [`run_interactive_for`] gives QEMU to quit after `SIGTERM`.
pub const INTERACTIVE_KILL_GRACE: Duration = Duration::from_secs(3);

/// `value` escaped for a QEMU `-chardev` option list (a comma is doubled).
fn qemu_opt_value(value: &std::ffi::OsStr) -> OsString {
    use std::os::unix::ffi::{OsStrExt, OsStringExt};
    let mut out = Vec::with_capacity(value.len());
    for &byte in value.as_bytes() {
        out.push(byte);
        if byte == b',' {
            out.push(b',');
        }
    }
    OsString::from_vec(out)
}

pub(crate) fn display(path: &Path) -> String {
    path.display().to_string()
}

impl ExitKind {
    /// Classify a QEMU exit status by the `isa-debug-exit` protocol.
    pub fn from_status(status: ExitStatus) -> ExitKind {
        use std::os::unix::process::ExitStatusExt;
        match status.code() {
            Some(code) if code == qemu_exit::host_status(qemu_exit::SUCCESS) => ExitKind::Success,
            Some(code) if code == qemu_exit::host_status(qemu_exit::FAILURE) => ExitKind::KernelFailure,
            Some(0) => ExitKind::Reset,
            Some(code) => ExitKind::Code(code),
            None => ExitKind::Signal(status.signal().unwrap_or(0)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(config: &QemuConfig, mode: Mode) -> Vec<String> {
        config.args(mode).into_iter().map(|a| a.into_string().unwrap()).collect()
    }

    fn count(args: &[String], flag: &str) -> usize {
        args.iter().filter(|a| *a == flag).count()
    }

    /// The value following `flag`, which must appear exactly once.
    fn value<'a>(args: &'a [String], flag: &str) -> &'a str {
        assert_eq!(count(args, flag), 1, "{flag} in {args:?}");
        let i = args.iter().position(|a| a == flag).unwrap();
        &args[i + 1]
    }

    fn iso(path: &str) -> QemuConfig {
        QemuConfig::new(Boot::Iso(path.into()))
    }

    #[test]
    fn direct_boot_flags() {
        let direct = |initrd: Option<&str>| {
            QemuConfig::new(Boot::Direct {
                kernel: "build/kernel.elf".into(),
                initrd: initrd.map(PathBuf::from),
                cmdline: "poweroff terminal=com2".into(),
            })
        };
        for mode in [Mode::Interactive, Mode::Captured] {
            let args = strings(&direct(Some("build/manifest.bin")), mode);
            assert_eq!(value(&args, "-kernel"), "build/kernel.elf");
            assert_eq!(value(&args, "-initrd"), "build/manifest.bin");
            assert_eq!(value(&args, "-append"), "poweroff terminal=com2");
            assert_eq!(count(&args, "-cdrom"), 0);
            assert_eq!(count(&args, "-boot"), 0);
            assert_eq!(count(&strings(&direct(None), mode), "-initrd"), 0);
        }
    }

    #[test]
    fn common_flags_appear_once() {
        let config = iso("build/iso/x.iso");
        for mode in [Mode::Interactive, Mode::Captured] {
            let args = strings(&config, mode);
            assert_eq!(value(&args, "-machine"), "q35");
            assert_eq!(value(&args, "-cpu"), "max");
            assert_eq!(value(&args, "-m"), "512");
            assert_eq!(value(&args, "-accel"), "tcg");
            assert_eq!(value(&args, "-device"), "isa-debug-exit,iobase=0xf4,iosize=0x4");
            assert_eq!(value(&args, "-cdrom"), "build/iso/x.iso");
            assert_eq!(value(&args, "-boot"), "d");
            assert_eq!(count(&args, "-no-reboot"), 1);
            assert_eq!(value(&args, "-nic"), "none");
            assert_eq!(count(&args, "-s"), 0);
        }
    }

    #[test]
    fn debug_exit_uses_abi_constants() {
        let args = strings(&iso("x.iso"), Mode::Captured);
        let expected =
            format!("isa-debug-exit,iobase={:#x},iosize={:#x}", qemu_exit::PORT, qemu_exit::IO_SIZE);
        assert_eq!(value(&args, "-device"), expected);
    }

    #[test]
    fn interactive_vs_captured() {
        let config = iso("x.iso");
        let interactive = strings(&config, Mode::Interactive);
        assert_eq!(count(&interactive, "-nographic"), 1);
        for flag in ["-display", "-serial", "-monitor"] {
            assert_eq!(count(&interactive, flag), 0, "{flag}");
        }
        let captured = strings(&config, Mode::Captured);
        assert_eq!(count(&captured, "-nographic"), 0);
        assert_eq!(value(&captured, "-display"), "none");
        assert_eq!(value(&captured, "-serial"), "stdio");
        assert_eq!(value(&captured, "-monitor"), "none");
    }

    #[test]
    fn options_change_flags() {
        let mut config = iso("x.iso");
        config.memory_mib = 2048;
        config.accel = Accel::Kvm;
        config.gdb = true;
        let args = strings(&config, Mode::Interactive);
        assert_eq!(value(&args, "-m"), "2048");
        assert_eq!(value(&args, "-accel"), "kvm");
        assert_eq!(count(&args, "-s"), 1);
        assert_eq!(count(&args, "-S"), 1);
    }

    #[test]
    fn command_uses_binary_override() {
        let mut config = iso("x.iso");
        assert_eq!(config.command(Mode::Captured).get_program(), QEMU_BINARY);
        config.qemu_binary = "/tmp/fake-qemu".into();
        let command = config.command(Mode::Captured);
        assert_eq!(command.get_program(), "/tmp/fake-qemu");
        assert_eq!(command.get_args().count(), config.args(Mode::Captured).len());
    }

    #[test]
    fn serial_sockets_become_com2_and_com3() {
        let mut config = iso("x.iso");
        config.serial_sockets = vec!["/tmp/a,b/term.sock".into(), "/tmp/err.sock".into()];
        for mode in [Mode::Interactive, Mode::Captured] {
            let args = strings(&config, mode);
            let chardevs: Vec<&String> =
                args.iter().zip(&args[1..]).filter(|(a, _)| *a == "-chardev").map(|(_, v)| v).collect();
            let serials: Vec<&String> =
                args.iter().zip(&args[1..]).filter(|(a, _)| *a == "-serial").map(|(_, v)| v).collect();
            assert_eq!(
                chardevs,
                ["socket,id=serial1,path=/tmp/a,,b/term.sock", "socket,id=serial2,path=/tmp/err.sock"]
            );
            // In captured mode COM1 (`-serial stdio`) comes first.
            let expected: &[&str] = match mode {
                Mode::Interactive => &["chardev:serial1", "chardev:serial2"],
                Mode::Captured => &["stdio", "chardev:serial1", "chardev:serial2"],
            };
            assert_eq!(serials, expected);
        }
    }

    #[test]
    fn serial_sockets_can_be_virtio_consoles() {
        let mut config = iso("x.iso");
        config.serial_sockets = vec!["/tmp/term.sock".into(), "/tmp/err.sock".into()];
        config.socket_device = SocketDevice::Virtio;
        let args = strings(&config, Mode::Captured);
        let devices: Vec<&String> =
            args.iter().zip(&args[1..]).filter(|(a, _)| *a == "-device").map(|(_, v)| v).collect();
        assert_eq!(
            devices[1..],
            [
                "virtio-serial-pci,id=vser,max_ports=3",
                "virtserialport,bus=vser.0,nr=1,chardev=serial1",
                "virtserialport,bus=vser.0,nr=2,chardev=serial2"
            ]
        );
        assert_eq!(count(&args, "-serial"), 1, "only COM1");
        assert_eq!("virtio".parse::<SocketDevice>(), Ok(SocketDevice::Virtio));
        assert_eq!("uart".parse::<SocketDevice>(), Ok(SocketDevice::Uart));
        assert!("usb".parse::<SocketDevice>().is_err());
    }

    #[test]
    fn interactive_serial_log_spells_out_the_console() {
        let mut config = iso("x.iso");
        config.serial_log = Some("build/logs/run,1.log".into());
        let args = strings(&config, Mode::Interactive);
        assert_eq!(count(&args, "-nographic"), 1);
        assert_eq!(
            value(&args, "-chardev"),
            "stdio,id=console,mux=on,signal=off,logfile=build/logs/run,,1.log"
        );
        assert_eq!(value(&args, "-serial"), "chardev:console");
        assert_eq!(value(&args, "-mon"), "chardev=console,mode=readline");
        // A captured session writes its log itself: no QEMU flag for it.
        let captured = strings(&config, Mode::Captured);
        assert_eq!(count(&captured, "-chardev"), 0);
        assert_eq!(value(&captured, "-serial"), "stdio");
    }

    #[test]
    fn accel_parses() {
        assert_eq!("kvm".parse::<Accel>(), Ok(Accel::Kvm));
        assert_eq!("tcg".parse::<Accel>(), Ok(Accel::Tcg));
        assert!("hvf".parse::<Accel>().is_err());
    }
}
