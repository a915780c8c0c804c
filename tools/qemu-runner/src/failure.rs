//! How a captured run went wrong, and how that is decided from the serial
//! transcript and QEMU's exit status (`docs/serial-protocol.md`).

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use capos_abi::{qemu_exit, serial};

/// How many serial lines a failure report shows.
pub const REPORT_LINES: usize = 60;

/// How QEMU ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitKind {
    /// The kernel wrote [`qemu_exit::SUCCESS`] to `isa-debug-exit` (status 33).
    Success,
    /// The kernel wrote [`qemu_exit::FAILURE`] to `isa-debug-exit` (status 35).
    KernelFailure,
    /// Status 0 without a debug-exit code: the guest reset (a triple fault
    /// under `-no-reboot`), or a user quit an interactive QEMU.
    Reset,
    /// Any other exit status (QEMU itself failed, e.g. a bad option).
    Code(i32),
    /// QEMU was killed by a signal it did not get from the runner.
    Signal(i32),
    /// The runner killed QEMU (timeout, or it did not exit after a failure).
    Killed,
}

impl fmt::Display for ExitKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExitKind::Success => write!(
                f,
                "exited with the success code (status {})",
                qemu_exit::host_status(qemu_exit::SUCCESS)
            ),
            ExitKind::KernelFailure => write!(
                f,
                "exited with the kernel's failure code (status {})",
                qemu_exit::host_status(qemu_exit::FAILURE)
            ),
            ExitKind::Reset => {
                f.write_str("exited with status 0 and no debug-exit code (guest reset, e.g. a triple fault)")
            }
            ExitKind::Code(code) => write!(f, "exited with status {code}"),
            ExitKind::Signal(signal) => write!(f, "was killed by signal {signal}"),
            ExitKind::Killed => f.write_str("was killed by the runner"),
        }
    }
}

/// The kinds of [`Failure`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FailureKind {
    /// A line starting with [`serial::PANIC`].
    KernelPanic,
    /// A CPU exception dump: a line starting with [`serial::EXCEPTION`]
    /// (through the [`serial::KERNEL_FAULT`] line).
    Exception,
    /// QEMU exited with the kernel's failure code and no panic or exception
    /// line (e.g. a failed in-kernel test).
    KernelFailureExit,
    /// QEMU exited with status 0 and no debug-exit code (a triple fault).
    Reset,
    /// QEMU exited with another status, or could not run the machine.
    QemuError,
    /// The deadline passed; QEMU was killed.
    Timeout,
    /// QEMU exited with the success code while a line was still expected.
    UnexpectedExit,
}

impl FailureKind {
    /// A short human name.
    pub fn name(self) -> &'static str {
        match self {
            FailureKind::KernelPanic => "kernel panic",
            FailureKind::Exception => "CPU exception",
            FailureKind::KernelFailureExit => "kernel failure exit",
            FailureKind::Reset => "reset",
            FailureKind::QemuError => "QEMU error",
            FailureKind::Timeout => "timeout",
            FailureKind::UnexpectedExit => "unexpected exit",
        }
    }
}

impl fmt::Display for FailureKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The failure marker a serial line carries, if any.
pub(crate) fn marker(line: &str) -> Option<FailureKind> {
    if line.starts_with(serial::PANIC) {
        Some(FailureKind::KernelPanic)
    } else if line.starts_with(serial::EXCEPTION) {
        Some(FailureKind::Exception)
    } else {
        None
    }
}

/// Where the dump that starts at `lines[start]` ends (exclusive), and
/// whether it is complete: an exception dump runs through the
/// [`serial::KERNEL_FAULT`] line; otherwise (and for a panic) it runs to
/// the end of the transcript.
pub(crate) fn dump_end(lines: &[String], start: usize, kind: FailureKind) -> (usize, bool) {
    if kind == FailureKind::Exception
        && let Some(offset) = lines[start + 1..].iter().position(|l| l.starts_with(serial::KERNEL_FAULT))
    {
        return (start + 1 + offset + 1, true);
    }
    (lines.len(), false)
}

/// The failure an exit means when no marker line was seen; `None` for
/// [`ExitKind::Success`].
pub(crate) fn exit_failure(exit: ExitKind) -> Option<FailureKind> {
    match exit {
        ExitKind::Success => None,
        ExitKind::KernelFailure => Some(FailureKind::KernelFailureExit),
        ExitKind::Reset => Some(FailureKind::Reset),
        ExitKind::Code(_) | ExitKind::Signal(_) => Some(FailureKind::QemuError),
        ExitKind::Killed => Some(FailureKind::Timeout),
    }
}

