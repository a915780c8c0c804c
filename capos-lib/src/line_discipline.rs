//! The terminal line discipline: what the kernel's `TerminalSession` does
//! with each byte that arrives from the serial port, before a program reads
//! it. Pure logic (no I/O): bytes go in through [`LineDiscipline::input`],
//! the bytes to echo come back in a buffer, and reads take what is ready.
//!
//! Canonical mode edits a line: printable bytes are added (and echoed),
//! Backspace/DEL erases one byte, Ctrl-U the whole line, Enter completes
//! it. With `signals`, Ctrl-C discards the line and reports
//! [`Event::Interrupt`], Ctrl-Z discards the line and reports
//! [`Event::Suspend`] (the caller sends `SIGTSTP`), Ctrl-D completes the
//! line without a newline (at the start of a line: end of file). Raw mode
//! hands bytes over as they come.
//!
//! Everything is bounded: a line holds at most [`MAX_LINE`] bytes (more
//! are dropped, as a terminal would ring the bell), and ready input at
//! most [`MAX_READY`] bytes ([`LineDiscipline::can_accept`] tells the
//! caller to leave further bytes in the device until a reader catches up).

use alloc::collections::VecDeque;
use alloc::vec::Vec;

/// Most bytes of one line being edited.
pub const MAX_LINE: usize = 4096;
/// Most bytes of completed input waiting for a reader.
pub const MAX_READY: usize = 64 * 1024;

const CTRL_C: u8 = 0x03;
const CTRL_D: u8 = 0x04;
const BACKSPACE: u8 = 0x08;
const CTRL_U: u8 = 0x15;
const CTRL_Z: u8 = 0x1a;
const DEL: u8 = 0x7f;

/// The settings a program can change (`TerminalSession.setMode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mode {
    /// Line editing; otherwise raw.
    pub canonical: bool,
    /// Typed bytes are written back.
    pub echo: bool,
    /// Ctrl-C interrupts and Ctrl-D ends input (canonical mode only).
    pub signals: bool,
    /// POSIX `TOSTOP`: background writes stop their group
    /// ([`background_write`]).
    pub tostop: bool,
}

impl Mode {
    /// A terminal's start: canonical, echo, signals.
    pub const COOKED: Mode = Mode { canonical: true, echo: true, signals: true, tostop: false };
    /// Raw: bytes as they come, no echo, no special keys.
    pub const RAW: Mode = Mode { canonical: false, echo: false, signals: false, tostop: false };
}

/// What job control does with a terminal write or mode change
/// ([`background_write`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackgroundWrite {
    /// It goes through.
    Allow,
    /// The writer's process group gets `SIGTTOU`; the write is made again
    /// once it is continued.
    Stop,
    /// It fails with `EIO`: nothing would continue the group.
    Fail,
}

/// POSIX job control for a write (`mode_change` false) or a mode change
/// (`tcsetattr`, true) on a terminal by a process: `background` when its
/// group is a background group of the terminal's session; `ttou_held`
/// when it ignores or blocks `SIGTTOU`; `orphaned` when its group is
/// orphaned. Writes are checked only under `tostop`, mode changes always;
/// a writer that ignores or blocks `SIGTTOU` goes through (as Linux's
/// `tty_check_change` and `n_tty_write`).
pub fn background_write(
    tostop: bool,
    mode_change: bool,
    background: bool,
    ttou_held: bool,
    orphaned: bool,
) -> BackgroundWrite {
    if !background || !(tostop || mode_change) || ttou_held {
        BackgroundWrite::Allow
    } else if orphaned {
        BackgroundWrite::Fail
    } else {
        BackgroundWrite::Stop
    }
}

/// Something the caller must act on besides echo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// Ctrl-C: the line was discarded; fail waiting reads and tell the
    /// session's foreground.
    Interrupt,
    /// Ctrl-Z: the line was discarded; stop the session's foreground
    /// (`SIGTSTP` to its process group).
    Suspend,
}

/// What a read got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadOutcome {
    /// Input bytes (never empty).
    Data(Vec<u8>),
    /// End of file (Ctrl-D at the start of a line).
    EndOfFile,
}

/// One unit of ready input: a line (or raw bytes), or an end-of-file mark.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Ready {
    Bytes(Vec<u8>),
    Eof,
}

