//! The fd table as it crosses `exec`: the text a program leaves in the
//! next image's environment (`CAPOS_FDS`) and the next image reads back.
//! Written by the POSIX adapter's `execve`; read by the adapter's program
//! start and by `wasm-host` (so a wasm module's stdio is whatever dash
//! redirected it to: a pipe, a file, `/dev/null`).
//!
//! ```text
//! FD:KIND:FLAGS:CAP:DATA;FD:KIND:FLAGS:CAP:DATA;…!CAP,CAP,…
//! ```
//!
//! One entry per fd kept across the exec (no close-on-exec): its number,
//! its [`Kind`] letter, its status flags (`O_ACCMODE`, `O_APPEND`, … as in
//! Linux), the cap id behind it (0 for none; fds that share an open file
//! description share the cap) and DATA, the path of a file or directory in
//! hex. After `!`, the cap ids of close-on-exec fds, which the new image
//! releases.

use alloc::string::String;
use alloc::vec::Vec;

/// What an fd refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The `terminal` cap (`t`).
    Terminal,
    /// The `stderr` cap (`e`).
    Stderr,
    /// The `console` cap (`c`).
    Console,
    /// `/dev/null` (`n`).
    Null,
    /// `/dev/zero` (`z`).
    Zero,
    /// `/dev/random` or `/dev/urandom` (`r`).
    Random,
    /// A file of the file service (`f`, with a cap and a path).
    File,
    /// A directory (`d`, with a path).
    Dir,
    /// The read end of a pipe (`p`, with a cap).
    PipeRead,
    /// The write end of a pipe (`w`, with a cap).
    PipeWrite,
}

impl Kind {
    const LETTERS: [(Kind, char); 10] = [
        (Kind::Terminal, 't'),
        (Kind::Stderr, 'e'),
        (Kind::Console, 'c'),
        (Kind::Null, 'n'),
        (Kind::Zero, 'z'),
        (Kind::Random, 'r'),
        (Kind::File, 'f'),
        (Kind::Dir, 'd'),
        (Kind::PipeRead, 'p'),
        (Kind::PipeWrite, 'w'),
    ];

    /// The kind's letter in the text.
    pub fn letter(self) -> char {
        Self::LETTERS.iter().find(|(k, _)| *k == self).map_or('?', |(_, c)| *c)
    }

    /// The kind a letter names.
    pub fn from_letter(text: &str) -> Option<Self> {
        let mut chars = text.chars();
        let (Some(c), None) = (chars.next(), chars.next()) else { return None };
        Self::LETTERS.iter().find(|(_, l)| *l == c).map(|(k, _)| *k)
    }
}

/// One fd kept across the exec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Its number.
    pub fd: i64,
    /// What it refers to.
    pub kind: Kind,
    /// Its status flags (Linux's `O_*` values).
    pub flags: u32,
    /// The cap behind it; 0 for none.
    pub cap: u32,
    /// The path of a file or directory (empty for the rest).
    pub path: String,
}

/// A whole handover: the fds kept, and the caps the new image releases.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Handover {
    /// The kept fds, in order.
    pub kept: Vec<Entry>,
    /// Caps of close-on-exec fds that no kept fd uses.
    pub dropped: Vec<u32>,
}

fn hex(bytes: &[u8], out: &mut String) {
    for b in bytes {
        out.push(char::from(b"0123456789abcdef"[usize::from(b >> 4)]));
        out.push(char::from(b"0123456789abcdef"[usize::from(b & 15)]));
    }
}

fn unhex(text: &str) -> Option<String> {
    let digits = text.as_bytes();
    if !digits.len().is_multiple_of(2) {
        return None;
    }
    let value = |d: u8| (d as char).to_digit(16);
    let bytes: Option<Vec<u8>> =
        digits.chunks(2).map(|p| Some((value(p[0])? * 16 + value(p[1])?) as u8)).collect();
    String::from_utf8(bytes?).ok()
}

impl Handover {
    /// The text form (what `CAPOS_FDS` holds). A dropped cap that a kept
    /// fd also uses is left out (the new image must keep it).
    pub fn format(&self) -> String {
        let mut out = String::new();
        for e in &self.kept {
            out.push_str(&alloc::format!("{}:{}:{}:{}:", e.fd, e.kind.letter(), e.flags, e.cap));
            hex(e.path.as_bytes(), &mut out);
            out.push(';');
        }
        out.push('!');
        let mut first = true;
        for cap in &self.dropped {
            if *cap == 0 || self.kept.iter().any(|e| e.cap == *cap) {
                continue;
            }
            if !first {
                out.push(',');
            }
            first = false;
            out.push_str(&alloc::format!("{cap}"));
        }
        out
    }

