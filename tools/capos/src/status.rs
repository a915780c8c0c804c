//! The kernel's power-off report (`capos_abi::serial::POWER_OFF`) and the
//! host exit status it means, and init's error lines
//! (`capos_abi::serial::INIT_ERROR`), which `capos` shows on its stderr.

use std::path::Path;

use capos_abi::process::BOOT_FAILED;
use capos_abi::serial::{INIT_ERROR, POWER_OFF};

/// Exit status: the time limit passed (like `timeout(1)`).
pub const TIMED_OUT: u8 = 124;
/// Exit status: `capos` itself failed, or the machine stopped without a
/// power-off report (a bad option, a missing file, a kernel panic …).
pub const TOOL_ERROR: u8 = 125;
/// Exit status: the program was killed (128 + SIGKILL, as a shell says).
pub const KILLED: u8 = 137;
/// Exit status: the program faulted (128 + SIGSEGV, as a shell says).
pub const FAULTED: u8 = 139;
/// Exit status: the user stopped the machine (Ctrl-A X; 128 + SIGINT).
pub const STOPPED: u8 = 130;

/// How init (and so the `statusFrom` service) ended, as the kernel
/// reported it before powering off.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PowerOff {
    /// `power off: exited N`.
    Exited(i64),
    /// `power off: faulted`.
    Faulted,
    /// `power off: killed`.
    Killed,
    /// `power off: no init`: the kernel could not start init.
    NoInit,
}

impl PowerOff {
    /// The host exit status: the exit code modulo 256 (as a shell reports
    /// it), [`FAULTED`], [`KILLED`], or [`TOOL_ERROR`] without init.
    pub fn status(self) -> u8 {
        match self {
            PowerOff::Exited(code) => (code & 0xff) as u8,
            PowerOff::Faulted => FAULTED,
            PowerOff::Killed => KILLED,
            PowerOff::NoInit => TOOL_ERROR,
        }
    }

    /// Parses what follows the marker: `exited N`, `faulted`, `killed`,
    /// `no init` (anything after a complete word is ignored).
    fn parse_report(report: &str) -> Option<PowerOff> {
        let mut words = report.split_whitespace();
        match words.next()? {
            "exited" => words.next()?.parse().ok().map(PowerOff::Exited),
            "faulted" => Some(PowerOff::Faulted),
            "killed" => Some(PowerOff::Killed),
            "no" if words.next()? == "init" => Some(PowerOff::NoInit),
            _ => None,
        }
    }
}

/// The power-off report of `line` (a line without its `\r`/`\n`) if it
/// starts with the marker.
pub fn parse_line(line: &str) -> Option<PowerOff> {
    PowerOff::parse_report(line.strip_suffix('\r').unwrap_or(line).strip_prefix(POWER_OFF)?)
}

/// The kernel's power-off report in a transcript: the last line that
/// starts with the marker (a program cannot forge an earlier one). If no
/// line starts with it, the last non-empty line may carry it after other
/// text: the report is the last thing the kernel prints, and on a console
/// shared with programs it can follow an unterminated line.
pub fn find(lines: &[String]) -> Option<PowerOff> {
    if let Some(found) = lines.iter().rev().find_map(|l| parse_line(l)) {
        return Some(found);
    }
    let last = lines.iter().rev().map(|l| l.trim_end_matches('\r')).find(|l| !l.trim().is_empty())?;
    let at = last.rfind(POWER_OFF)?;
    parse_line(&last[at..])
}

/// The messages of init's error lines in a transcript (what follows
/// `[init] error: `), in order.
pub fn init_errors(lines: &[String]) -> Vec<String> {
    lines
        .iter()
        .filter_map(|l| l.strip_suffix('\r').unwrap_or(l).strip_prefix(INIT_ERROR))
        .map(str::to_owned)
        .collect()
}

/// What the user is told at the end of a run that powered off with
/// `report`, its kernel log being `lines` (kept in `log`): each of init's
/// errors as `init: MESSAGE`, then, when the boot failed (init exited
/// with `BOOT_FAILED` after errors, or the kernel could not start it), a
/// line saying so. Each goes to stderr after `capos: `.
pub fn end_messages(report: PowerOff, lines: &[String], log: &Path) -> Vec<String> {
    let mut messages: Vec<String> = init_errors(lines).into_iter().map(|e| format!("init: {e}")).collect();
    match report {
        PowerOff::NoInit => {
            messages.push(format!("the kernel could not start init (kernel log: {})", log.display()));
        }
        PowerOff::Exited(code) if code == i64::from(BOOT_FAILED) && !messages.is_empty() => {
            messages.push(format!("the boot failed (kernel log: {})", log.display()));
        }
        _ => {}
    }
    messages
}

/// Prints the [`end_messages`] of a run on stderr and returns its exit
/// status.
pub fn conclude(report: PowerOff, lines: &[String], log: &Path) -> u8 {
    for message in end_messages(report, lines, log) {
        eprintln!("capos: {message}");
    }
    report.status()
}

