//! What scenarios get to work with: booting a kernel into a captured
//! [`Session`], notes for the report, and [`TestFailure`].

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use qemu_runner::{
    BootMethod, Failure, IsoSpec, QemuConfig, Regex, RunnerError, Session, prepare_boot, regex,
};

/// Time allowed from QEMU's start to the boot banner (TCG on a slow CI).
pub const BOOT_TIMEOUT: Duration = Duration::from_secs(60);
/// Time allowed for any later step (a heartbeat, a test, QEMU's exit).
pub const STEP_TIMEOUT: Duration = Duration::from_secs(60);

/// Which kernel build a scenario boots.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kernel {
    /// The normal kernel, `<build>/kernel.elf`.
    Normal,
    /// The in-kernel test build, `<build>/kernel-ktest.elf`.
    Ktest,
}

impl Kernel {
    fn file_name(self) -> &'static str {
        match self {
            Kernel::Normal => "kernel.elf",
            Kernel::Ktest => "kernel-ktest.elf",
        }
    }
}

/// A scenario's environment.
pub struct Ctx {
    name: &'static str,
    build_dir: PathBuf,
    notes: Vec<String>,
    memory_mib: Option<u32>,
}

impl Ctx {
    /// The context for scenario `name`, using `build_dir` for kernels, ISOs
    /// and logs.
    pub fn new(name: &'static str, build_dir: &Path) -> Self {
        Ctx { name, build_dir: build_dir.to_path_buf(), notes: Vec::new(), memory_mib: None }
    }

    /// Gives the machines this scenario boots from now on `mib` MiB of RAM
    /// (else qemu-runner's default).
    pub fn set_memory(&mut self, mib: u32) {
        self.memory_mib = Some(mib);
    }

    /// Boots `kernel` with `cmdline` directly (QEMU's `-kernel`, PVH) in a
    /// captured session named after the scenario (serial log
    /// `<build>/logs/<scenario>.serial.log`).
    pub fn boot(&mut self, kernel: Kernel, cmdline: &str) -> Result<Session, TestFailure> {
        self.boot_by(kernel, cmdline, BootMethod::Direct)
    }

    /// [`Ctx::boot`] by `method`: [`BootMethod::Iso`] builds
    /// `<build>/iso/<scenario>.iso` and boots it through GRUB.
    pub fn boot_by(
        &mut self,
        kernel: Kernel,
        cmdline: &str,
        method: BootMethod,
    ) -> Result<Session, TestFailure> {
        let kernel_path = self.build_dir.join(kernel.file_name());
        if !kernel_path.is_file() {
            return Err(TestFailure::new(format!(
                "kernel `{}` does not exist; build it first",
                kernel_path.display()
            )));
        }
        self.start(&IsoSpec::new(kernel_path, cmdline), method)
    }

    fn start(&mut self, spec: &IsoSpec, method: BootMethod) -> Result<Session, TestFailure> {
        let iso = self.build_dir.join("iso").join(format!("{}.iso", self.name));
        let mut config = QemuConfig::new(prepare_boot(spec, method, &iso)?);
        config.log_dir = self.build_dir.join("logs");
        if let Some(mib) = self.memory_mib {
            config.memory_mib = mib;
        }
        Ok(Session::start(self.name, &config)?)
    }

    /// Boots `kernel.elf` with the boot manifest `manifest` (`default` for
    /// `build/manifest.bin`, NAME for `build/manifest-NAME.bin`, built by
    /// `make manifests` from `system.cue` / `systems/NAME.cue`).
    pub fn boot_manifest(&mut self, manifest: &str) -> Result<Session, TestFailure> {
        self.boot_manifest_by(manifest, "", BootMethod::Direct)
    }

    /// [`Ctx::boot_manifest`] with the kernel command line `cmdline`,
    /// booted by `method`.
    pub fn boot_manifest_by(
        &mut self,
        manifest: &str,
        cmdline: &str,
        method: BootMethod,
    ) -> Result<Session, TestFailure> {
        let kernel_path = self.build_dir.join(Kernel::Normal.file_name());
        let file = if manifest == "default" {
            String::from("manifest.bin")
        } else {
            format!("manifest-{manifest}.bin")
        };
        let manifest_path = self.build_dir.join(file);
        for path in [&kernel_path, &manifest_path] {
            if !path.is_file() {
                return Err(TestFailure::new(format!(
                    "`{}` does not exist; build it first (make kernel manifests)",
                    path.display()
                )));
            }
        }
        let mut spec = IsoSpec::new(kernel_path, cmdline);
        spec.modules.push(qemu_runner::IsoModule::new(manifest_path));
        self.start(&spec, method)
    }

    /// The scenario's name.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The build directory (kernels, manifests, `iso/`, `logs/`).
    pub fn build_dir(&self) -> &Path {
        &self.build_dir
    }

    /// Record information for the report (printed under the result line).
    pub fn note(&mut self, note: impl Into<String>) {
        self.notes.push(note.into());
    }

    /// The notes recorded so far.
    pub fn notes(&self) -> &[String] {
        &self.notes
    }
}

/// Why a scenario failed: a message, usually with serial context.
#[derive(Debug)]
pub struct TestFailure(String);

impl TestFailure {
    /// A failure with just a message.
    pub fn new(message: impl Into<String>) -> Self {
        TestFailure(message.into())
    }