    /// Reads the text form; `None` when it is malformed (the new image
    /// then opens its standard fds as if started afresh).
    pub fn parse(text: &str) -> Option<Self> {
        let (kept, dropped) = text.split_once('!')?;
        let mut handover = Handover::default();
        for entry in kept.split(';').filter(|e| !e.is_empty()) {
            let parts: Vec<&str> = entry.splitn(5, ':').collect();
            let [fd, kind, flags, cap, data] = parts[..] else { return None };
            let fd: i64 = fd.parse().ok().filter(|fd| *fd >= 0)?;
            let kind = Kind::from_letter(kind)?;
            let path = match kind {
                Kind::File | Kind::Dir => unhex(data)?,
                _ => String::new(),
            };
            handover.kept.push(Entry { fd, kind, flags: flags.parse().ok()?, cap: cap.parse().ok()?, path });
        }
        for cap in dropped.split(',').filter(|c| !c.is_empty()) {
            handover.dropped.push(cap.parse().ok()?);
        }
        Some(handover)
    }

    /// The kept entry of `fd`.
    pub fn get(&self, fd: i64) -> Option<&Entry> {
        self.kept.iter().find(|e| e.fd == fd)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(fd: i64, kind: Kind, flags: u32, cap: u32, path: &str) -> Entry {
        Entry { fd, kind, flags, cap, path: path.into() }
    }

    #[test]
    fn round_trip_of_every_kind() {
        let kept = alloc::vec![
            entry(0, Kind::PipeRead, 0, 7, ""),
            entry(1, Kind::File, 0o2001, 9, "/tmp/out put;:!.txt"),
            entry(2, Kind::File, 0o2001, 9, "/tmp/out put;:!.txt"),
            entry(3, Kind::Dir, 0o200000, 0, "/home"),
            entry(4, Kind::Terminal, 2, 0, ""),
            entry(5, Kind::Stderr, 1, 0, ""),
            entry(6, Kind::Console, 1, 0, ""),
            entry(7, Kind::Null, 2, 0, ""),
            entry(8, Kind::Zero, 0, 0, ""),
            entry(9, Kind::Random, 0, 0, ""),
            entry(10, Kind::PipeWrite, 1, 11, ""),
        ];
        let handover = Handover { kept, dropped: alloc::vec![12, 13] };
        let text = handover.format();
        assert_eq!(Handover::parse(&text), Some(handover));
    }

    #[test]
    fn a_dropped_cap_still_in_use_is_kept() {
        let handover =
            Handover { kept: alloc::vec![entry(1, Kind::PipeWrite, 1, 5, "")], dropped: alloc::vec![5, 6] };
        let text = handover.format();
        assert!(text.ends_with("!6"), "{text}");
        assert_eq!(Handover::parse(&text).map(|h| h.dropped), Some(alloc::vec![6]));
    }

    #[test]
    fn the_text_written_before_this_module_still_reads() {
        // What libcapos-posix wrote before it used this module.
        let h = Handover::parse("0:t:2:0:;1:f:1:4:2f746d702f61;2:w:1:6:;!8,9").expect("parses");
        assert_eq!(h.get(1), Some(&entry(1, Kind::File, 1, 4, "/tmp/a")));
        assert_eq!(h.get(2).map(|e| e.kind), Some(Kind::PipeWrite));
        assert_eq!(h.dropped, alloc::vec![8, 9]);
        assert_eq!(Handover::parse("!"), Some(Handover::default()));
    }

    #[test]
    fn malformed_texts_are_refused() {
        for text in [
            "",
            "0:t:2:0:",
            "0:x:2:0:;!",
            "0:tt:2:0:;!",
            "-1:t:2:0:;!",
            "0:t:two:0:;!",
            "0:f:0:3:2f7;!",
            "0:f:0:3:zz;!",
            "0:f:0:3:ff;!",
            "0:t:2;!",
            "!a",
        ] {
            assert_eq!(Handover::parse(text), None, "{text:?}");
        }
    }
}
