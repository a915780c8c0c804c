//! Connecting the guest's terminal ports to this process's stdio: host
//! stdin → COM2, COM2 → host stdout, COM3 → host stderr. QEMU connects to
//! two Unix sockets this process listens on; one thread per direction
//! copies bytes as they come and flushes at once.

use std::io::{self, Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread;
use std::time::{Duration, Instant};

/// Ctrl-A: the escape key of a terminal run (as in QEMU's console).
pub const CTRL_A: u8 = 0x01;
/// Ctrl-D: the terminal's end-of-file key.
pub const CTRL_D: u8 = 0x04;

/// The relay threads of one run.
pub struct Relay {
    go: Option<Sender<()>>,
    done: Receiver<()>,
    outputs: usize,
    escaped: Arc<AtomicBool>,
}

impl Relay {
    /// Starts accepting QEMU's connections on `term` (COM2) and `err`
    /// (COM3) and copying their output to stdout and stderr. Host stdin is
    /// forwarded to COM2 only after [`Relay::open_stdin`]. `terminal`: the
    /// host's stdin is a terminal in raw mode, so Ctrl-A X stops the
    /// machine (killing `qemu_pid`) and no end-of-file is sent.
    pub fn start(term: UnixListener, err: UnixListener, qemu_pid: u32, terminal: bool) -> io::Result<Relay> {
        let (go_tx, go_rx) = mpsc::channel::<()>();
        let (done_tx, done_rx) = mpsc::channel::<()>();
        let escaped = Arc::new(AtomicBool::new(false));
        let done = done_tx.clone();
        let stop = Arc::clone(&escaped);
        thread::Builder::new().name("com2".into()).spawn(move || {
            let Ok((stream, _)) = term.accept() else { return };
            let Ok(reader) = stream.try_clone() else { return };
            let output = thread::Builder::new().name("com2-out".into()).spawn(move || {
                copy_out(reader, io::stdout());
                let _ = done.send(());
            });
            if output.is_err() || go_rx.recv().is_err() {
                return;
            }
            forward_stdin(stream, terminal, qemu_pid, &stop);
        })?;
        thread::Builder::new().name("com3".into()).spawn(move || {
            if let Ok((stream, _)) = err.accept() {
                copy_out(stream, io::stderr());
                let _ = done_tx.send(());
            }
        })?;
        Ok(Relay { go: Some(go_tx), done: done_rx, outputs: 2, escaped })
    }

    /// Starts forwarding host stdin to COM2 (once the guest's terminal is
    /// set up: earlier bytes could be lost when the kernel resets the UART).
    pub fn open_stdin(&mut self) {
        if let Some(go) = self.go.take() {
            let _ = go.send(());
        }
    }

    /// Waits up to `grace` for COM2 and COM3 to reach their end (QEMU has
    /// exited, so everything the guest wrote is in the sockets); returns
    /// whether both did.
    pub fn finish(&mut self, grace: Duration) -> bool {
        let deadline = Instant::now() + grace;
        while self.outputs > 0 {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.done.recv_timeout(left) {
                Ok(()) => self.outputs -= 1,
                Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => return false,
            }
        }
        true
    }

    /// Whether the user stopped the machine with Ctrl-A X.
    pub fn escaped(&self) -> bool {
        self.escaped.load(Ordering::SeqCst)
    }
}

/// Copies a guest port to `out` until the port ends, flushing after each
/// chunk. If `out` breaks (a closed pipe), the rest is read and dropped,
/// so the guest is never held up by a full socket.
fn copy_out(mut port: impl Read, mut out: impl Write) {
    let mut buf = [0u8; 8192];
    let mut open = true;
    loop {
        let n = match port.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        };
        if open && out.write_all(&buf[..n]).and_then(|()| out.flush()).is_err() {
            open = false;
        }
    }
}

/// Host stdin → COM2. At the end of piped input, sends Ctrl-D (twice if
/// the input did not end with a newline: the first completes the line)
/// so the program reads end of file. From a terminal, Ctrl-A X kills QEMU
/// and Ctrl-A Ctrl-A sends one Ctrl-A.
fn forward_stdin(mut com2: UnixStream, terminal: bool, qemu_pid: u32, escaped: &AtomicBool) {
    let mut stdin = io::stdin().lock();
    let mut buf = [0u8; 4096];
    let mut ending = EofMarker::default();
    let mut escape = Escape::default();
    let mut out = Vec::with_capacity(buf.len() + 1);
    loop {
        let n = match stdin.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        };
        out.clear();
        if terminal {
            if escape.feed(&buf[..n], &mut out) {
                escaped.store(true, Ordering::SeqCst);
                if let Ok(pid) = libc::pid_t::try_from(qemu_pid) {
                    // SAFETY: QEMU is our child and is reaped only by the
                    // session, after it ends, so the pid still names it.
                    unsafe { libc::kill(pid, libc::SIGKILL) };
                }
                return;
            }
        } else {
            out.extend_from_slice(&buf[..n]);
        }
        ending.saw(&out);
        if com2.write_all(&out).and_then(|()| com2.flush()).is_err() {
            return;
        }
    }
    if !terminal {
        let _ = com2.write_all(ending.bytes());
    }
}

