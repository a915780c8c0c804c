//! `TerminalSession`: the terminal on a serial port or a virtio console
//! ([`Channel`]), with the line discipline of `capos_lib::line_discipline`
//! (canonical editing, echo, Ctrl-C/Ctrl-Z/Ctrl-D, raw mode), plus the `stderr`
//! output cap.
//!
//! The kernel command line chooses the channels (`capos_abi::cmdline`):
//! `terminal=com2` puts the terminal on COM2 (default COM1, shared with the
//! kernel log; `virtio0` is the first virtio console), `stderr=com3` sends
//! error output there (default: the terminal's channel),
//! `terminal-echo=off` says no person is typing (input from a pipe): no
//! echo, and bytes pass unchanged both ways (no `\r` handling).
//!
//! Input: a UART's receive interrupt (routed through the I/O APIC) and, as
//! a fallback and for virtio consoles, every timer tick move the bytes
//! waiting into the discipline (and so do reads), then complete what can
//! complete.
//! Every terminal cap shares the one session. Reads whose caller died are
//! skipped and consume nothing.

use alloc::collections::VecDeque;
use alloc::vec::Vec;
use capos_abi::error::CapError;
use capos_lib::line_discipline::{Event, LineDiscipline, Mode, ReadOutcome};
use capos_schema::{console, interface_id, method, terminal_session};
use spin::Mutex;

use super::{Call, CapObject, Outcome, PendingCall, Reply, empty_reply, malformed, read_params, reply_with};
use crate::channel::Channel;
use crate::serial;

/// Most bytes one `write` or `read` moves.
const MAX_IO: usize = 64 * 1024;
/// Most reads and interrupt waits queued at once.
const MAX_WAITERS: usize = 64;
/// Bytes of a `read` results message besides the data itself (segment
/// table, root pointer, struct, padding): a reader gets at most its result
/// buffer minus this, so no input is taken that its buffer cannot hold.
const READ_OVERHEAD: usize = 32;

struct Session {
    port: Channel,
    interactive: bool,
    discipline: LineDiscipline,
    readers: VecDeque<(PendingCall, usize)>,
    interrupt_waiters: Vec<(u64, PendingCall)>,
    interrupts: u64,
    /// The foreground process group (`setForeground`; 0: none).
    foreground: u64,
    rows: u16,
    cols: u16,
}

static SESSION: Mutex<Option<Session>> = Mutex::new(None);
/// Where `stderr` writes, and whether it translates `\n`.
static STDERR: Mutex<(Channel, bool)> = Mutex::new((Channel::CONSOLE, true));

/// Drops the reads and interrupt waits `process` has pending (it ended):
/// kept until the next input or interrupt, each would hold the ended
/// process's memory that long.
pub fn forget_process(process: &crate::process::Process) {
    x86_64::instructions::interrupts::without_interrupts(|| {
        if let Some(s) = SESSION.lock().as_mut() {
            s.readers.retain(|(reader, _)| !reader.is_from(process));
            s.interrupt_waiters.retain(|(_, waiter)| !waiter.is_from(process));
        }
    });
}

