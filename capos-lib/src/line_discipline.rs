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
//! Everything is bounded and allocated once, when the discipline is made
//! (the kernel feeds it from the terminal's interrupt, where nothing may
//! fail to allocate): a line holds at most [`MAX_LINE`] bytes, and ready
//! input at most [`MAX_READY`] bytes in at most [`MAX_UNITS`] lines or
//! end-of-file marks. [`LineDiscipline::can_accept`] tells the caller to
//! leave further bytes in the device until a reader catches up; taken
//! while it said yes, a line being edited always fits once completed (the
//! ready buffer has room for one more line past [`MAX_READY`]), so a
//! caller that asks loses nothing. Input past the buffers (from a caller
//! that does not ask) is dropped with a bell (BEL in the echo), as a
//! terminal does. Echo is appended only if there is memory for it.

use alloc::collections::{TryReserveError, VecDeque};
use alloc::vec::Vec;

/// Most bytes of one line being edited.
pub const MAX_LINE: usize = 4096;
/// Most bytes of completed input waiting for a reader.
pub const MAX_READY: usize = 64 * 1024;
/// Most lines (or runs of raw bytes) and end-of-file marks waiting for a
/// reader.
pub const MAX_UNITS: usize = 1024;
/// Bytes the ready buffer holds: [`MAX_READY`] and a whole line past it
/// (a line edited while [`LineDiscipline::can_accept`] said yes).
const READY_ROOM: usize = MAX_READY + MAX_LINE;
/// The bell, echoed for input dropped because it does not fit.
const BELL: u8 = 0x07;

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

/// What a read got (or would get: [`LineDiscipline::next_read`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadOutcome {
    /// This many input bytes (never 0 for a buffer of at least one byte).
    Data(usize),
    /// End of file (Ctrl-D at the start of a line).
    EndOfFile,
}

/// One unit of ready input: a line (or a run of raw bytes) of this many
/// bytes in the ready buffer, or an end-of-file mark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    Bytes(usize),
    Eof,
}

/// A terminal's input state. Its buffers are allocated once, by
/// [`new`](Self::new), and never grow: input that does not fit is dropped
/// with a bell.
#[derive(Debug, Clone)]
pub struct LineDiscipline {
    mode: Mode,
    /// Enter sends `\r`: turn it into `\n`, and echo `\n` as `\r\n` (a
    /// person at a terminal). Off for input from a pipe or file, which
    /// ends for good: there an end of file, once read, is read again by
    /// every later read, as from a pipe whose writer closed (a person's
    /// Ctrl-D ends one read only).
    interactive: bool,
    /// The line being edited (room for [`MAX_LINE`] bytes).
    line: Vec<u8>,
    /// The bytes of the ready units, in order (room for [`MAX_READY`] and
    /// one more line).
    ready: VecDeque<u8>,
    /// The ready units (room for [`MAX_UNITS`]).
    units: VecDeque<Unit>,
}

impl LineDiscipline {
    /// A discipline in `mode`, `interactive` as described on the field,
    /// with its buffers (about 76 KiB); an error if there is no memory for
    /// them.
    pub fn new(mode: Mode, interactive: bool) -> Result<Self, TryReserveError> {
        let mut line = Vec::new();
        line.try_reserve_exact(MAX_LINE)?;
        let mut ready = VecDeque::new();
        ready.try_reserve_exact(READY_ROOM)?;
        let mut units = VecDeque::new();
        units.try_reserve_exact(MAX_UNITS)?;
        Ok(Self { mode, interactive, line, ready, units })
    }

    /// The current mode.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Changes the mode. Leaving canonical mode hands the line being
    /// edited over as ready bytes (if they fit; else it stays, to be
    /// edited again in canonical mode).
    pub fn set_mode(&mut self, mode: Mode) {
        if self.mode.canonical && !mode.canonical && !self.line.is_empty() && self.push_line(&[]) {
            self.line.clear();
        }
        self.mode = mode;
    }

