//! A captured QEMU run: serial lines in, verdicts out.
//!
//! A reader thread turns QEMU's stdout (the serial console) into lines, keeps
//! them in memory with their arrival time and appends them to
//! `<log_dir>/<name>.serial.log`. The waiting methods ([`Session::expect`],
//! [`Session::wait_exit`]) watch every new line for failure markers and poll
//! QEMU's exit, so a panic, an exception dump, a reset or a hang ends the wait
//! with a [`Failure`] instead of a silent timeout.

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

use regex::Regex;

use crate::failure::{self, ExitKind, Failure, FailureKind, Report};
use crate::qemu::display;
use crate::{LineSplitter, Mode, QemuConfig, RunnerError};

/// After a panic or exception line, how long to wait for the rest of the
/// dump and for QEMU to exit before killing it.
const FAILURE_GRACE: Duration = Duration::from_secs(10);
/// After QEMU exits (or is killed), how long to wait for the readers to
/// reach the end of its output.
const DRAIN_GRACE: Duration = Duration::from_secs(2);
/// How often a wait polls QEMU's exit status.
const POLL: Duration = Duration::from_millis(50);

/// One serial line and when it arrived.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    /// The text, without `\r` and `\n` (invalid UTF-8 replaced).
    pub text: String,
    /// Time from QEMU's start to the line's end arriving.
    pub at: Duration,
}

/// A line found by [`Session::expect`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Match {
    /// The whole line.
    pub line: String,
    /// The regex's capture groups by index (0 = the whole match).
    pub captures: Vec<Option<String>>,
    /// Time from QEMU's start to the line's arrival.
    pub elapsed_since_start: Duration,
    /// The line's index in the transcript.
    pub index: usize,
    names: Vec<Option<String>>,
}

impl Match {
    /// Capture group `i`, if it participated in the match.
    pub fn get(&self, i: usize) -> Option<&str> {
        self.captures.get(i)?.as_deref()
    }

    /// The named capture group `name`, if it participated in the match.
    pub fn name(&self, name: &str) -> Option<&str> {
        let i = self.names.iter().position(|n| n.as_deref() == Some(name))?;
        self.get(i)
    }

    /// The same line matched against another regex (its own groups), or
    /// `None` if it does not match.
    pub fn rematch(&self, regex: &Regex) -> Option<Match> {
        let caps = regex.captures(&self.line)?;
        Some(Match {
            line: self.line.clone(),
            captures: caps.iter().map(|m| m.map(|m| m.as_str().to_string())).collect(),
            elapsed_since_start: self.elapsed_since_start,
            index: self.index,
            names: regex.capture_names().map(|n| n.map(str::to_string)).collect(),
        })
    }

    /// Capture group `i` parsed as a `T` (e.g. a number), with an error
    /// message naming the group and the line.
    pub fn parse<T: std::str::FromStr>(&self, i: usize) -> Result<T, String> {
        let text = self.get(i).ok_or_else(|| format!("group {i} did not match in {:?}", self.line))?;
        text.parse().map_err(|_| format!("cannot parse {text:?} (group {i}) in {:?}", self.line))
    }
}

/// What the reader threads share with the session.
#[derive(Default)]
struct State {
    lines: Vec<Line>,
    partial: String,
    stdout_done: bool,
    stderr: Vec<u8>,
    stderr_done: bool,
    echo: bool,
}

#[derive(Default)]
struct Shared {
    state: Mutex<State>,
    changed: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A reader thread that panicked leaves consistent data behind.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// What a wait is for.
#[derive(Clone, Copy)]
enum Want<'a> {
    Line(&'a Regex),
    Exit,
}

impl Want<'_> {
    fn describe(&self) -> String {
        match self {
            Want::Line(re) => format!("a line matching /{}/", re.as_str()),
            Want::Exit => "QEMU to exit".to_owned(),
        }
    }
}

enum Scan {
    Match(Match),
    Marker(FailureKind, usize),
    Nothing,
}