/// Sets the session up from the kernel command line.
pub fn init(boot: &crate::boot::BootInfo) {
    use capos_abi::cmdline;
    let port_of = |key: &str| -> Option<Channel> {
        let name = boot.cmdline_value(key)?;
        let port = Channel::from_name(name);
        if port.is_none() {
            log::warn!("{key}={name}: unknown port (use com1, com2, com3, virtio0 or virtio1)");
        }
        port
    };
    let mut port = port_of(cmdline::TERMINAL).unwrap_or(Channel::CONSOLE);
    if !port.init() {
        log::warn!("no device for the terminal on {port:?}; using COM1");
        port = Channel::CONSOLE;
    }
    let interrupts = port.uart().is_some_and(|uart| {
        let routed = crate::arch::x86_64::ioapic::route(
            uart.irq(),
            crate::arch::x86_64::trap::SERIAL_VECTOR_BASE + uart.irq(),
            crate::arch::x86_64::lapic::id(),
        );
        if routed {
            serial::enable_rx_interrupt(uart);
        }
        routed
    });
    let interactive = boot.cmdline_value(cmdline::TERMINAL_ECHO) != Some("off");
    let mode = if interactive { Mode::COOKED } else { Mode { echo: false, ..Mode::COOKED } };
    let mut stderr = port_of(cmdline::STDERR).unwrap_or(port);
    if !stderr.init() {
        log::warn!("no device for stderr on {stderr:?}; using the terminal");
        stderr = port;
    }
    *STDERR.lock() = (stderr, interactive || stderr == Channel::CONSOLE);
    let Ok(discipline) = LineDiscipline::new(mode, interactive) else {
        log::error!("no memory for the terminal's input buffers: no terminal");
        return;
    };
    *SESSION.lock() = Some(Session {
        port,
        interactive,
        discipline,
        readers: VecDeque::new(),
        interrupt_waiters: Vec::new(),
        interrupts: 0,
        foreground: 0,
        rows: 24,
        cols: 80,
    });
    log::info!(
        "terminal on {port:?} ({}, input by {}), stderr on {stderr:?}",
        if interactive { "interactive" } else { "no echo" },
        if interrupts { "interrupt" } else { "polling" }
    );
}

/// Completions decided under the session lock, delivered after it.
#[derive(Default)]
struct Work {
    echo: Vec<u8>,
    completions: Vec<(PendingCall, Result<Reply, CapError>)>,
    /// A process group to send `SIGINT` (Ctrl-C with a foreground group).
    interrupt_group: Option<u64>,
    /// A process group to send `SIGTSTP` (Ctrl-Z with a foreground group).
    suspend_group: Option<u64>,
}

fn data_reply(data: &[u8]) -> Result<Reply, CapError> {
    super::reply_sized(data.len(), |m| {
        m.init_root::<terminal_session::read_results::Builder<'_>>().set_data(data);
        Ok(())
    })
}

fn count_reply(count: u64) -> Result<Reply, CapError> {
    reply_with(|m| {
        m.init_root::<terminal_session::wait_interrupt_results::Builder<'_>>().set_count(count);
        Ok(())
    })
}

impl Session {
    /// Moves waiting input into the discipline; handles interrupts.
    fn poll(&mut self, work: &mut Work) {
        if self.discipline.can_accept() {
            let port = self.port;
            port.receive(port.poll_budget(), &mut |byte| {
                match self.discipline.input(byte, &mut work.echo) {
                    Some(Event::Interrupt) => self.interrupted(work),
                    // Ctrl-Z: only the foreground group hears of it (reads
                    // stay pending; a stopped reader goes on once continued).
                    Some(Event::Suspend) if self.foreground != 0 => {
                        work.suspend_group = Some(self.foreground)
                    }
                    Some(Event::Suspend) | None => {}
                }
                self.discipline.can_accept()
            });
        }
        self.serve_readers(work);
    }

    /// Ctrl-C: fails every pending read, completes the interrupt waits it
    /// satisfies and, once the lock is released, sends `SIGINT` to the
    /// foreground process group if there is one. (Without the memory to
    /// list the completions, the reads and waits stay pending; the signal
    /// is still sent.)
    fn interrupted(&mut self, work: &mut Work) {
        self.interrupts += 1;
        if self.foreground != 0 {
            work.interrupt_group = Some(self.foreground);
        }
        let count = self.interrupts;
        let due = self.interrupt_waiters.iter().filter(|(a, _)| *a < count).count();
        if work.completions.try_reserve(self.readers.len() + due).is_err() {
            return;
        }
        for (reader, _) in self.readers.drain(..) {
            work.completions.push((reader, Err(CapError::Interrupted)));
        }
        let mut i = 0;
        while i < self.interrupt_waiters.len() {
            if self.interrupt_waiters[i].0 < count {
                let (_, waiter) = self.interrupt_waiters.swap_remove(i);
                work.completions.push((waiter, count_reply(count)));
            } else {
                i += 1;
            }
        }
    }