/// A terminal's input state.
#[derive(Debug, Clone)]
pub struct LineDiscipline {
    mode: Mode,
    /// Enter sends `\r`: turn it into `\n`, and echo `\n` as `\r\n` (a
    /// person at a terminal). Off for input from a pipe or file, which
    /// ends for good: there an end of file, once read, is read again by
    /// every later read, as from a pipe whose writer closed (a person's
    /// Ctrl-D ends one read only).
    interactive: bool,
    line: Vec<u8>,
    ready: VecDeque<Ready>,
    ready_bytes: usize,
}

impl LineDiscipline {
    /// A discipline in `mode`; `interactive` as described on the field.
    pub fn new(mode: Mode, interactive: bool) -> Self {
        Self { mode, interactive, line: Vec::new(), ready: VecDeque::new(), ready_bytes: 0 }
    }

    /// The current mode.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Changes the mode. Leaving canonical mode hands the line being
    /// edited over as ready bytes.
    pub fn set_mode(&mut self, mode: Mode) {
        if self.mode.canonical && !mode.canonical && !self.line.is_empty() {
            let line = core::mem::take(&mut self.line);
            self.push_ready(line);
        }
        self.mode = mode;
    }

    /// Whether another input byte can be taken now (else leave it in the
    /// device: the reader is behind).
    pub fn can_accept(&self) -> bool {
        self.ready_bytes < MAX_READY
    }

    /// Whether a read would complete now.
    pub fn has_ready(&self) -> bool {
        !self.ready.is_empty()
    }

    fn push_ready(&mut self, bytes: Vec<u8>) {
        self.ready_bytes += bytes.len();
        self.ready.push_back(Ready::Bytes(bytes));
    }

    fn echo_byte(&self, byte: u8, echo: &mut Vec<u8>) {
        if !self.mode.echo {
            return;
        }
        match byte {
            b'\n' if self.interactive => echo.extend_from_slice(b"\r\n"),
            b'\n' | b'\t' | 0x20..=0x7e | 0x80..=0xff => echo.push(byte),
            _ => echo.extend_from_slice(&[b'^', byte ^ 0x40]),
        }
    }

    /// Width on screen of `byte` as echoed (for erasing it).
    fn echo_width(byte: u8) -> usize {
        match byte {
            0x20..=0x7e | 0x80..=0xff | b'\t' => 1,
            _ => 2,
        }
    }

    fn erase_last(&mut self, echo: &mut Vec<u8>) {
        if let Some(byte) = self.line.pop()
            && self.mode.echo
        {
            for _ in 0..Self::echo_width(byte) {
                echo.extend_from_slice(b"\x08 \x08");
            }
        }
    }

    /// Takes one input byte; appends what to echo to `echo`.
    pub fn input(&mut self, byte: u8, echo: &mut Vec<u8>) -> Option<Event> {
        let byte = if self.interactive && byte == b'\r' { b'\n' } else { byte };
        if !self.mode.canonical {
            self.echo_byte(byte, echo);
            match self.ready.back_mut() {
                Some(Ready::Bytes(last)) => last.push(byte),
                _ => self.ready.push_back(Ready::Bytes(alloc::vec![byte])),
            }
            self.ready_bytes += 1;
            return None;
        }
        match byte {
            CTRL_C if self.mode.signals => {
                self.line.clear();
                if self.mode.echo {
                    echo.extend_from_slice(if self.interactive { b"^C\r\n" } else { b"^C\n" });
                }
                return Some(Event::Interrupt);
            }
            CTRL_D if self.mode.signals => {
                if self.line.is_empty() {
                    self.ready.push_back(Ready::Eof);
                } else {
                    let line = core::mem::take(&mut self.line);
                    self.push_ready(line);
                }
            }
            CTRL_Z if self.mode.signals => {
                self.line.clear();
                if self.mode.echo {
                    echo.extend_from_slice(if self.interactive { b"^Z\r\n" } else { b"^Z\n" });
                }
                return Some(Event::Suspend);
            }
            BACKSPACE | DEL => self.erase_last(echo),
            CTRL_U => {
                while !self.line.is_empty() {
                    self.erase_last(echo);
                }
            }
            b'\n' => {
                self.echo_byte(b'\n', echo);
                let mut line = core::mem::take(&mut self.line);
                line.push(b'\n');
                self.push_ready(line);
            }
            _ => {
                if self.line.len() < MAX_LINE - 1 {
                    self.line.push(byte);
                    self.echo_byte(byte, echo);
                }
            }
        }
        None
    }