/// A QEMU run in [`Mode::Captured`]. QEMU is killed when the session is
/// dropped.
pub struct Session {
    name: String,
    child: Child,
    stdin: Option<ChildStdin>,
    shared: Arc<Shared>,
    started: Instant,
    log_path: PathBuf,
    /// Lines before this index are not searched by `expect` any more.
    consumed: usize,
    /// Lines before this index were checked for failure markers.
    checked: usize,
    exit: Option<ExitKind>,
    failed: Option<Failure>,
}

impl Session {
    /// Start QEMU for `config` in captured mode. `name` names the serial log
    /// (`<config.log_dir>/<name>.serial.log` unless
    /// [`QemuConfig::serial_log`] is set; truncated) and the reports.
    pub fn start(name: &str, config: &QemuConfig) -> Result<Session, RunnerError> {
        config.check()?;
        let log_path = match &config.serial_log {
            Some(path) => path.clone(),
            None => {
                let file_name: String = name
                    .chars()
                    .map(|c| if c.is_ascii_alphanumeric() || "-_.".contains(c) { c } else { '_' })
                    .collect();
                config.log_dir.join(format!("{file_name}.serial.log"))
            }
        };
        if let Some(dir) = log_path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| RunnerError::io(format!("creating {}", dir.display()), e))?;
        }
        let log = File::create(&log_path)
            .map_err(|e| RunnerError::io(format!("creating {}", log_path.display()), e))?;

        let mut command = config.command(Mode::Captured);
        let started = Instant::now();
        let mut child = command.spawn().map_err(|e| {
            if e.kind() == io::ErrorKind::NotFound {
                RunnerError::ToolMissing { tool: display(&config.qemu_binary), purpose: "to run capOS" }
            } else {
                RunnerError::io(format!("starting {}", display(&config.qemu_binary)), e)
            }
        })?;
        let stdout = child.stdout.take().expect("captured mode pipes stdout");
        let stderr = child.stderr.take().expect("captured mode pipes stderr");
        let stdin = child.stdin.take();

        let shared = Arc::new(Shared::default());
        let spawned = spawn_stdout_reader(stdout, log, Arc::clone(&shared), started)
            .and_then(|()| spawn_stderr_reader(stderr, Arc::clone(&shared)));
        if let Err(e) = spawned {
            let _ = child.kill();
            let _ = child.wait();
            return Err(RunnerError::io("starting a reader thread", e));
        }
        Ok(Session {
            name: name.to_owned(),
            child,
            stdin,
            shared,
            started,
            log_path,
            consumed: 0,
            checked: 0,
            exit: None,
            failed: None,
        })
    }

    /// The session's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The serial log file.
    pub fn log_path(&self) -> &Path {
        &self.log_path
    }

    /// QEMU's process id.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// When QEMU was started (line times and [`Match::elapsed_since_start`]
    /// count from here).
    pub fn started(&self) -> Instant {
        self.started
    }

    /// Time since QEMU was started.
    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// How QEMU ended, once a wait has seen it end.
    pub fn exit_kind(&self) -> Option<ExitKind> {
        self.exit
    }

    /// Echo serial lines to this process's stdout as they arrive (lines
    /// received so far are printed first).
    pub fn set_echo(&self, echo: bool) {
        let mut state = self.shared.lock();
        if echo && !state.echo {
            let mut out = io::stdout().lock();
            for line in &state.lines {
                let _ = writeln!(out, "{}", line.text);
            }
            let _ = out.flush();
        }
        state.echo = echo;
    }

    /// Wait up to `timeout` for a line matching `re`, searching the lines
    /// after the last one an earlier `expect` matched. The matching line is
    /// consumed: the next `expect` starts after it.
    ///
    /// Fails on a panic or exception line (the whole dump is collected
    /// first), on QEMU's exit (with any status) and at the deadline, which
    /// kills QEMU. Once a session has failed, every wait returns that failure.
    pub fn expect(&mut self, re: &Regex, timeout: Duration) -> Result<Match, Failure> {
        match self.wait(Want::Line(re), timeout)? {
            Waited::Line(found) => Ok(found),
            Waited::Exit(_) => unreachable!("a line wait returns a line"),
        }
    }

    /// Wait up to `timeout` for QEMU to exit. `Ok` only for
    /// [`ExitKind::Success`] with no failure marker on the way; a panic, an
    /// exception, any other exit and the deadline (which kills QEMU) are a
    /// [`Failure`].
    pub fn wait_exit(&mut self, timeout: Duration) -> Result<ExitKind, Failure> {
        match self.wait(Want::Exit, timeout)? {
            Waited::Exit(kind) => Ok(kind),
            Waited::Line(_) => unreachable!("an exit wait returns an exit"),
        }
    }

    /// Write `bytes` to the serial console (QEMU's stdin).
    pub fn send(&mut self, bytes: &[u8]) -> Result<(), RunnerError> {
        let stdin = self.stdin.as_mut().ok_or_else(|| {
            RunnerError::io("sending to the serial console", io::ErrorKind::BrokenPipe.into())
        })?;
        stdin
            .write_all(bytes)
            .and_then(|()| stdin.flush())
            .map_err(|e| RunnerError::io("sending to the serial console", e))
    }

    /// Every line so far, with a trailing partial line (text after the last
    /// newline) if there is one.
    pub fn transcript(&self) -> Vec<String> {
        let state = self.shared.lock();
        transcript_of(&state)
    }

    /// The complete lines so far, with their arrival times.
    pub fn lines(&self) -> Vec<Line> {
        self.shared.lock().lines.clone()
    }

    /// The text after the last newline (e.g. a prompt).
    pub fn partial(&self) -> String {
        self.shared.lock().partial.clone()
    }

    /// The last `n` lines of [`Session::transcript`].
    pub fn tail(&self, n: usize) -> Vec<String> {
        let mut lines = self.transcript();
        let skip = lines.len().saturating_sub(n);
        lines.drain(..skip);
        lines
    }

    /// What QEMU has written on stderr so far.
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.shared.lock().stderr).into_owned()
    }

    /// Kill QEMU if it is still running and wait for its output to end.
    pub fn kill(&mut self) {
        self.reap(true);
        self.drain();
    }

    fn wait(&mut self, want: Want<'_>, timeout: Duration) -> Result<Waited, Failure> {
        if let Some(failure) = &self.failed {
            return Err(failure.clone());
        }
        let deadline = Instant::now() + timeout;
        loop {
            match self.scan(want) {
                Scan::Match(found) => return Ok(Waited::Line(found)),
                Scan::Marker(kind, index) => return Err(self.marker_failure(kind, index)),
                Scan::Nothing => {}
            }
            if let Some(exit) = self.exit {
                // Everything QEMU printed has been scanned.
                return match (failure::exit_failure(exit), want) {
                    (None, Want::Exit) => Ok(Waited::Exit(exit)),
                    (None, Want::Line(_)) => Err(self.fail(
                        FailureKind::UnexpectedExit,
                        format!("QEMU ended before {} appeared", want.describe()),
                    )),
                    (Some(kind), Want::Exit) => {
                        Err(self.fail(kind, "QEMU ended without the success code".to_owned()))
                    }
                    (Some(kind), Want::Line(_)) => {
                        Err(self.fail(kind, format!("QEMU ended while waiting for {}", want.describe())))
                    }
                };
            }
            if self.reap(false) {
                // Read the rest of the output, then scan it before deciding.
                self.drain();
                continue;
            }
            let now = Instant::now();
            if now >= deadline {
                self.reap(true);
                self.drain();
                if self.exit != Some(ExitKind::Killed) {
                    // QEMU ended on its own just now: judge that exit.
                    continue;
                }
                if let Scan::Marker(kind, index) = self.scan(Want::Exit) {
                    return Err(self.marker_failure(kind, index));
                }
                return Err(self.fail(
                    FailureKind::Timeout,
                    format!("waited {:.1} s for {}", timeout.as_secs_f64(), want.describe()),
                ));
            }
            self.wait_for_change((deadline - now).min(POLL));
        }
    }

    /// Check new lines for markers and (for a line wait) the pattern.
    fn scan(&mut self, want: Want<'_>) -> Scan {
        let state = self.shared.lock();
        let start = match want {
            Want::Line(_) => self.consumed,
            Want::Exit => self.checked,
        };
        for (index, line) in state.lines.iter().enumerate().skip(start) {
            if index >= self.checked {
                self.checked = index + 1;
                if let Some(kind) = failure::marker(&line.text) {
                    return Scan::Marker(kind, index);
                }
            }
            if let Want::Line(re) = want
                && let Some(caps) = re.captures(&line.text)
            {
                self.consumed = index + 1;
                return Scan::Match(Match {
                    line: line.text.clone(),
                    captures: caps.iter().map(|m| m.map(|m| m.as_str().to_owned())).collect(),
                    elapsed_since_start: line.at,
                    index,
                    names: re.capture_names().map(|n| n.map(str::to_owned)).collect(),
                });
            }
        }
        Scan::Nothing
    }

    /// A panic or exception line was seen at `index`: collect the rest of
    /// the dump, let QEMU exit (or kill it), and report.
    fn marker_failure(&mut self, kind: FailureKind, index: usize) -> Failure {
        // The kernel prints the whole dump (through `KERNEL FAULT`) and then
        // exits QEMU with the failure code; give it a grace period to do so.
        let grace = Instant::now() + FAILURE_GRACE;
        while !self.reap(false) && Instant::now() < grace {
            thread::sleep(POLL);
        }
        self.reap(true);
        self.drain();
        let (detail, dump, at) = {
            let state = self.shared.lock();
            let texts = transcript_of(&state);
            let (end, _) = failure::dump_end(&texts, index, kind);
            (texts[index].clone(), index..end, state.lines[index].at)
        };
        let mut failure = self.fail(kind, detail);
        failure.0.dump = dump;
        failure.0.elapsed = at;
        self.failed = Some(failure.clone());
        failure
    }

    /// Build (and remember) a failure from the current state.
    fn fail(&mut self, kind: FailureKind, detail: String) -> Failure {
        let state = self.shared.lock();
        let failure = Failure(Box::new(Report {
            kind,
            session: self.name.clone(),
            detail,
            exit: self.exit,
            elapsed: self.started.elapsed(),
            lines: transcript_of(&state),
            dump: 0..0,
            stderr: String::from_utf8_lossy(&state.stderr).into_owned(),
            log_path: Some(self.log_path.clone()),
        }));
        drop(state);
        self.failed = Some(failure.clone());
        failure
    }

    /// Record QEMU's exit if it has ended; with `kill`, end it first.
    /// Returns whether QEMU has exited (by now).
    fn reap(&mut self, kill: bool) -> bool {
        if self.exit.is_some() {
            return true;
        }
        match self.child.try_wait() {
            Ok(Some(status)) => {
                self.exit = Some(ExitKind::from_status(status));
                true
            }
            _ if kill => {
                let _ = self.child.kill();
                let _ = self.child.wait();
                self.exit = Some(ExitKind::Killed);
                // Nobody reads the console of a dead machine.
                self.stdin = None;
                true
            }
            _ => false,
        }
    }

    /// Wait (briefly) until the readers have seen the end of QEMU's output.
    fn drain(&self) {
        let deadline = Instant::now() + DRAIN_GRACE;
        let mut state = self.shared.lock();
        while !(state.stdout_done && state.stderr_done) {
            let now = Instant::now();
            if now >= deadline {
                break;
            }
            state =
                self.shared.changed.wait_timeout(state, deadline - now).unwrap_or_else(|e| e.into_inner()).0;
        }
    }

    /// Sleep until a reader reports something or `timeout` passes.
    fn wait_for_change(&self, timeout: Duration) {
        let state = self.shared.lock();
        if state.lines.len() > self.checked.max(self.consumed) {
            return;
        }
        let _ = self.shared.changed.wait_timeout(state, timeout);
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.reap(true);
    }
}