    /// Whether another input byte can be taken now (else leave it in the
    /// device: the reader is behind).
    pub fn can_accept(&self) -> bool {
        self.ready.len() < MAX_READY && self.units.len() < MAX_UNITS
    }

    /// Whether a read would complete now.
    pub fn has_ready(&self) -> bool {
        !self.units.is_empty()
    }

    /// Moves the line being edited and then `end` into the ready input as
    /// one unit; `false` (nothing moved) when they do not fit.
    fn push_line(&mut self, end: &[u8]) -> bool {
        let len = self.line.len() + end.len();
        if len == 0 {
            return true;
        }
        if self.ready.len() + len > READY_ROOM || self.units.len() >= MAX_UNITS {
            return false;
        }
        self.ready.extend(self.line.iter().chain(end));
        self.units.push_back(Unit::Bytes(len));
        true
    }

    /// Appends `bytes` to `echo` if there is memory for them (echo is
    /// dropped otherwise, as a terminal drops it when its output is full).
    fn put(echo: &mut Vec<u8>, bytes: &[u8]) {
        if echo.try_reserve(bytes.len()).is_ok() {
            echo.extend_from_slice(bytes);
        }
    }

    /// Input that did not fit: dropped, with a bell.
    fn bell(echo: &mut Vec<u8>) {
        Self::put(echo, &[BELL]);
    }