    /// Hands ready input to waiting readers, first come first served,
    /// skipping readers that died. Allocates only the completions' list
    /// (fallibly: without room, the rest wait for the next poll).
    fn serve_readers(&mut self, work: &mut Work) {
        // Readers of a background process group wait (job control); the
        // rest are served in order. Each reader is looked at once and the
        // ones left keep their order (one goes back for each taken out).
        for _ in 0..self.readers.len() {
            let Some((reader, max)) = self.readers.pop_front() else { break };
            let Some(caller) = reader.live_caller() else { continue };
            if !self.discipline.has_ready()
                || !crate::signal::in_foreground(&caller, self.foreground)
                || work.completions.try_reserve(1).is_err()
            {
                self.readers.push_back((reader, max));
                continue;
            }
            let room = (reader.result_len as usize).saturating_sub(READ_OVERHEAD);
            // The input is taken only once the reply has room for it.
            let reply = match self.discipline.next_read(max.min(room)) {
                Some(ReadOutcome::Data(n)) => {
                    let discipline = &mut self.discipline;
                    super::reply_sized(n, |m| {
                        let data =
                            m.init_root::<terminal_session::read_results::Builder<'_>>().init_data(n as u32);
                        discipline.read(data);
                        Ok(())
                    })
                }
                Some(ReadOutcome::EndOfFile) => {
                    let reply = data_reply(&[]);
                    if reply.is_ok() {
                        self.discipline.read(&mut []);
                    }
                    reply
                }
                None => data_reply(&[]),
            };
            work.completions.push((reader, reply));
        }
    }
}

fn finish(port: Option<Channel>, crlf: bool, work: Work) {
    if let Some(port) = port
        && !work.echo.is_empty()
    {
        // Echo is dropped when the output queue is full (a program has
        // 64 KiB of output waiting), as a tty drops it when its buffer is.
        let _ = port.write(&work.echo, crlf);
    }
    for (call, result) in work.completions {
        call.complete(result);
    }
    if let Some(group) = work.interrupt_group {
        crate::signal::send_group(group, capos_abi::signal::number::SIGINT);
    }
    if let Some(group) = work.suspend_group {
        crate::signal::send_group(group, capos_abi::signal::number::SIGTSTP);
    }
}

/// Runs `f` on the session with interrupts off (the tick takes the same
/// lock), then echoes and completes outside the lock.
fn with_session<T>(f: impl FnOnce(&mut Session, &mut Work) -> T) -> Result<T, CapError> {
    let mut work = Work::default();
    let (out, port) = x86_64::instructions::interrupts::without_interrupts(|| {
        let mut guard = SESSION.lock();
        let session = guard.as_mut().ok_or(CapError::Unsupported)?;
        let out = f(session, &mut work);
        Ok::<_, CapError>((out, session.port))
    })?;
    // Echo is written raw: the discipline already produced `\r\n` where
    // the terminal wants it.
    finish(Some(port), false, work);
    Ok(out)
}

/// Polls the terminal; called on every tick.
pub fn on_tick() {
    let _ = with_session(|session, work| session.poll(work));
}

/// The terminal capability (all copies share the one session).
pub struct TerminalSession;

fn mode_of(r: capos_schema::terminal_mode::Reader<'_>) -> Mode {
    Mode {
        canonical: r.get_canonical(),
        echo: r.get_echo(),
        signals: r.get_signals(),
        tostop: r.get_tostop(),
    }
}

