//! `capos run`: build the boot manifest, boot it (QEMU's direct kernel boot,
//! or a GRUB ISO with `--boot iso`), relay, and turn the kernel's power-off
//! report into this process's exit status.

use std::fs;
use std::os::unix::net::UnixListener;
use std::path::{Path, PathBuf};
use std::time::Duration;

use capos_abi::{cmdline, serial};
use qemu_runner::{
    Accel, Boot, BootMethod, ExitKind, Failure, FailureKind, IsoModule, IsoSpec, QemuConfig, Session,
    SocketDevice, classify, prepare_boot, regex, run_interactive_for,
};

use crate::manifest::{self, CueContext};
use crate::relay::Relay;
use crate::spec::{self, Mapping};
use crate::status::{self, STOPPED, TIMED_OUT, TOOL_ERROR};
use crate::tty;

/// Time allowed from QEMU's start to the boot banner.
/// Guest memory when `--memory` is not given.
pub const DEFAULT_MEMORY_MIB: u32 = 512;
pub const BOOT_TIMEOUT: Duration = Duration::from_secs(60);
/// After QEMU has ended, how long the guest's output may take to drain.
const DRAIN_GRACE: Duration = Duration::from_secs(5);
/// How many kernel-log lines a failure report shows.
const TAIL_LINES: usize = 25;
/// "No limit" for waits that take a duration.
const FOREVER: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

/// Everything a run needs, resolved from the command line.
#[derive(Clone, Debug)]
pub struct Options {
    /// The kernel ELF.
    pub kernel: PathBuf,
    /// The manifest (`.bin`, or a `.cue` system file).
    pub manifest: PathBuf,
    /// How a `.cue` manifest is compiled.
    pub cue: CueContext,
    /// `--file` and `--dir`.
    pub mappings: Vec<Mapping>,
    /// `PROGRAM ARGS…`; empty for the interactive shell.
    pub program: Vec<String>,
    /// The host file PROGRAM came from, when it was given as a path (it
    /// is carried in as the boot binary PROGRAM, and `program` is then
    /// `run PROGRAM ARGS…`).
    pub program_file: Option<PathBuf>,
    /// `KEY=VALUE` for the shell's and the program's environment.
    pub env: Vec<String>,
    /// The time limit (`None`: none).
    pub timeout: Option<Duration>,
    /// Where COM1 (the kernel log) goes.
    pub log: PathBuf,
    /// Parent of the per-run directories (manifest, ISO, sockets).
    pub work_root: PathBuf,
    /// QEMU accelerator.
    pub accel: Accel,
    /// Guest RAM in MiB.
    pub memory_mib: u32,
    /// Direct kernel boot or a GRUB ISO.
    pub boot: BootMethod,
    /// The devices behind the program's terminal and stderr.
    pub stdio: SocketDevice,
    /// Keep the services the shell does not need.
    pub all_services: bool,
    /// Extra kernel command-line words (`--cmdline`).
    pub cmdline: Vec<String>,
}

/// A run that could not even produce a verdict from the guest: a message
/// for stderr and exit status [`TOOL_ERROR`].
pub type Error = String;

/// Runs `options`; returns the exit status (errors already printed).
pub fn run(options: &Options) -> u8 {
    let result = if options.program.is_empty() { run_shell(options) } else { run_program(options) };
    tty::restore();
    result.unwrap_or_else(|message| {
        eprintln!("capos: error: {message}");
        TOOL_ERROR
    })
}

/// The kernel command line of a program run: the terminal on COM2 (or the
/// first virtio console), error output on COM3 (or the second), no echo
/// unless a person is typing, power off at the end; then the `extra` words
/// (the kernel takes the first value of a key, so they cannot move the
/// ports).
pub fn program_cmdline(stdin_is_terminal: bool, stdio: SocketDevice, extra: &[String]) -> String {
    let (terminal, stderr) = match stdio {
        SocketDevice::Uart => ("com2", "com3"),
        SocketDevice::Virtio => ("virtio0", "virtio1"),
    };
    let mut words = vec![
        format!("{}={terminal}", cmdline::TERMINAL),
        format!("{}={stderr}", cmdline::STDERR),
        cmdline::POWEROFF.to_string(),
    ];
    if !stdin_is_terminal {
        words.push(format!("{}=off", cmdline::TERMINAL_ECHO));
    }
    words.extend(extra.iter().cloned());
    words.join(" ")
}

