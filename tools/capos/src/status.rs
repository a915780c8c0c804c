//! The kernel's power-off report (`capos_abi::serial::POWER_OFF`) and the
//! host exit status it means.

use capos_abi::serial::POWER_OFF;

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
}

impl PowerOff {
    /// The host exit status: the exit code modulo 256 (as a shell reports
    /// it), [`FAULTED`] or [`KILLED`].
    pub fn status(self) -> u8 {
        match self {
            PowerOff::Exited(code) => (code & 0xff) as u8,
            PowerOff::Faulted => FAULTED,
            PowerOff::Killed => KILLED,
        }
    }

    /// Parses what follows the marker: `exited N`, `faulted`, `killed`
    /// (anything after a complete word is ignored).
    fn parse_report(report: &str) -> Option<PowerOff> {
        let mut words = report.split_whitespace();
        match words.next()? {
            "exited" => words.next()?.parse().ok().map(PowerOff::Exited),
            "faulted" => Some(PowerOff::Faulted),
            "killed" => Some(PowerOff::Killed),
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
        for bad in [
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