impl TerminalSession {
    fn serve(&self, call: Call<'_>) -> Outcome {
        let message = match read_params(call.params) {
            Ok(m) => m,
            Err(e) => return Outcome::Error(e),
        };
        let result: Result<Outcome, CapError> = (|| {
            use method::terminal_session as m;
            match call.method {
                m::WRITE => {
                    let p = message
                        .get_root::<terminal_session::write_params::Reader<'_>>()
                        .map_err(malformed)?;
                    let data = p.get_data().map_err(malformed)?;
                    if data.len() > MAX_IO {
                        return Err(CapError::TooLarge);
                    }
                    let (port, crlf, foreground, tostop) = with_session(|s, _| {
                        (s.port, s.interactive, s.foreground, s.discipline.mode().tostop)
                    })?;
                    // Job control: under `tostop` a background group's
                    // write stops it (`SIGTTOU`) and is made again later.
                    if let Some(caller) = call.pending.live_caller() {
                        crate::signal::terminal_write(&caller, foreground, tostop, false)?;
                    }
                    Ok(super::output::write(port, data, crlf, call.pending))
                }
                m::READ => {
                    let p =
                        message.get_root::<terminal_session::read_params::Reader<'_>>().map_err(malformed)?;
                    let max = p.get_max() as usize;
                    if max == 0 || max > MAX_IO {
                        return Err(CapError::InvalidArgument);
                    }
                    if (call.pending.result_len as usize) <= READ_OVERHEAD {
                        return Err(CapError::ResultTooSmall);
                    }
                    let pending = call.pending;
                    // Job control: a read from a background process group
                    // sends it `SIGTTIN` and waits until its group has the
                    // terminal (or fails, `PermissionDenied`, when the
                    // signal would not stop it).
                    let foreground = with_session(|s, _| s.foreground)?;
                    if let Some(caller) = pending.live_caller() {
                        crate::signal::terminal_read(&caller, foreground)?;
                    }
                    with_session(move |s, work| {
                        if s.readers.len() >= MAX_WAITERS {
                            return Outcome::Error(CapError::WouldBlock);
                        }
                        if s.readers.try_reserve(1).is_err() {
                            return Outcome::Error(CapError::OutOfMemory);
                        }
                        s.readers.push_back((pending, max));
                        s.poll(work);
                        Outcome::Pending
                    })
                }
                m::GET_MODE => {
                    let mode = with_session(|s, _| s.discipline.mode())?;
                    Ok(reply_with(|msg| {
                        let r = msg.init_root::<terminal_session::get_mode_results::Builder<'_>>();
                        let mut out = r.init_mode();
                        out.set_canonical(mode.canonical);
                        out.set_echo(mode.echo);
                        out.set_signals(mode.signals);
                        out.set_tostop(mode.tostop);
                        Ok(())
                    })
                    .into())
                }
                m::SET_MODE => {
                    let p = message
                        .get_root::<terminal_session::set_mode_params::Reader<'_>>()
                        .map_err(malformed)?;
                    let mode = mode_of(p.get_mode().map_err(malformed)?);
                    // `tcsetattr` from a background group: `SIGTTOU`.
                    let foreground = with_session(|s, _| s.foreground)?;
                    if let Some(caller) = call.pending.live_caller() {
                        crate::signal::terminal_write(&caller, foreground, false, true)?;
                    }
                    with_session(|s, work| {
                        s.discipline.set_mode(mode);
                        s.serve_readers(work);
                    })?;
                    Ok(empty_reply().into())
                }
                m::WINDOW_SIZE => {
                    let (rows, cols) = with_session(|s, _| (s.rows, s.cols))?;
                    Ok(reply_with(|msg| {
                        let mut r = msg.init_root::<terminal_session::window_size_results::Builder<'_>>();
                        r.set_rows(rows);
                        r.set_cols(cols);
                        Ok(())
                    })
                    .into())
                }
                m::SET_WINDOW_SIZE => {
                    let p = message
                        .get_root::<terminal_session::set_window_size_params::Reader<'_>>()
                        .map_err(malformed)?;
                    let (rows, cols) = (p.get_rows(), p.get_cols());
                    if rows == 0 || cols == 0 {
                        return Err(CapError::InvalidArgument);
                    }
                    with_session(|s, _| {
                        s.rows = rows;
                        s.cols = cols;
                    })?;
                    Ok(empty_reply().into())
                }
                m::INTERRUPTS => {
                    let count = with_session(|s, _| s.interrupts)?;
                    Ok(count_reply(count).into())
                }
                m::WAIT_INTERRUPT => {
                    let p = message
                        .get_root::<terminal_session::wait_interrupt_params::Reader<'_>>()
                        .map_err(malformed)?;
                    let after = p.get_after();
                    let pending = call.pending;
                    with_session(move |s, _| {
                        if s.interrupts > after {
                            return count_reply(s.interrupts).into();
                        }
                        s.interrupt_waiters.retain(|(_, w)| w.live_caller().is_some());
                        if s.interrupt_waiters.len() >= MAX_WAITERS {
                            return Outcome::Error(CapError::WouldBlock);
                        }
                        if s.interrupt_waiters.try_reserve(1).is_err() {
                            return Outcome::Error(CapError::OutOfMemory);
                        }
                        s.interrupt_waiters.push((after, pending));
                        Outcome::Pending
                    })
                }
                m::SET_FOREGROUND => {
                    let p = message
                        .get_root::<terminal_session::set_foreground_params::Reader<'_>>()
                        .map_err(malformed)?;
                    let group = p.get_group();
                    let caller = call.pending.live_caller().ok_or(CapError::Cancelled)?;
                    let sid = caller.signals.lock().sid;
                    if group != 0 && !crate::signal::group_in_session(group, sid) {
                        return Err(CapError::PermissionDenied);
                    }
                    with_session(|s, work| {
                        s.foreground = group;
                        // Reads of the new foreground that waited in the
                        // background are served now.
                        s.serve_readers(work);
                    })?;
                    Ok(empty_reply().into())
                }
                m::FOREGROUND => {
                    let group = with_session(|s, _| s.foreground)?;
                    Ok(reply_with(|msg| {
                        msg.init_root::<terminal_session::foreground_results::Builder<'_>>().set_group(group);
                        Ok(())
                    })
                    .into())
                }
                _ => Err(CapError::UnknownMethod),
            }
        })();
        result.unwrap_or_else(Outcome::Error)
    }
}