/// The kernel command line of the interactive shell: what `make run`
/// passes (power off when the shell ends; kernel info lines off the
/// terminal), with the `extra` words first so they can change the level.
pub fn shell_cmdline(extra: &[String]) -> String {
    let mut words = vec![cmdline::POWEROFF.to_string()];
    words.extend(extra.iter().cloned());
    words.push(SHELL_LOGLEVEL.to_string());
    words.join(" ")
}

/// The kernel log level of the interactive shell (as `make run`'s).
const SHELL_LOGLEVEL: &str = "loglevel=warn";

fn run_program(o: &Options) -> Result<u8, Error> {
    let terminal = tty::is_terminal(libc::STDIN_FILENO);
    let bytes = run_manifest(o)?;

    let mut work = WorkDir::create(&o.work_root)?;
    let module = work.path().join("manifest.bin");
    fs::write(&module, &bytes).map_err(|e| format!("cannot write {}: {e}", module.display()))?;
    let mut spec = IsoSpec::new(&o.kernel, program_cmdline(terminal, o.stdio, &o.cmdline));
    spec.modules.push(IsoModule::new(&module));
    let boot = prepare_boot(&spec, o.boot, &work.path().join("run.iso")).map_err(|e| e.to_string())?;

    let sockets = work.socket_dir()?;
    let term_path = sockets.join("term.sock");
    let err_path = sockets.join("err.sock");
    let listen = |path: &Path| {
        UnixListener::bind(path).map_err(|e| format!("cannot listen on {}: {e}", path.display()))
    };
    let (term, err) = (listen(&term_path)?, listen(&err_path)?);

    let mut config = machine(o, boot);
    config.serial_sockets = vec![term_path, err_path];
    config.socket_device = o.stdio;
    tty::save(terminal).map_err(|e| format!("cannot put the terminal in raw mode: {e}"))?;
    let mut session = Session::start("capos-run", &config).map_err(|e| e.to_string())?;
    let mut relay = Relay::start(term, err, session.id(), terminal)
        .map_err(|e| format!("cannot start the relay threads: {e}"))?;

    let limit = o.timeout.unwrap_or(FOREVER);
    let banner = qemu_runner::Regex::new(&format!("^{}", regex::escape(serial::BANNER_PREFIX)))
        .map_err(|e| e.to_string())?;
    let verdict = match session.expect(&banner, limit.min(BOOT_TIMEOUT)) {
        Ok(_) => {
            relay.open_stdin();
            session.wait_exit(limit.saturating_sub(session.elapsed()))
        }
        Err(failure) if failure.kind() == FailureKind::Timeout && limit > BOOT_TIMEOUT => {
            relay.finish(Duration::ZERO);
            tty::restore();
            report_failure(
                &format!("no boot banner within {} s", BOOT_TIMEOUT.as_secs()),
                &failure,
                &session.transcript(),
                &o.log,
            );
            return Ok(TOOL_ERROR);
        }
        Err(failure) => Err(failure),
    };
    relay.finish(DRAIN_GRACE);
    tty::restore();
    if relay.escaped() {
        // The cursor is wherever the program left it.
        eprintln!("\ncapos: stopped (Ctrl-A X)");
        return Ok(STOPPED);
    }
    let transcript = session.transcript();
    match verdict {
        Ok(_) => match status::find(&transcript) {
            Some(report) => Ok(status::conclude(report, &transcript, &o.log)),
            None => {
                print_tail("QEMU exited without the kernel's power-off report", &transcript, &o.log);
                Ok(TOOL_ERROR)
            }
        },
        Err(failure) if failure.kind() == FailureKind::Timeout => {
            let seconds = limit.as_secs_f64();
            report_failure(&format!("timed out after {seconds} s"), &failure, &transcript, &o.log);
            Ok(TIMED_OUT)
        }
        Err(failure) => {
            let headline =
                format!("the machine stopped without powering off: {}: {}", failure.kind(), failure.detail());
            report_failure(&headline, &failure, &transcript, &o.log);
            Ok(TOOL_ERROR)
        }
    }
}