    fn echo_byte(&self, byte: u8, echo: &mut Vec<u8>) {
        if !self.mode.echo {
            return;
        }
        match byte {
            b'\n' if self.interactive => Self::put(echo, b"\r\n"),
            b'\n' | b'\t' | 0x20..=0x7e | 0x80..=0xff => Self::put(echo, &[byte]),
            _ => Self::put(echo, &[b'^', byte ^ 0x40]),
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
                Self::put(echo, b"\x08 \x08");
            }
        }
    }

    /// Takes one input byte; appends what to echo to `echo` (a bell for a
    /// byte dropped because the line or the ready input is full).
    pub fn input(&mut self, byte: u8, echo: &mut Vec<u8>) -> Option<Event> {
        let byte = if self.interactive && byte == b'\r' { b'\n' } else { byte };
        if !self.mode.canonical {
            let merge = matches!(self.units.back(), Some(Unit::Bytes(_)));
            if self.ready.len() >= MAX_READY || (!merge && self.units.len() >= MAX_UNITS) {
                Self::bell(echo);
                return None;
            }
            self.echo_byte(byte, echo);
            self.ready.push_back(byte);
            match self.units.back_mut() {
                Some(Unit::Bytes(len)) => *len += 1,
                _ => self.units.push_back(Unit::Bytes(1)),
            }
            return None;
        }
        match byte {
            CTRL_C if self.mode.signals => {
                self.line.clear();
                if self.mode.echo {
                    Self::put(echo, if self.interactive { b"^C\r\n" } else { b"^C\n" });
                }
                return Some(Event::Interrupt);
            }
            CTRL_D if self.mode.signals => {
                if self.line.is_empty() {
                    if self.units.len() < MAX_UNITS {
                        self.units.push_back(Unit::Eof);
                    } else {
                        Self::bell(echo);
                    }
                } else if self.push_line(&[]) {
                    self.line.clear();
                } else {
                    Self::bell(echo);
                }
            }
            CTRL_Z if self.mode.signals => {
                self.line.clear();
                if self.mode.echo {
                    Self::put(echo, if self.interactive { b"^Z\r\n" } else { b"^Z\n" });
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
                // The line stays to be edited if the reader is too far
                // behind to take it.
                if self.push_line(b"\n") {
                    self.line.clear();
                    self.echo_byte(b'\n', echo);
                } else {
                    Self::bell(echo);
                }
            }
            _ => {
                if self.line.len() < MAX_LINE - 1 {
                    self.line.push(byte);
                    self.echo_byte(byte, echo);
                } else {
                    Self::bell(echo);
                }
            }
        }
        None
    }

    /// What [`read`](Self::read) into a buffer of `max` (≥ 1) bytes would
    /// take now: in canonical mode at most one line (the rest of a long
    /// line stays for the next read). `None` when nothing is ready.
    pub fn next_read(&self, max: usize) -> Option<ReadOutcome> {
        match self.units.front()? {
            Unit::Eof => Some(ReadOutcome::EndOfFile),
            Unit::Bytes(len) => Some(ReadOutcome::Data((*len).min(max.max(1)))),
        }
    }

    /// Takes ready input into `out`, as [`next_read`](Self::next_read)
    /// with `out.len()` says. `None` when nothing is ready.
    pub fn read(&mut self, out: &mut [u8]) -> Option<ReadOutcome> {
        match *self.units.front()? {
            Unit::Eof => {
                if self.interactive {
                    self.units.pop_front();
                }
                Some(ReadOutcome::EndOfFile)
            }
            Unit::Bytes(len) => {
                let taken = len.min(out.len());
                for (slot, byte) in out.iter_mut().zip(self.ready.drain(..taken)) {
                    *slot = byte;
                }
                if taken == len {
                    self.units.pop_front();
                } else if let Some(Unit::Bytes(left)) = self.units.front_mut() {
                    *left -= taken;
                }
                Some(ReadOutcome::Data(taken))
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
        let mut buf = alloc::vec![0; max.min(MAX_READY)];
        let expected = ld.next_read(buf.len());
        let got = ld.read(&mut buf)?;
        assert_eq!(Some(got), expected, "next_read said what read takes");
        match got {
            ReadOutcome::Data(n) => Some(buf[..n].to_vec()),
            ReadOutcome::EndOfFile => panic!("unexpected end of file"),
        }
    }

    fn read(ld: &mut LineDiscipline, max: usize) -> Option<ReadOutcome> {
        ld.read(&mut alloc::vec![0; max])
    }

    fn new(mode: Mode, interactive: bool) -> LineDiscipline {
        LineDiscipline::new(mode, interactive).unwrap()
    }

    #[test]
    fn canonical_line_is_ready_only_after_enter() {
        let mut ld = new(Mode::COOKED, true);
        let (echo, _) = feed(&mut ld, b"ls -l");
        assert_eq!(echo, b"ls -l");
        assert!(read(&mut ld, 100).is_none());
        let (echo, _) = feed(&mut ld, b"\r");
        assert_eq!(echo, b"\r\n");
        assert_eq!(data(&mut ld, 100).unwrap(), b"ls -l\n");
        assert!(read(&mut ld, 100).is_none());
    }

    #[test]
    fn erase_and_kill_edit_the_line() {
        let mut ld = new(Mode::COOKED, false);
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
        let mut ld = new(Mode::COOKED, true);
        let (echo, events) = feed(&mut ld, b"sleep 100\x03");
        assert_eq!(events, [Event::Interrupt]);
        assert!(echo.ends_with(b"^C\r\n"));
        assert!(read(&mut ld, 10).is_none());
        feed(&mut ld, b"x\n");
        assert_eq!(data(&mut ld, 10).unwrap(), b"x\n");
    }

    #[test]
    fn ctrl_d_is_end_of_file_at_line_start_else_completes_the_line() {
        let mut ld = new(Mode::COOKED, true);
        feed(&mut ld, b"abc\x04\x04");
        assert_eq!(data(&mut ld, 10).unwrap(), b"abc");
        assert_eq!(read(&mut ld, 10), Some(ReadOutcome::EndOfFile));
        // A person's Ctrl-D ends one read; the next waits for input.
        assert!(read(&mut ld, 10).is_none());
        feed(&mut ld, b"more\n");
        assert_eq!(data(&mut ld, 10).unwrap(), b"more\n");
    }

    #[test]
    fn the_end_of_piped_input_is_read_by_every_later_read() {
        let mut ld = new(Mode::COOKED, false);
        feed(&mut ld, b"abc\n\x04");
        assert_eq!(data(&mut ld, 10).unwrap(), b"abc\n");
        for _ in 0..3 {
            assert_eq!(read(&mut ld, 10), Some(ReadOutcome::EndOfFile));
        }
        assert!(ld.has_ready());
    }

    #[test]
    fn ctrl_z_discards_the_line_and_suspends() {
        let mut ld = new(Mode::COOKED, true);
        let (echo, events) = feed(&mut ld, b"vi notes\x1a");
        assert_eq!(events, [Event::Suspend]);
        assert!(echo.ends_with(b"^Z\r\n"));
        assert!(read(&mut ld, 10).is_none());
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
        let mut ld = new(Mode::COOKED, false);
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
        let mut ld = new(mode, false);
        let (echo, events) = feed(&mut ld, b"a\x03\x04\n");
        assert!(echo.is_empty() && events.is_empty());
        assert_eq!(data(&mut ld, 10).unwrap(), b"a\x03\x04\n");
    }

    #[test]
    fn raw_mode_hands_bytes_over_at_once() {
        let mut ld = new(Mode::COOKED, true);
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
        let mut ld = new(Mode::RAW, false);
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

    /// The buffers never grow: what they can hold is what `new` reserved.
    fn capacities(ld: &LineDiscipline) -> (usize, usize, usize) {
        (ld.line.capacity(), ld.ready.capacity(), ld.units.capacity())
    }

    #[test]
    fn input_past_the_buffers_is_dropped_with_a_bell_and_nothing_grows() {
        // Raw: bytes fed without asking `can_accept` (a caller that does
        // not) are dropped with a bell once ready input is full.
        let mut ld = new(Mode { echo: true, ..Mode::RAW }, false);
        let room = capacities(&ld);
        let (echo, _) = feed(&mut ld, &alloc::vec![b'r'; MAX_READY + 3]);
        assert_eq!(echo.iter().filter(|&&b| b == BELL).count(), 3);
        assert_eq!(ld.ready.len(), MAX_READY);
        assert_eq!(capacities(&ld), room);
        // Canonical: a line edited past the mark still fits (a caller
        // that asks `can_accept` loses nothing) ...
        ld.set_mode(Mode::COOKED);
        let (echo, _) = feed(&mut ld, &alloc::vec![b'y'; MAX_LINE - 1]);
        assert!(!echo.contains(&BELL));
        let (echo, _) = feed(&mut ld, b"\n");
        assert_eq!(echo, b"\n");
        // ... but past that, Enter rings the bell and the line stays; once
        // a reader took enough, Enter hands it over.
        let (echo, _) = feed(&mut ld, b"ls\n");
        assert_eq!(echo, b"ls\x07");
        while data(&mut ld, MAX_READY).is_some() {}
        let (echo, _) = feed(&mut ld, b"\n");
        assert_eq!(echo, b"\n");
        assert_eq!(data(&mut ld, 10).unwrap(), b"ls\n");
        // A full line rings the bell for each byte past it.
        let (echo, _) = feed(&mut ld, &alloc::vec![b'x'; MAX_LINE + 5]);
        assert_eq!(echo.iter().filter(|&&b| b == BELL).count(), 6);
        assert_eq!(capacities(&ld), room);
    }

    #[test]
    fn end_of_file_marks_and_lines_are_bounded_in_number() {
        let mut ld = new(Mode::COOKED, true);
        let room = capacities(&ld);
        // A person holding Ctrl-D (each one a mark until read).
        let (echo, _) = feed(&mut ld, &alloc::vec![CTRL_D; MAX_UNITS + 10]);
        assert_eq!(echo, alloc::vec![BELL; 10]);
        assert!(!ld.can_accept());
        assert_eq!(read(&mut ld, 1), Some(ReadOutcome::EndOfFile));
        assert!(ld.can_accept());
        // One-byte lines: bounded by the number of units, not the bytes.
        let mut ld = new(Mode { echo: false, ..Mode::COOKED }, false);
        let (echo, _) = feed(&mut ld, &alloc::vec![b'\n'; MAX_UNITS + 1]);
        assert_eq!(echo, [BELL]);
        assert_eq!(capacities(&ld), room);
        let mut lines = 0;
        while data(&mut ld, 10).is_some() {
            lines += 1;
        }
        assert_eq!(lines, MAX_UNITS);
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