/// What to send when piped input ends.
#[derive(Clone, Copy, Debug, Default)]
pub struct EofMarker {
    /// The last byte sent, if any.
    last: Option<u8>,
}

impl EofMarker {
    /// Notes bytes sent.
    pub fn saw(&mut self, bytes: &[u8]) {
        if let Some(&b) = bytes.last() {
            self.last = Some(b);
        }
    }

    /// Ctrl-D at the start of a line ends the input; after an unfinished
    /// line the first Ctrl-D only completes the line, so send two.
    pub fn bytes(&self) -> &'static [u8] {
        match self.last {
            None | Some(b'\n') => &[CTRL_D],
            Some(_) => &[CTRL_D, CTRL_D],
        }
    }
}

/// The Ctrl-A escape of a terminal run.
#[derive(Clone, Copy, Debug, Default)]
pub struct Escape {
    pending: bool,
}

impl Escape {
    /// Filters typed bytes into `out`; returns `true` on Ctrl-A X (quit;
    /// the bytes after it are dropped). Ctrl-A Ctrl-A sends one Ctrl-A;
    /// Ctrl-A and any other byte sends both.
    pub fn feed(&mut self, input: &[u8], out: &mut Vec<u8>) -> bool {
        for &byte in input {
            if self.pending {
                self.pending = false;
                match byte {
                    b'x' | b'X' => return true,
                    CTRL_A => out.push(CTRL_A),
                    other => out.extend_from_slice(&[CTRL_A, other]),
                }
            } else if byte == CTRL_A {
                self.pending = true;
            } else {
                out.push(byte);
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eof_marker_completes_an_unfinished_line_first() {
        let mut m = EofMarker::default();
        assert_eq!(m.bytes(), [CTRL_D]);
        m.saw(b"hi\n");
        assert_eq!(m.bytes(), [CTRL_D]);
        m.saw(b"abc");
        assert_eq!(m.bytes(), [CTRL_D, CTRL_D]);
        m.saw(b"");
        assert_eq!(m.bytes(), [CTRL_D, CTRL_D]);
        m.saw(b"\n");
        assert_eq!(m.bytes(), [CTRL_D]);
    }

    #[test]
    fn escape_quits_on_ctrl_a_x_across_reads() {
        let mut e = Escape::default();
        let mut out = Vec::new();
        assert!(!e.feed(b"ls\r\x01", &mut out));
        assert_eq!(out, b"ls\r");
        assert!(e.feed(b"xignored", &mut out));
        assert_eq!(out, b"ls\r");
    }

    #[test]
    fn escape_passes_other_bytes_through() {
        let mut e = Escape::default();
        let mut out = Vec::new();
        assert!(!e.feed(b"\x01\x01a\x01b\x03", &mut out));
        assert_eq!(out, b"\x01a\x01b\x03");
        assert!(Escape::default().feed(b"\x01X", &mut Vec::new()));
    }

    #[test]
    fn copy_out_survives_a_broken_output() {
        struct Broken;
        impl Write for Broken {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::ErrorKind::BrokenPipe.into())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let data = vec![7u8; 100_000];
        let mut reader = io::Cursor::new(data.clone());
        copy_out(&mut reader, Broken);
        assert_eq!(reader.position(), data.len() as u64, "everything was read");
        let mut copy = Vec::new();
        copy_out(io::Cursor::new(data.clone()), &mut copy);
        assert_eq!(copy, data);
    }

    #[test]
    fn relays_both_ports_and_piped_input() {
        // Not stdin itself (the test harness owns it): the copy loops and
        // socket plumbing, with the listeners connected like QEMU does.
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("s.sock");
        let listener = UnixListener::bind(&path).unwrap();
        let mut guest = UnixStream::connect(&path).unwrap();
        let (host, _) = listener.accept().unwrap();
        guest.write_all(b"out\n").unwrap();
        drop(guest);
        let mut copy = Vec::new();
        copy_out(host, &mut copy);
        assert_eq!(copy, b"out\n");
    }
}