/// The run's manifest, encoded: `o.manifest` with the host files added,
/// room made for them in the file service, and the program set (when there
/// is one); refused when the guest memory cannot hold it.
fn run_manifest(o: &Options) -> Result<Vec<u8>, Error> {
    let mut m = manifest::load(&o.manifest, &o.cue)?;
    let files = spec::collect(&o.mappings)?;
    let mut added: u64 = files.iter().map(|f| f.data.len() as u64).sum();
    if let (Some(path), Some(name)) = (&o.program_file, o.program.get(1)) {
        let data = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        added += data.len() as u64;
        manifest::add_binary(&mut m, name, data);
    }
    manifest::add_env(&mut m, &o.env);
    manifest::add_files(&mut m, files);
    manifest::make_room(&mut m, added)?;
    if !o.program.is_empty() {
        manifest::set_program(&mut m, &o.program, o.all_services)?;
    }
    let mut bytes = manifest::finish(&m)?;
    let memory = u64::from(o.memory_mib) << 20;
    // The shell's programs get their memory out of the shell's limit,
    // which must fit beside the file service's.
    if manifest::fit_shell(&mut m, bytes.len(), memory) {
        bytes = manifest::finish(&m)?;
    }
    let needed = manifest::guest_memory_needed(&m, bytes.len(), memory);
    if needed > memory {
        return Err(format!(
            "this run needs about {} MiB of guest memory (a {} MiB manifest with {} MiB of files carried in, \
             the file service's copy of them and the services' memory limits), more than --memory {}; \
             give a larger --memory",
            needed.div_ceil(1 << 20),
            bytes.len().div_ceil(1 << 20),
            added.div_ceil(1 << 20),
            o.memory_mib
        ));
    }
    Ok(bytes)
}

fn run_shell(o: &Options) -> Result<u8, Error> {
    let work = WorkDir::create(&o.work_root)?;
    // A prebuilt manifest is booted as it is, unless the guest is smaller
    // than the default (its services' limits might not fit).
    let as_is = o.mappings.is_empty() && o.memory_mib >= DEFAULT_MEMORY_MIB;
    let module = if as_is && o.manifest.extension().is_none_or(|e| e != "cue") {
        if !o.manifest.is_file() {
            return Err(format!("the manifest `{}` does not exist", o.manifest.display()));
        }
        o.manifest.clone()
    } else {
        let bytes = run_manifest(o)?;
        let module = work.path().join("manifest.bin");
        fs::write(&module, &bytes).map_err(|e| format!("cannot write {}: {e}", module.display()))?;
        module
    };
    let mut spec = IsoSpec::new(&o.kernel, shell_cmdline(&o.cmdline));
    spec.modules.push(IsoModule::new(&module));
    let boot = prepare_boot(&spec, o.boot, &work.path().join("run.iso")).map_err(|e| e.to_string())?;

    let mut config = machine(o, boot);
    config.serial_log = Some(o.log.clone());
    if let Some(dir) = o.log.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    // QEMU puts the terminal in raw mode; make sure it comes back even if
    // QEMU is killed.
    tty::save(false).map_err(|e| format!("cannot read the terminal settings: {e}"))?;
    eprintln!("capos: booting capOS (Ctrl-A X quits; kernel log: {})", o.log.display());
    let exit = run_interactive_for(&config, o.timeout).map_err(|e| e.to_string())?;
    tty::restore();
    let lines = status::lines_of(&fs::read(&o.log).unwrap_or_default());
    if exit == ExitKind::Killed {
        let seconds = o.timeout.unwrap_or_default().as_secs_f64();
        eprintln!("capos: timed out after {seconds} s (kernel log: {})", o.log.display());
        return Ok(TIMED_OUT);
    }
    if exit == ExitKind::Success
        && let Some(report) = status::find(&lines)
    {
        return Ok(status::conclude(report, &lines, &o.log));
    }
    let log = o.log.display();
    Ok(match classify(&lines, Some(exit)) {
        Err(FailureKind::Reset) => {
            eprintln!("capos: QEMU ended without the kernel's power-off report (Ctrl-A X, or a guest reset)");
            STOPPED
        }
        Ok(()) => {
            eprintln!("capos: QEMU exited without the kernel's power-off report (kernel log: {log})");
            TOOL_ERROR
        }
        Err(kind) => {
            eprintln!(
                "capos: the machine stopped without powering off: {kind}; QEMU {exit} (kernel log: {log})"
            );
            TOOL_ERROR
        }
    })
}

/// The QEMU machine of a run: `boot`, the accelerator, the memory, the log.
fn machine(o: &Options, boot: Boot) -> QemuConfig {
    let mut config = QemuConfig::new(boot);
    config.accel = o.accel;
    config.memory_mib = o.memory_mib;
    config.serial_log = Some(o.log.clone());
    if let Some(dir) = o.log.parent() {
        config.log_dir = dir.to_path_buf();
    }
    config
}

/// Prints `headline`, the end of the kernel log and QEMU's stderr.
fn report_failure(headline: &str, failure: &Failure, transcript: &[String], log: &Path) {
    print_tail(headline, transcript, log);
    if let Some(exit) = failure.exit() {
        eprintln!("capos: QEMU {exit}");
    }
    let stderr = failure.stderr().trim_end();
    if !stderr.is_empty() {
        eprintln!("capos: QEMU's stderr:");
        for line in stderr.lines() {
            eprintln!("| {line}");
        }
    }
}