impl CapObject for TerminalSession {
    fn kernel_kind(&self) -> Option<capos_schema::KernelCap> {
        Some(capos_schema::KernelCap::Terminal)
    }

    fn interface_id(&self) -> u64 {
        interface_id::TERMINAL_SESSION
    }

    fn call(&self, call: Call<'_>) -> Outcome {
        self.serve(call)
    }
}

/// The `stderr` capability: a `Console` writing to the error port.
pub struct Stderr;

impl CapObject for Stderr {
    fn kernel_kind(&self) -> Option<capos_schema::KernelCap> {
        Some(capos_schema::KernelCap::Stderr)
    }

    fn interface_id(&self) -> u64 {
        interface_id::CONSOLE
    }

    fn call(&self, call: Call<'_>) -> Outcome {
        let result = (|| {
            let message = read_params(call.params)?;
            let bytes: Vec<u8> = match call.method {
                method::console::WRITE => {
                    let p = message.get_root::<console::write_params::Reader<'_>>().map_err(malformed)?;
                    let text = p.get_text().map_err(malformed)?;
                    core::str::from_utf8(text.as_bytes()).map_err(|_| CapError::MalformedParams)?;
                    text.as_bytes().to_vec()
                }
                method::console::WRITE_BYTES => {
                    let p =
                        message.get_root::<console::write_bytes_params::Reader<'_>>().map_err(malformed)?;
                    p.get_data().map_err(malformed)?.to_vec()
                }
                _ => return Err(CapError::UnknownMethod),
            };
            if bytes.len() > console::MAX_WRITE_BYTES as usize {
                return Err(CapError::TooLarge);
            }
            let (port, crlf) = *STDERR.lock();
            Ok((port, bytes, crlf))
        })();
        match result {
            Ok((port, bytes, crlf)) => super::output::write(port, &bytes, crlf, call.pending),
            Err(e) => Outcome::Error(e),
        }
    }
}