/// The verdict on a finished run: the first failure marker in `lines` wins;
/// without one, the exit decides (`None` = QEMU was still running when the
/// wait ended, i.e. a timeout). `Ok(())` only for a clean
/// [`ExitKind::Success`].
///
/// [`crate::Session`] reaches the same verdict while it waits.
pub fn classify(lines: &[String], exit: Option<ExitKind>) -> Result<(), FailureKind> {
    if let Some(kind) = lines.iter().find_map(|l| marker(l)) {
        return Err(kind);
    }
    match exit.map(exit_failure) {
        Some(None) => Ok(()),
        Some(Some(kind)) => Err(kind),
        None => Err(FailureKind::Timeout),
    }
}

/// A captured run that went wrong, with everything needed to report it.
///
/// Its `Display` names the kind, says how QEMU ended, and prints the last
/// [`REPORT_LINES`] serial lines and QEMU's stderr (if any).
#[derive(Clone, Debug)]
pub struct Failure(pub(crate) Box<Report>);

/// The contents of a [`Failure`] (boxed: a `Result<_, Failure>` stays small).
#[derive(Clone, Debug)]
pub(crate) struct Report {
    pub(crate) kind: FailureKind,
    pub(crate) session: String,
    pub(crate) detail: String,
    pub(crate) exit: Option<ExitKind>,
    pub(crate) elapsed: Duration,
    pub(crate) lines: Vec<String>,
    pub(crate) dump: Range<usize>,
    pub(crate) stderr: String,
    pub(crate) log_path: Option<PathBuf>,
}

impl Failure {
    /// What went wrong.
    pub fn kind(&self) -> FailureKind {
        self.0.kind
    }

    /// The session's name.
    pub fn session(&self) -> &str {
        &self.0.session
    }

    /// One line of detail: the panic or exception line, or what was awaited.
    pub fn detail(&self) -> &str {
        &self.0.detail
    }

    /// How QEMU ended; `None` if it was left running (the session still
    /// owns it and kills it when dropped).
    pub fn exit(&self) -> Option<ExitKind> {
        self.0.exit
    }

    /// Time from QEMU's start to the failure: the arrival of the panic or
    /// exception line, or when the runner noticed the exit or the deadline.
    pub fn elapsed(&self) -> Duration {
        self.0.elapsed
    }

    /// The whole serial transcript (a trailing partial line included).
    pub fn transcript(&self) -> &[String] {
        &self.0.lines
    }

    /// The panic or exception dump: from the marker line through the
    /// [`serial::KERNEL_FAULT`] line (or the end of the transcript). Empty
    /// for the other kinds.
    pub fn dump(&self) -> &[String] {
        &self.0.lines[self.0.dump.clone()]
    }

    /// What QEMU wrote on stderr.
    pub fn stderr(&self) -> &str {
        &self.0.stderr
    }

    /// The serial log file of the session.
    pub fn log_path(&self) -> Option<&Path> {
        self.0.log_path.as_deref()
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} in QEMU session `{}` after {:.2} s: {}",
            self.0.kind,
            self.0.session,
            self.0.elapsed.as_secs_f64(),
            self.0.detail
        )?;
        match self.0.exit {
            Some(exit) => writeln!(f, "QEMU {exit}")?,
            None => writeln!(f, "QEMU is still running")?,
        }
        if let Some(path) = &self.0.log_path {
            writeln!(f, "serial log: {}", path.display())?;
        }
        let shown = self.0.lines.len().min(REPORT_LINES);
        writeln!(f, "--- last {shown} of {} serial lines ---", self.0.lines.len())?;
        for line in &self.0.lines[self.0.lines.len() - shown..] {
            writeln!(f, "| {line}")?;
        }
        let stderr = self.0.stderr.trim_end();
        if !stderr.is_empty() {
            writeln!(f, "--- QEMU stderr ---")?;
            for line in stderr.lines() {
                writeln!(f, "| {line}")?;
            }
        }
        write!(f, "---")
    }
}

impl std::error::Error for Failure {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::process::ExitStatusExt;
    use std::process::ExitStatus;

    fn lines(text: &str) -> Vec<String> {
        text.lines().map(str::to_owned).collect()
    }