enum Waited {
    Line(Match),
    Exit(ExitKind),
}

fn transcript_of(state: &State) -> Vec<String> {
    let mut lines: Vec<String> = state.lines.iter().map(|l| l.text.clone()).collect();
    if !state.partial.is_empty() {
        lines.push(state.partial.clone());
    }
    lines
}

fn spawn_stdout_reader(
    mut stdout: impl Read + Send + 'static,
    mut log: File,
    shared: Arc<Shared>,
    started: Instant,
) -> io::Result<()> {
    thread::Builder::new()
        .name("qemu-serial".into())
        .spawn(move || {
            let mut splitter = LineSplitter::new();
            let mut buf = [0u8; 4096];
            let mut add = |text: String, state: &mut State| {
                let _ = writeln!(log, "{text}");
                if state.echo {
                    let mut out = io::stdout().lock();
                    let _ = writeln!(out, "{text}");
                    let _ = out.flush();
                }
                state.lines.push(Line { text, at: started.elapsed() });
            };
            loop {
                let n = match stdout.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(_) => break,
                };
                let lines = splitter.push(&buf[..n]);
                let mut state = shared.lock();
                for text in lines {
                    add(text, &mut state);
                }
                state.partial = splitter.partial();
                drop(state);
                shared.changed.notify_all();
            }
            let mut state = shared.lock();
            if let Some(text) = splitter.finish() {
                add(text, &mut state);
            }
            state.partial.clear();
            state.stdout_done = true;
            drop(state);
            shared.changed.notify_all();
        })
        .map(drop)
}