fn print_tail(headline: &str, transcript: &[String], log: &Path) {
    eprintln!("capos: {headline}");
    let shown = transcript.len().min(TAIL_LINES);
    eprintln!("capos: the last {shown} lines of the kernel log ({}):", log.display());
    for line in &transcript[transcript.len() - shown..] {
        eprintln!("| {line}");
    }
}

/// A run's own directory `<work_root>/<pid>` (manifest, ISO if any, sockets),
/// removed when dropped. Directories left by runs that died are removed
/// when the next run starts.
struct WorkDir {
    path: PathBuf,
    /// Set when the sockets had to go elsewhere (path too long).
    sockets: Option<PathBuf>,
}

/// The longest Unix socket path (`sun_path` holds 108 bytes with the NUL).
const MAX_SOCKET_PATH: usize = 100;

impl WorkDir {
    fn create(root: &Path) -> Result<WorkDir, Error> {
        sweep(root);
        let path = root.join(std::process::id().to_string());
        let _ = fs::remove_dir_all(&path);
        fs::create_dir_all(&path).map_err(|e| format!("cannot create {}: {e}", path.display()))?;
        Ok(WorkDir { path, sockets: None })
    }

    fn path(&self) -> &Path {
        &self.path
    }

    /// A directory for the sockets whose paths fit `sun_path`: the work
    /// directory, or a fresh one under the system's temporary directory.
    fn socket_dir(&mut self) -> Result<PathBuf, Error> {
        if self.path.join("term.sock").as_os_str().len() <= MAX_SOCKET_PATH {
            return Ok(self.path.clone());
        }
        let dir = std::env::temp_dir().join(format!("capos-run-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        self.sockets = Some(dir.clone());
        Ok(dir)
    }
}

impl Drop for WorkDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.path);
        if let Some(dir) = &self.sockets {
            let _ = fs::remove_dir_all(dir);
        }
    }
}

/// Removes `<root>/<pid>` directories whose process is gone.
fn sweep(root: &Path) {
    let Ok(entries) = fs::read_dir(root) else { return };
    for entry in entries.flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse::<libc::pid_t>().ok()) else {
            continue;
        };
        // SAFETY: signal 0 only checks whether the process exists.
        let gone = unsafe { libc::kill(pid, 0) } == -1
            && std::io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH);
        if gone {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn program_cmdline_uses_the_abi_words() {
        let uart = SocketDevice::Uart;
        assert_eq!(program_cmdline(true, uart, &[]), "terminal=com2 stderr=com3 poweroff");
        assert_eq!(program_cmdline(false, uart, &[]), "terminal=com2 stderr=com3 poweroff terminal-echo=off");
        assert_eq!(
            program_cmdline(true, SocketDevice::Virtio, &[]),
            "terminal=virtio0 stderr=virtio1 poweroff"
        );
        let extra = ["loglevel=debug".to_string(), "terminal=com1".to_string()];
        assert_eq!(
            program_cmdline(true, uart, &extra),
            "terminal=com2 stderr=com3 poweroff loglevel=debug terminal=com1"
        );
        assert_eq!(shell_cmdline(&[]), "poweroff loglevel=warn");
        assert_eq!(shell_cmdline(&extra[..1]), "poweroff loglevel=debug loglevel=warn");
    }

    #[test]
    fn work_dirs_are_removed_and_stale_ones_swept() {
        let tmp = tempfile::tempdir().unwrap();
        // A pid that cannot exist (above the kernel's pid_max limit).
        let stale = tmp.path().join("99999999");
        fs::create_dir_all(stale.join("x")).unwrap();
        let unrelated = tmp.path().join("keep");
        fs::create_dir_all(&unrelated).unwrap();
        let work = WorkDir::create(tmp.path()).unwrap();
        let path = work.path().to_path_buf();
        assert!(path.is_dir());
        assert!(!stale.exists());
        assert!(unrelated.exists());
        drop(work);
        assert!(!path.exists());
    }

    #[test]
    fn long_work_dirs_put_sockets_elsewhere() {
        let tmp = tempfile::tempdir().unwrap();
        let deep = tmp.path().join("d".repeat(120));
        let mut work = WorkDir::create(&deep).unwrap();
        let sockets = work.socket_dir().unwrap();
        assert!(sockets.join("term.sock").as_os_str().len() <= MAX_SOCKET_PATH + 20);
        assert!(!sockets.starts_with(&deep));
        drop(work);
        assert!(!sockets.exists());
    }
}