/// Splits raw console bytes (a QEMU log file) into lines without `\r`.
pub fn lines_of(bytes: &[u8]) -> Vec<String> {
    let mut splitter = qemu_runner::LineSplitter::new();
    let mut lines = splitter.push(bytes);
    lines.extend(splitter.finish());
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<String> {
        text.lines().map(str::to_owned).collect()
    }

    #[test]
    fn parses_reports() {
        assert_eq!(parse_line("power off: exited 0"), Some(PowerOff::Exited(0)));
        assert_eq!(parse_line("power off: exited 42\r"), Some(PowerOff::Exited(42)));
        assert_eq!(parse_line("power off: exited -1"), Some(PowerOff::Exited(-1)));
        assert_eq!(parse_line("power off: faulted"), Some(PowerOff::Faulted));
        assert_eq!(parse_line("power off: killed"), Some(PowerOff::Killed));
        assert_eq!(parse_line("power off: faulted (vector 14)"), Some(PowerOff::Faulted));
        assert_eq!(parse_line("power off: no init"), Some(PowerOff::NoInit));
        for bad in [
            "power off: no",
            "power off: no initiative",
            "power off: exited",
            "power off: exited x",
            "power off: slept",
            "power off:",
            "x power off: exited 1",
        ] {
            assert_eq!(parse_line(bad), None, "{bad}");
        }
    }

    #[test]
    fn maps_statuses_like_a_shell() {
        assert_eq!(PowerOff::Exited(0).status(), 0);
        assert_eq!(PowerOff::Exited(1).status(), 1);
        assert_eq!(PowerOff::Exited(42).status(), 42);
        assert_eq!(PowerOff::Exited(255).status(), 255);
        assert_eq!(PowerOff::Exited(256).status(), 0);
        assert_eq!(PowerOff::Exited(300).status(), 44);
        assert_eq!(PowerOff::Exited(-1).status(), 255);
        assert_eq!(PowerOff::Faulted.status(), 139);
        assert_eq!(PowerOff::Killed.status(), 137);
        assert_eq!(PowerOff::NoInit.status(), TOOL_ERROR);
    }

    #[test]
    fn init_boot_failure_is_the_tools_own_failure_status() {
        // init's boot failure reaches the host as `capos`'s own 125.
        assert_eq!(PowerOff::Exited(i64::from(BOOT_FAILED)).status(), TOOL_ERROR);
    }

    #[test]
    fn collects_init_errors_at_line_starts() {
        let t = lines(
            "capOS 0.1.0\n[init] started fs (pid 2)\n[init] error: cannot start service shell (x): not found\r\n\
             said [init] error: not at the start\n[init] error: the boot failed: shell (statusFrom) did not start",
        );
        assert_eq!(
            init_errors(&t),
            [
                "cannot start service shell (x): not found",
                "the boot failed: shell (statusFrom) did not start"
            ]
        );
        assert!(init_errors(&lines("capOS\n[init] started shell (pid 3)\npower off: exited 0")).is_empty());
    }

    #[test]
    fn end_messages_name_init_errors_and_a_failed_boot() {
        let log = Path::new("build/logs/x.log");
        let failed = lines("[init] error: cannot start service shell (capos-shell): invalid argument\nx");
        assert_eq!(
            end_messages(PowerOff::Exited(125), &failed, log),
            [
                "init: cannot start service shell (capos-shell): invalid argument",
                "the boot failed (kernel log: build/logs/x.log)"
            ]
        );
        // A program's own 125 without init errors says nothing more; an
        // error of another service is shown whatever the status.
        assert!(end_messages(PowerOff::Exited(125), &lines("capOS\nok"), log).is_empty());
        assert_eq!(
            end_messages(PowerOff::Exited(0), &failed, log),
            ["init: cannot start service shell (capos-shell): invalid argument"]
        );
        assert_eq!(
            end_messages(PowerOff::NoInit, &[], log),
            ["the kernel could not start init (kernel log: build/logs/x.log)"]
        );
    }

    #[test]
    fn finds_the_last_report_at_a_line_start() {
        let t = lines("capOS 0.1.0\npower off: exited 9\n[init] x\npower off: exited 3\nuptime: 5 s");
        assert_eq!(find(&t), Some(PowerOff::Exited(3)));
        assert_eq!(find(&lines("capOS 0.1.0\n[    0.3] INFO all processes ended")), None);
        assert_eq!(find(&[]), None);
    }

    #[test]
    fn a_report_after_an_unterminated_line_counts_only_at_the_end() {
        let t = lines("capOS\nno newline herepower off: exited 7\n\n");
        assert_eq!(find(&t), Some(PowerOff::Exited(7)));
        let t = lines("capOS\nsaid power off: exited 7\nmore output");
        assert_eq!(find(&t), None);
    }

    #[test]
    fn splits_raw_console_bytes() {
        assert_eq!(lines_of(b"a\r\nb\npower off: killed"), ["a", "b", "power off: killed"]);
        assert_eq!(find(&lines_of(b"x\r\npower off: exited 5\r\n")), Some(PowerOff::Exited(5)));
    }
}