fn spawn_stderr_reader(mut stderr: impl Read + Send + 'static, shared: Arc<Shared>) -> io::Result<()> {
    thread::Builder::new()
        .name("qemu-stderr".into())
        .spawn(move || {
            let mut buf = [0u8; 4096];
            loop {
                let n = match stderr.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(_) => break,
                };
                shared.lock().stderr.extend_from_slice(&buf[..n]);
                shared.changed.notify_all();
            }
            shared.lock().stderr_done = true;
            shared.changed.notify_all();
        })
        .map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    struct Fake {
        dir: tempfile::TempDir,
        config: QemuConfig,
    }

    /// A fake QEMU: a shell script with `body`, run in place of QEMU.
    fn fake(body: &str) -> Fake {
        let _guard = crate::TEST_SPAWN_LOCK.lock().unwrap_or_else(|e| e.into_inner());
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("fake-qemu");
        std::fs::write(&script, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        let iso = dir.path().join("test.iso");
        std::fs::write(&iso, b"not really an ISO").unwrap();
        let mut config = QemuConfig::new(crate::Boot::Iso(iso));
        config.qemu_binary = script;
        config.log_dir = dir.path().join("logs");
        Fake { dir, config }
    }

    fn start(fake: &Fake) -> Session {
        let _guard = crate::TEST_SPAWN_LOCK.lock().unwrap_or_else(|e| e.into_inner());
        Session::start("fake", &fake.config).unwrap()
    }

    fn re(pattern: &str) -> Regex {
        Regex::new(pattern).unwrap()
    }

    const SHORT: Duration = Duration::from_secs(10);

    #[test]
    fn lines_matches_and_success_exit() {
        let fake = fake(
            r"printf 'noise\033[2J\r\ncapOS 0.1.0 (x86_64)\r\n  frames: 5 free of 10 usable\r\n'
sleep 0.2
printf 'n 1\r\nn 2\r\n'
exit 33",
        );
        let mut session = start(&fake);
        let banner = session.expect(&re(r"capOS (\d+\.\d+\.\d+)"), SHORT).unwrap();
        assert_eq!(banner.line, "capOS 0.1.0 (x86_64)");
        assert_eq!(banner.get(1), Some("0.1.0"));
        assert_eq!(banner.index, 1);
        let frames = session.expect(&re(r"frames: (?P<free>\d+) free of (\d+) usable"), SHORT).unwrap();
        assert_eq!(frames.parse::<u64>(1), Ok(5));
        assert_eq!(frames.name("free"), Some("5"));
        assert_eq!(frames.parse::<u64>(2), Ok(10));
        assert!(frames.parse::<u64>(3).is_err());
        // Each expect starts after the previous match.
        let first = session.expect(&re(r"^n (\d)"), SHORT).unwrap();
        let second = session.expect(&re(r"^n (\d)"), SHORT).unwrap();
        assert_eq!((first.get(1), second.get(1)), (Some("1"), Some("2")));
        assert!(second.elapsed_since_start >= frames.elapsed_since_start);
        assert!(second.elapsed_since_start >= Duration::from_millis(150));
        assert_eq!(session.wait_exit(SHORT).unwrap(), ExitKind::Success);
        assert_eq!(session.exit_kind(), Some(ExitKind::Success));
        assert_eq!(session.tail(2), ["n 1", "n 2"]);
        let log = std::fs::read_to_string(fake.config.log_dir.join("fake.serial.log")).unwrap();
        assert_eq!(log, session.transcript().join("\n") + "\n");
    }

    #[test]
    fn panic_is_detected_with_failure_exit() {
        let fake = fake("printf 'capOS 0.1.0\\nKERNEL PANIC at src/main.rs:10:5: boom\\n'\nexit 35");
        let mut session = start(&fake);
        let failure = session.expect(&re("never"), SHORT).unwrap_err();
        assert_eq!(failure.kind(), FailureKind::KernelPanic);
        assert_eq!(failure.exit(), Some(ExitKind::KernelFailure));
        assert_eq!(failure.detail(), "KERNEL PANIC at src/main.rs:10:5: boom");
        assert_eq!(failure.dump(), ["KERNEL PANIC at src/main.rs:10:5: boom"]);
        // The session stays failed.
        let again = session.wait_exit(SHORT).unwrap_err();
        assert_eq!(again.kind(), FailureKind::KernelPanic);
    }

    #[test]
    fn panic_wins_over_a_later_matching_line() {
        let fake = fake("printf 'x\\nKERNEL PANIC at a:1:1: p\\nwanted\\n'\nexit 35");
        let mut session = start(&fake);
        let failure = session.expect(&re("wanted"), SHORT).unwrap_err();
        assert_eq!(failure.kind(), FailureKind::KernelPanic);
        assert_eq!(failure.transcript().last().map(String::as_str), Some("wanted"));
    }

    #[test]
    fn exception_dump_is_collected_until_kernel_fault() {
        let fake = fake(
            r"printf 'capOS 0.1.0\nEXCEPTION #PF page fault (vector 14) in kernel mode, error code 0x0000000000000002\n'
sleep 0.3
printf '  RIP=0xffffffff80012345 CS=0x0008\n'
sleep 0.3
printf '  CR2=0x00000dead0000000\nKERNEL FAULT: unrecoverable exception in kernel mode\n'
exit 35",
        );
        let mut session = start(&fake);
        let failure = session.wait_exit(SHORT).unwrap_err();
        assert_eq!(failure.kind(), FailureKind::Exception);
        assert_eq!(failure.exit(), Some(ExitKind::KernelFailure));
        let dump = failure.dump();
        assert_eq!(dump.len(), 4, "{dump:?}");
        assert!(dump[0].starts_with("EXCEPTION #PF"));
        assert!(dump[3].starts_with("KERNEL FAULT"));
        let report = failure.to_string();
        assert!(report.starts_with("CPU exception in QEMU session `fake`"), "{report}");
        assert!(report.contains("| KERNEL FAULT: unrecoverable"), "{report}");
    }

    #[test]
    fn exit_statuses_without_markers() {
        let cases = [
            ("exit 35", FailureKind::KernelFailureExit, ExitKind::KernelFailure),
            ("exit 0", FailureKind::Reset, ExitKind::Reset),
            ("exit 1", FailureKind::QemuError, ExitKind::Code(1)),
            ("kill -SEGV $$", FailureKind::QemuError, ExitKind::Signal(11)),
        ];
        for (body, kind, exit) in cases {
            let fake = fake(&format!("echo capOS 0.1.0\n{body}"));
            let mut session = start(&fake);
            let failure = session.wait_exit(SHORT).unwrap_err();
            assert_eq!((failure.kind(), failure.exit()), (kind, Some(exit)), "{body}");
            assert_eq!(failure.transcript(), ["capOS 0.1.0"]);
        }
    }

    #[test]
    fn qemu_error_reports_stderr() {
        let fake = fake("echo 'qemu-system-x86_64: -cdrom x: Could not open' >&2\nexit 1");
        let mut session = start(&fake);
        let failure = session.expect(&re("capOS"), SHORT).unwrap_err();
        assert_eq!(failure.kind(), FailureKind::QemuError);
        assert!(failure.stderr().contains("Could not open"));
        let report = failure.to_string();
        assert!(report.contains("--- QEMU stderr ---\n| qemu-system-x86_64: -cdrom"), "{report}");
    }

    #[test]
    fn success_exit_while_expecting_a_line() {
        let fake = fake("echo capOS 0.1.0\nexit 33");
        let mut session = start(&fake);
        let failure = session.expect(&re("never"), SHORT).unwrap_err();
        assert_eq!(failure.kind(), FailureKind::UnexpectedExit);
        assert_eq!(failure.exit(), Some(ExitKind::Success));
    }

    #[test]
    fn timeout_kills_qemu() {
        let fake = fake("echo capOS 0.1.0\nexec sleep 30");
        let mut session = start(&fake);
        let begin = Instant::now();
        let failure = session.expect(&re("never"), Duration::from_millis(300)).unwrap_err();
        assert!(begin.elapsed() < Duration::from_secs(5));
        assert_eq!(failure.kind(), FailureKind::Timeout);
        assert_eq!(failure.exit(), Some(ExitKind::Killed));
        assert!(failure.detail().contains("/never/"), "{}", failure.detail());
        assert_eq!(failure.transcript(), ["capOS 0.1.0"]);
    }

    #[test]
    fn partial_line_crlf_and_invalid_utf8() {
        let fake = fake(
            r"printf 'a\r\n\377\r\nprompt> '
exec sleep 30",
        );
        let mut session = start(&fake);
        session.expect(&re("^a$"), SHORT).unwrap();
        let bad = session.expect(&re("\u{fffd}"), SHORT).unwrap();
        assert_eq!(bad.line, "\u{fffd}");
        let deadline = Instant::now() + SHORT;
        while session.partial() != "prompt> " && Instant::now() < deadline {
            thread::sleep(POLL);
        }
        assert_eq!(session.partial(), "prompt> ");
        assert_eq!(session.transcript(), ["a", "\u{fffd}", "prompt> "]);
        session.kill();
        assert_eq!(session.exit_kind(), Some(ExitKind::Killed));
        assert_eq!(session.transcript(), ["a", "\u{fffd}", "prompt> "]);
    }

    #[test]
    fn send_feeds_the_serial_console() {
        let fake = fake("read line\necho \"got $line\"\nexit 33");
        let mut session = start(&fake);
        session.send(b"hello\n").unwrap();
        let got = session.expect(&re("^got (.*)$"), SHORT).unwrap();
        assert_eq!(got.get(1), Some("hello"));
        assert_eq!(session.wait_exit(SHORT).unwrap(), ExitKind::Success);
    }

    #[test]
    fn drop_kills_qemu() {
        let fake = fake("exec sleep 30");
        let session = start(&fake);
        let pid = session.id();
        assert!(Path::new(&format!("/proc/{pid}")).exists());
        drop(session);
        // Reaped, so the pid is gone (not even a zombie).
        assert!(!Path::new(&format!("/proc/{pid}")).exists());
    }

    #[test]
    fn start_errors_are_clear() {
        let fake = fake("exit 0");
        let mut config = fake.config.clone();
        config.boot = crate::Boot::Iso(fake.dir.path().join("missing.iso"));
        let err = Session::start("x", &config).err().unwrap();
        assert!(matches!(err, RunnerError::MissingInput { what: "boot ISO", .. }), "{err}");
        let mut config = fake.config.clone();
        config.qemu_binary = "no-such-qemu-binary".into();
        let err = Session::start("x", &config).err().unwrap();
        assert!(matches!(err, RunnerError::ToolMissing { .. }), "{err}");
        assert!(err.to_string().contains("make setup"), "{err}");
    }
}