    fn exited(code: i32) -> ExitKind {
        ExitKind::from_status(ExitStatus::from_raw(code << 8))
    }

    #[test]
    fn exit_statuses() {
        assert_eq!(exited(33), ExitKind::Success);
        assert_eq!(exited(35), ExitKind::KernelFailure);
        assert_eq!(exited(0), ExitKind::Reset);
        assert_eq!(exited(1), ExitKind::Code(1));
        assert_eq!(ExitKind::from_status(ExitStatus::from_raw(9)), ExitKind::Signal(9));
    }

    #[test]
    fn clean_success() {
        let t = lines("capOS 0.1.0\nktest: 3 passed, 0 failed");
        assert_eq!(classify(&t, Some(ExitKind::Success)), Ok(()));
    }

    #[test]
    fn markers_win_over_exit_status() {
        let panic = lines("capOS 0.1.0\nKERNEL PANIC at src/main.rs:1:2: boom");
        for exit in [Some(ExitKind::KernelFailure), Some(ExitKind::Success), None] {
            assert_eq!(classify(&panic, exit), Err(FailureKind::KernelPanic));
        }
        let exception = lines("EXCEPTION #PF page fault\n  RIP=0x0\nKERNEL FAULT: x");
        assert_eq!(classify(&exception, Some(ExitKind::KernelFailure)), Err(FailureKind::Exception));
    }

    #[test]
    fn markers_must_start_the_line() {
        let t = lines("[ 0.1] INFO x: no KERNEL PANIC here\n  EXCEPTION in text");
        assert_eq!(classify(&t, Some(ExitKind::Success)), Ok(()));
    }

    #[test]
    fn exit_without_markers() {
        let t = lines("capOS 0.1.0");
        let cases = [
            (Some(ExitKind::KernelFailure), FailureKind::KernelFailureExit),
            (Some(ExitKind::Reset), FailureKind::Reset),
            (Some(ExitKind::Code(1)), FailureKind::QemuError),
            (Some(ExitKind::Signal(11)), FailureKind::QemuError),
            (Some(ExitKind::Killed), FailureKind::Timeout),
            (None, FailureKind::Timeout),
        ];
        for (exit, kind) in cases {
            assert_eq!(classify(&t, exit), Err(kind), "{exit:?}");
        }
    }

    #[test]
    fn exception_dump_runs_through_kernel_fault() {
        let t = lines(
            "capOS\nEXCEPTION #PF page fault (vector 14)\n  RIP=0x1\n  CR2=0x2\n\
             KERNEL FAULT: unrecoverable\nafter",
        );
        assert_eq!(dump_end(&t, 1, FailureKind::Exception), (5, true));
        let cut = lines("EXCEPTION #DF\n  RIP=0x1");
        assert_eq!(dump_end(&cut, 0, FailureKind::Exception), (2, false));
        let panic = lines("KERNEL PANIC at a:1:1: x\nmore");
        assert_eq!(dump_end(&panic, 0, FailureKind::KernelPanic), (2, false));
    }

    #[test]
    fn display_names_kind_and_shows_last_lines() {
        let mut all: Vec<String> = (0..100).map(|i| format!("line {i}")).collect();
        all.push("KERNEL PANIC at a.rs:1:1: boom".into());
        let failure = Failure(Box::new(Report {
            kind: FailureKind::KernelPanic,
            session: "demo".into(),
            detail: "KERNEL PANIC at a.rs:1:1: boom".into(),
            exit: Some(ExitKind::KernelFailure),
            elapsed: Duration::from_millis(1500),
            lines: all,
            dump: 100..101,
            stderr: "qemu-system-x86_64: warning: TCG doesn't support feature\n".into(),
            log_path: None,
        }));
        let text = failure.to_string();
        assert!(text.starts_with("kernel panic in QEMU session `demo` after 1.50 s"), "{text}");
        assert!(text.contains("failure code (status 35)"), "{text}");
        assert!(text.contains("last 60 of 101 serial lines"), "{text}");
        assert!(text.contains("| line 41\n"), "{text}");
        assert!(!text.contains("| line 40\n"), "{text}");
        assert!(text.contains("--- QEMU stderr ---\n| qemu-system-x86_64: warning"), "{text}");
        assert_eq!(failure.dump(), ["KERNEL PANIC at a.rs:1:1: boom"]);
    }
}
