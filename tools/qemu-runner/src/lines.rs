//! Splitting the raw serial byte stream into text lines.

/// Turns a byte stream into lines: splits at `\n`, drops every `\r`, and
/// decodes each line as UTF-8, replacing invalid bytes (a garbled serial byte
/// never stops the reader).
///
/// Bytes after the last `\n` stay in a partial line, readable with
/// [`LineSplitter::partial`] and returned by [`LineSplitter::finish`] at the
/// end of the stream.
#[derive(Debug, Default)]
pub struct LineSplitter {
    pending: Vec<u8>,
}

impl LineSplitter {
    /// An empty splitter.
    pub fn new() -> Self {
        Self::default()
    }

    /// Feed `bytes`; returns the lines they completed, in order.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<String> {
        let mut lines = Vec::new();
        for &byte in bytes {
            match byte {
                b'\n' => lines.push(decode(&std::mem::take(&mut self.pending))),
                b'\r' => {}
                _ => self.pending.push(byte),
            }
        }
        lines
    }

    /// The text received after the last complete line (empty if none).
    pub fn partial(&self) -> String {
        decode(&self.pending)
    }

    /// End of stream: the partial last line, if any bytes are left.
    pub fn finish(&mut self) -> Option<String> {
        if self.pending.is_empty() { None } else { Some(decode(&std::mem::take(&mut self.pending))) }
    }
}

fn decode(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[cfg(test)]
mod tests {
    use super::LineSplitter;

    #[test]
    fn splits_crlf_and_lf() {
        let mut s = LineSplitter::new();
        assert_eq!(s.push(b"one\r\ntwo\nthree\r\n"), ["one", "two", "three"]);
        assert_eq!(s.finish(), None);
    }

    #[test]
    fn keeps_partial_line_across_chunks() {
        let mut s = LineSplitter::new();
        assert!(s.push(b"cap").is_empty());
        assert_eq!(s.partial(), "cap");
        assert_eq!(s.push(b"OS 0.1.0\r"), Vec::<String>::new());
        assert_eq!(s.partial(), "capOS 0.1.0");
        assert_eq!(s.push(b"\nlogin: "), ["capOS 0.1.0"]);
        assert_eq!(s.partial(), "login: ");
        assert_eq!(s.finish().as_deref(), Some("login: "));
        assert_eq!(s.partial(), "");
    }

    #[test]
    fn crlf_split_between_chunks() {
        let mut s = LineSplitter::new();
        assert!(s.push(b"a\r").is_empty());
        assert_eq!(s.push(b"\nb"), ["a"]);
        assert_eq!(s.finish().as_deref(), Some("b"));
    }

    #[test]
    fn empty_lines_are_kept() {
        let mut s = LineSplitter::new();
        assert_eq!(s.push(b"\r\n\nx\n"), ["", "", "x"]);
    }

    #[test]
    fn invalid_utf8_is_replaced() {
        let mut s = LineSplitter::new();
        assert_eq!(s.push(b"bad \xff byte\n"), ["bad \u{fffd} byte"]);
    }
}