    /// An assertion about a running session failed: the message, the last
    /// serial lines and the log path.
    pub fn in_session(session: &Session, message: impl fmt::Display) -> Self {
        let tail = session.tail(qemu_runner::REPORT_LINES);
        let mut text = format!(
            "{message}\nserial log: {}\n--- last {} serial lines ---\n",
            session.log_path().display(),
            tail.len()
        );
        for line in tail {
            text.push_str("| ");
            text.push_str(&line);
            text.push('\n');
        }
        text.push_str("---");
        TestFailure(text)
    }

    /// An assertion about a runner [`Failure`] failed: the message and the
    /// runner's full report.
    pub fn in_failure(failure: &Failure, message: impl fmt::Display) -> Self {
        TestFailure(format!("{message}\n{failure}"))
    }
}

impl fmt::Display for TestFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<Failure> for TestFailure {
    fn from(failure: Failure) -> Self {
        TestFailure(failure.to_string())
    }
}

impl From<RunnerError> for TestFailure {
    fn from(error: RunnerError) -> Self {
        TestFailure(format!("runner error: {error}"))
    }
}

/// Compile a regex the scenario code wrote (a bad one is a bug in the test).
pub fn re(pattern: &str) -> Regex {
    Regex::new(pattern).unwrap_or_else(|e| panic!("bad regex {pattern:?}: {e}"))
}

/// Fail the scenario with `message` (and the session's serial tail) unless
/// `condition` holds.
pub fn ensure(
    condition: bool,
    session: &Session,
    message: impl FnOnce() -> String,
) -> Result<(), TestFailure> {
    if condition { Ok(()) } else { Err(TestFailure::in_session(session, message())) }
}

/// Fail the scenario with `message` (and the runner's report of `failure`)
/// unless `condition` holds.
pub fn ensure_in(
    condition: bool,
    failure: &Failure,
    message: impl FnOnce() -> String,
) -> Result<(), TestFailure> {
    if condition { Ok(()) } else { Err(TestFailure::in_failure(failure, message())) }
}

/// Waits for one line matching each of `patterns`, in any order (processes
/// run concurrently, so their lines interleave unpredictably). Returns the
/// matches in the order of `patterns`.
pub fn expect_unordered(
    session: &mut Session,
    patterns: &[&str],
    timeout: Duration,
) -> Result<Vec<qemu_runner::Match>, TestFailure> {
    let regexes: Vec<Regex> = patterns.iter().map(|p| re(p)).collect();
    let mut found: Vec<Option<qemu_runner::Match>> = vec![None; patterns.len()];
    while found.iter().any(Option::is_none) {
        let waiting: Vec<String> = patterns
            .iter()
            .zip(&found)
            .filter(|(_, f)| f.is_none())
            .map(|(p, _)| format!("(?:{p})"))
            .collect();
        let line = session.expect(&re(&waiting.join("|")), timeout)?;
        if let Some(i) = (0..regexes.len()).find(|&i| found[i].is_none() && regexes[i].is_match(&line.line)) {
            found[i] = line.rematch(&regexes[i]);
        }
    }
    Ok(found.into_iter().flatten().collect())
}

/// Waits for the kernel's report that every process has ended and checks
/// that it got back every frame it had before init started and that no
/// cap-table slot is still in use (nothing the processes did leaked).
pub fn no_frames_leaked(session: &mut Session) -> Result<String, TestFailure> {
    let prefix = regex::escape(capos_abi::serial::ALL_ENDED);
    let line = session.expect(
        &re(&format!(r"{prefix}(\d+) frames free \((\d+) before init\), (\d+) cap slots in use$")),
        STEP_TIMEOUT,
    )?;
    let after: u64 = line.parse(1).map_err(TestFailure::new)?;
    let before: u64 = line.parse(2).map_err(TestFailure::new)?;
    let slots: u64 = line.parse(3).map_err(TestFailure::new)?;
    ensure(after == before, session, || {
        format!(
            "{} frames leaked: {before} free before init, {after} after every process ended",
            before.abs_diff(after)
        )
    })?;
    ensure(slots == 0, session, || format!("{slots} cap-table slots still in use with no process alive"))?;
    Ok(format!("no frames or cap slots leaked ({after} frames free)"))
}

/// Waits until the partial line (a prompt, which ends without a newline)
/// ends with `want`.
pub fn wait_partial(session: &mut Session, want: &str, timeout: Duration) -> Result<(), TestFailure> {
    let deadline = Instant::now() + timeout;
    loop {
        if session.partial().ends_with(want) {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(TestFailure::in_session(
                session,
                format!("no prompt {want:?}; the partial line is {:?}", session.partial()),
            ));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Types `line` and Enter once `prompt` is shown, then expects the echoed
/// line and each of `output` (regexes) in order.
pub fn type_at_prompt(
    session: &mut Session,
    prompt: &str,
    line: &str,
    output: &[&str],
) -> Result<(), TestFailure> {
    wait_partial(session, prompt, STEP_TIMEOUT)?;
    session.send(format!("{line}\r").as_bytes())?;
    session.expect(&re(&format!("^{}$", regex::escape(&format!("{prompt}{line}")))), STEP_TIMEOUT)?;
    for pattern in output {
        session.expect(&re(pattern), STEP_TIMEOUT)?;
    }
    Ok(())
}