    /// Takes up to `max` (≥ 1) bytes of ready input: in canonical mode at
    /// most one line (the rest of a long line stays for the next read).
    /// `None` when nothing is ready.
    pub fn read(&mut self, max: usize) -> Option<ReadOutcome> {
        let max = max.max(1);
        match self.ready.front_mut()? {
            Ready::Eof => {
                if self.interactive {
                    self.ready.pop_front();
                }
                Some(ReadOutcome::EndOfFile)
            }
            Ready::Bytes(bytes) => {
                let out = if bytes.len() <= max {
                    let out = core::mem::take(bytes);
                    self.ready.pop_front();
                    out
                } else {
                    let rest = bytes.split_off(max);
                    core::mem::replace(bytes, rest)
                };
                self.ready_bytes -= out.len();
                Some(ReadOutcome::Data(out))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(ld: &mut LineDiscipline, bytes: &[u8]) -> (Vec<u8>, Vec<Event>) {
        let mut echo = Vec::new();
        let events = bytes.iter().filter_map(|&b| ld.input(b, &mut echo)).collect();
        (echo, events)
    }

    fn data(ld: &mut LineDiscipline, max: usize) -> Option<Vec<u8>> {
        match ld.read(max)? {
            ReadOutcome::Data(d) => Some(d),
            ReadOutcome::EndOfFile => panic!("unexpected end of file"),
        }
    }

    #[test]
    fn canonical_line_is_ready_only_after_enter() {
        let mut ld = LineDiscipline::new(Mode::COOKED, true);
        let (echo, _) = feed(&mut ld, b"ls -l");
        assert_eq!(echo, b"ls -l");
        assert!(ld.read(100).is_none());
        let (echo, _) = feed(&mut ld, b"\r");
        assert_eq!(echo, b"\r\n");
        assert_eq!(data(&mut ld, 100).unwrap(), b"ls -l\n");
        assert!(ld.read(100).is_none());
    }

    #[test]
    fn erase_and_kill_edit_the_line() {
        let mut ld = LineDiscipline::new(Mode::COOKED, false);
        let (echo, _) = feed(&mut ld, b"cax\x7ft\n");
        assert_eq!(echo, b"cax\x08 \x08t\n");
        assert_eq!(data(&mut ld, 100).unwrap(), b"cat\n");
        let (echo, _) = feed(&mut ld, b"oops\x15ok\x08\x08\x08\n");
        assert_eq!(&echo[..4], b"oops");
        assert_eq!(data(&mut ld, 100).unwrap(), b"\n");
        // Erasing a control byte erases its two-column echo.
        let (echo, _) = feed(&mut ld, b"\x01\x7f");
        assert_eq!(echo, b"^A\x08 \x08\x08 \x08");
    }

    #[test]
    fn ctrl_c_discards_the_line_and_interrupts() {
        let mut ld = LineDiscipline::new(Mode::COOKED, true);
        let (echo, events) = feed(&mut ld, b"sleep 100\x03");
        assert_eq!(events, [Event::Interrupt]);
        assert!(echo.ends_with(b"^C\r\n"));
        assert!(ld.read(10).is_none());
        feed(&mut ld, b"x\n");
        assert_eq!(data(&mut ld, 10).unwrap(), b"x\n");
    }

    #[test]
    fn ctrl_d_is_end_of_file_at_line_start_else_completes_the_line() {
        let mut ld = LineDiscipline::new(Mode::COOKED, true);
        feed(&mut ld, b"abc\x04\x04");
        assert_eq!(data(&mut ld, 10).unwrap(), b"abc");
        assert_eq!(ld.read(10), Some(ReadOutcome::EndOfFile));
        // A person's Ctrl-D ends one read; the next waits for input.
        assert!(ld.read(10).is_none());
        feed(&mut ld, b"more\n");
        assert_eq!(data(&mut ld, 10).unwrap(), b"more\n");
    }

    #[test]
    fn the_end_of_piped_input_is_read_by_every_later_read() {
        let mut ld = LineDiscipline::new(Mode::COOKED, false);
        feed(&mut ld, b"abc\n\x04");
        assert_eq!(data(&mut ld, 10).unwrap(), b"abc\n");
        for _ in 0..3 {
            assert_eq!(ld.read(10), Some(ReadOutcome::EndOfFile));
        }
        assert!(ld.has_ready());
    }

    #[test]
    fn ctrl_z_discards_the_line_and_suspends() {
        let mut ld = LineDiscipline::new(Mode::COOKED, true);
        let (echo, events) = feed(&mut ld, b"vi notes\x1a");
        assert_eq!(events, [Event::Suspend]);
        assert!(echo.ends_with(b"^Z\r\n"));
        assert!(ld.read(10).is_none());
        feed(&mut ld, b"fg\n");
        assert_eq!(data(&mut ld, 10).unwrap(), b"fg\n");
        // Without signals it is data.
        ld.set_mode(Mode { canonical: true, echo: false, signals: false, tostop: false });
        let (echo, events) = feed(&mut ld, b"\x1a\n");
        assert!(echo.is_empty() && events.is_empty());
        assert_eq!(data(&mut ld, 10).unwrap(), b"\x1a\n");
    }

    #[test]
    fn long_lines_are_read_in_pieces_and_bounded() {
        let mut ld = LineDiscipline::new(Mode::COOKED, false);
        feed(&mut ld, b"abcdef\n");
        assert_eq!(data(&mut ld, 4).unwrap(), b"abcd");
        assert_eq!(data(&mut ld, 4).unwrap(), b"ef\n");
        let long = alloc::vec![b'x'; MAX_LINE + 100];
        feed(&mut ld, &long);
        feed(&mut ld, b"\n");
        assert_eq!(data(&mut ld, usize::MAX).unwrap().len(), MAX_LINE);
    }

    #[test]
    fn without_signals_control_bytes_are_data() {
        let mode = Mode { canonical: true, echo: false, signals: false, tostop: false };
        let mut ld = LineDiscipline::new(mode, false);
        let (echo, events) = feed(&mut ld, b"a\x03\x04\n");
        assert!(echo.is_empty() && events.is_empty());
        assert_eq!(data(&mut ld, 10).unwrap(), b"a\x03\x04\n");
    }

    #[test]
    fn raw_mode_hands_bytes_over_at_once() {
        let mut ld = LineDiscipline::new(Mode::COOKED, true);
        feed(&mut ld, b"pa");
        ld.set_mode(Mode::RAW);
        assert_eq!(data(&mut ld, 10).unwrap(), b"pa");
        let (echo, events) = feed(&mut ld, b"\x03q\r");
        assert!(echo.is_empty() && events.is_empty());
        assert_eq!(data(&mut ld, 2).unwrap(), b"\x03q");
        assert_eq!(data(&mut ld, 2).unwrap(), b"\n");
        ld.set_mode(Mode::COOKED);
        assert_eq!(ld.mode(), Mode::COOKED);
    }

    #[test]
    fn ready_input_is_bounded() {
        let mut ld = LineDiscipline::new(Mode::RAW, false);
        let mut echo = Vec::new();
        let mut taken = 0;
        while ld.can_accept() {
            ld.input(b'z', &mut echo);
            taken += 1;
        }
        assert_eq!(taken, MAX_READY);
        assert_eq!(data(&mut ld, 100).unwrap().len(), 100);
        assert!(ld.can_accept());
        assert!(ld.has_ready());
    }

    #[test]
    fn background_writes_stop_only_under_tostop() {
        use super::{BackgroundWrite as W, background_write};
        // (tostop, mode change, background, SIGTTOU held, orphaned)
        assert_eq!(background_write(false, false, true, false, false), W::Allow);
        assert_eq!(background_write(true, false, true, false, false), W::Stop);
        assert_eq!(background_write(true, false, false, false, false), W::Allow);
        assert_eq!(background_write(true, false, true, true, false), W::Allow);
        assert_eq!(background_write(true, false, true, false, true), W::Fail);
        assert_eq!(background_write(false, true, true, false, false), W::Stop);
        assert_eq!(background_write(false, true, true, true, true), W::Allow);
        assert_eq!(background_write(false, true, false, false, true), W::Allow);
    }
}
