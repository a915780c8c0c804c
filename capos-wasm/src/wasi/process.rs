//! Arguments and environment, clocks, `poll_oneoff`, `random_get`,
//! `proc_raise`, `sched_yield` and the `sock_*` calls (this host has no
//! sockets: a socket call on an open fd is `ENOTSOCK`).

use alloc::vec::Vec;

use crate::errno::{Errno, WasiResult};
use crate::fds::Object;
use crate::guest::Guest;
use crate::host::Host;

/// `__WASI_CLOCKID_*`.
const CLOCK_REALTIME: u32 = 0;
const CLOCK_MONOTONIC: u32 = 1;
const CLOCK_PROCESS_CPUTIME: u32 = 2;
const CLOCK_THREAD_CPUTIME: u32 = 3;

/// Writes the sizes of a string list: how many, and their bytes with NULs.
fn sizes(guest: &mut Guest, list: &[alloc::string::String], count: u32, bytes: u32) -> WasiResult {
    let total: usize = list.iter().map(|s| s.len() + 1).sum();
    guest.put_u32(count, list.len() as u32)?;
    guest.put_u32(bytes, u32::try_from(total).map_err(|_| Errno::TOOBIG)?)
}

/// Writes a string list: pointers at `pointers`, NUL-ended strings from
/// `buffer` on.
fn strings(guest: &mut Guest, list: &[alloc::string::String], pointers: u32, buffer: u32) -> WasiResult {
    let mut at = buffer;
    for (i, s) in list.iter().enumerate() {
        guest.put_u32(pointers + 4 * i as u32, at)?;
        guest.write(at, s.as_bytes())?;
        guest.put_u8(at + s.len() as u32, 0)?;
        at += s.len() as u32 + 1;
    }
    Ok(())
}

/// `args_sizes_get(argc, argv_buf_size)`.
pub fn args_sizes_get(host: &mut Host, guest: &mut Guest, count: u32, bytes: u32) -> WasiResult {
    sizes(guest, &host.args, count, bytes)
}

/// `args_get(argv, argv_buf)`.
pub fn args_get(host: &mut Host, guest: &mut Guest, pointers: u32, buffer: u32) -> WasiResult {
    strings(guest, &host.args, pointers, buffer)
}

/// `environ_sizes_get(count, buf_size)`.
pub fn environ_sizes_get(host: &mut Host, guest: &mut Guest, count: u32, bytes: u32) -> WasiResult {
    sizes(guest, &host.env, count, bytes)
}

/// `environ_get(environ, environ_buf)`.
pub fn environ_get(host: &mut Host, guest: &mut Guest, pointers: u32, buffer: u32) -> WasiResult {
    strings(guest, &host.env, pointers, buffer)
}

/// The monotonic clock, in nanoseconds since boot.
fn monotonic(host: &Host) -> WasiResult<u64> {
    Ok(host.timer.as_ref().ok_or(Errno::NOTSUP)?.now()?)
}

/// Clock `id` now, in nanoseconds. The CPU-time clocks are the kernel's
/// counts of `wasm-host`'s process and of the thread running the module
/// (as wasmtime reports its own process's), start-up included.
fn now(host: &Host, id: u32) -> WasiResult<u64> {
    match id {
        CLOCK_REALTIME => {
            let t = host.wall.as_ref().ok_or(Errno::NOTSUP)?.now()?;
            let seconds = u64::try_from(t.seconds).map_err(|_| Errno::OVERFLOW)?;
            Ok(seconds.saturating_mul(1_000_000_000).saturating_add(u64::from(t.nanos)))
        }
        CLOCK_MONOTONIC => monotonic(host),
        CLOCK_PROCESS_CPUTIME => Ok(capos_rt::syscall::cpu_time_ns(false)),
        CLOCK_THREAD_CPUTIME => Ok(capos_rt::syscall::cpu_time_ns(true)),
        _ => Err(Errno::INVAL),
    }
}

/// `clock_res_get(id, resolution)`: 1 µs (the timer's nanoseconds come
/// from the TSC; the wall clock is as fine).
pub fn clock_res_get(host: &mut Host, guest: &mut Guest, id: u32, out: u32) -> WasiResult {
    if id > CLOCK_THREAD_CPUTIME {
        return Err(Errno::INVAL);
    }
    let _ = host;
    guest.put_u64(out, 1_000)
}

/// `clock_time_get(id, precision, time)`.
pub fn clock_time_get(host: &mut Host, guest: &mut Guest, id: u32, _precision: u64, out: u32) -> WasiResult {
    let t = now(host, id)?;
    guest.put_u64(out, t)
}

/// `random_get(buf, buf_len)`: bytes from the `entropy` cap.
pub fn random_get(host: &mut Host, guest: &mut Guest, buffer: u32, length: u32) -> WasiResult {
    guest.bytes_mut(buffer, length)?;
    let entropy = host.entropy.as_ref().ok_or(Errno::NOSYS)?;
    let mut done = 0u32;
    while done < length {
        let ask = (length - done).min(256);
        let bytes = entropy.get_bytes(ask)?;
        if bytes.is_empty() {
            return Err(Errno::IO);
        }
        guest.write(buffer + done, &bytes)?;
        done += bytes.len() as u32;
    }
    Ok(())
}

/// One `subscription` of `poll_oneoff` (48 bytes).
struct Subscription {
    userdata: u64,
    kind: u8,
    /// Clock: its id; fd: the fd.
    id: u32,
    timeout: u64,
    flags: u16,
}

const EVENTTYPE_CLOCK: u8 = 0;
const EVENTTYPE_FD_READ: u8 = 1;
const EVENTTYPE_FD_WRITE: u8 = 2;
const SUBCLOCKFLAGS_ABSTIME: u16 = 1;

/// Whether the fd of subscription `s` is ready for it: a pipe end when a
/// read (data or end of file) or a write (room, or the reader gone) would
/// not wait; anything else at once (files, `/dev/null` and output never
/// block; standard input from the terminal is reported ready and a read of
/// it then waits in `fd_read`). `Err`: the fd's error, for its event.
fn fd_ready(host: &Host, s: &Subscription) -> Result<bool, Errno> {
    match &host.fds.get(s.id)?.object {
        Object::Pipe(p) => {
            let status = p.pipe.status()?;
            Ok(status.peer_gone || if p.write { status.room > 0 } else { status.available > 0 })
        }
        _ => Ok(true),
    }
}

/// `poll_oneoff(in, out, nsubscriptions, nevents)`: waits until an fd
/// subscription is ready ([`fd_ready`]; a pipe end through its
/// `waitReady`) or the earliest clock subscription is due, then reports
/// every ready fd, or, when none is, every clock that is due.
pub fn poll_oneoff(
    host: &mut Host,
    guest: &mut Guest,
    input: u32,
    output: u32,
    count: u32,
    nevents: u32,
) -> WasiResult {
    if count == 0 {
        return Err(Errno::INVAL);
    }
    guest.bytes(input, count.checked_mul(48).ok_or(Errno::FAULT)?)?;
    guest.bytes_mut(output, count.checked_mul(32).ok_or(Errno::FAULT)?)?;
    let mut subs = Vec::new();
    for i in 0..count {
        let at = input + i * 48;
        let s = Subscription {
            userdata: guest.u64(at)?,
            kind: guest.bytes(at + 8, 1)?[0],
            id: guest.u32(at + 16)?,
            timeout: guest.u64(at + 24)?,
            flags: guest.u16(at + 40)?,
        };
        if !matches!(s.kind, EVENTTYPE_CLOCK | EVENTTYPE_FD_READ | EVENTTYPE_FD_WRITE) {
            return Err(Errno::INVAL);
        }
        subs.push(s);
    }
    let events = wait_for_events(host, &subs)?;
    for (i, (userdata, error, kind)) in events.iter().enumerate() {
        let at = output + i as u32 * 32;
        guest.bytes_mut(at, 32)?.fill(0);
        guest.put_u64(at, *userdata)?;
        guest.put_u16(at + 8, error.0)?;
        guest.put_u8(at + 10, *kind)?;
    }
    guest.put_u32(nevents, events.len() as u32)
}

/// The events of [`poll_oneoff`], each (userdata, error, type), once
/// there is at least one.
fn wait_for_events(host: &mut Host, subs: &[Subscription]) -> WasiResult<Vec<(u64, Errno, u8)>> {
    let start = monotonic(host).ok();
    // Each clock's deadline on the monotonic clock, or its error.
    let mut deadlines = Vec::new();
    for s in subs.iter().filter(|s| s.kind == EVENTTYPE_CLOCK) {
        let base = start.ok_or(Errno::NOTSUP);
        let deadline = if s.flags & SUBCLOCKFLAGS_ABSTIME != 0 {
            now(host, s.id)
                .and_then(|clock_now| Ok(base?.saturating_add(s.timeout.saturating_sub(clock_now))))
        } else {
            now(host, s.id).and_then(|_| Ok(base?.saturating_add(s.timeout)))
        };
        deadlines.push((s.userdata, deadline));
    }
    let clock_errors: Vec<_> =
        deadlines.iter().filter_map(|(u, d)| d.err().map(|e| (*u, e, EVENTTYPE_CLOCK))).collect();
    let earliest = deadlines.iter().filter_map(|(_, d)| d.ok()).min();
    loop {
        let mut events: Vec<(u64, Errno, u8)> = Vec::new();
        let mut pipes = Vec::new();
        for s in subs.iter().filter(|s| s.kind != EVENTTYPE_CLOCK) {
            match fd_ready(host, s) {
                Ok(true) => events.push((s.userdata, Errno::SUCCESS, s.kind)),
                Ok(false) => {
                    if let Ok(Object::Pipe(p)) = host.fds.get(s.id).map(|e| &e.object) {
                        pipes.push(p.pipe.clone());
                    }
                }
                Err(e) => events.push((s.userdata, e, s.kind)),
            }
        }
        events.extend(clock_errors.iter().copied());
        let now = match earliest {
            Some(_) => Some(monotonic(host)?),
            None => None,
        };
        if let (Some(now), Some(earliest)) = (now, earliest)
            && now >= earliest
        {
            for (userdata, deadline) in &deadlines {
                if deadline.is_ok_and(|d| d <= now) {
                    events.push((*userdata, Errno::SUCCESS, EVENTTYPE_CLOCK));
                }
            }
        }
        if !events.is_empty() {
            return Ok(events);
        }
        // Nothing yet: wait for a pipe end to become ready, or the time.
        let mut calls = Vec::new();
        for pipe in &pipes {
            let waiting = pipe.wait.borrow_mut().take().filter(|c| !c.is_complete());
            calls.push((Some(pipe), waiting.map_or_else(|| pipe.wait_ready_async(), Ok)?));
        }
        if let (Some(now), Some(earliest)) = (now, earliest) {
            let timer = host.timer.as_ref().ok_or(Errno::NOTSUP)?;
            calls.push((None, timer.sleep_async(earliest - now)?));
        }
        let waited: Vec<&capos_rt::call::PendingCall> = calls.iter().map(|(_, c)| c).collect();
        let result = capos_rt::call::wait_any(&waited);
        drop(waited);
        // A pipe's wait stays in flight for the next poll.
        for (pipe, call) in calls {
            if let Some(pipe) = pipe
                && !call.is_complete()
            {
                *pipe.wait.borrow_mut() = Some(call);
            }
        }
        result?;
    }
}

/// What `proc_raise` does with a signal.
pub enum Raise {
    /// Nothing (signal 0, or one whose default action is to ignore or
    /// stop it: there is no job control).
    Ignore,
    /// End the module with this exit status (128 + the Linux number).
    Terminate(i32),
}

/// `proc_raise(sig)`: the signal's default action (no handlers exist in
/// Preview 1). WASI numbers 1–15 are Linux's; the rest are mapped.
pub fn proc_raise(signal: u32) -> WasiResult<Raise> {
    const LINUX: [i32; 31] = [
        0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28,
        29, 30, 31,
    ];
    let linux = *LINUX.get(signal as usize).ok_or(Errno::INVAL)?;
    Ok(match linux {
        // none, SIGCHLD, SIGCONT, SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU,
        // SIGURG, SIGWINCH
        0 | 17 | 18 | 19 | 20 | 21 | 22 | 23 | 28 => Raise::Ignore,
        n => Raise::Terminate(128 + n),
    })
}

/// `sched_yield()`.
pub fn sched_yield() -> WasiResult {
    capos_rt::syscall::yield_now();
    Ok(())
}

/// Every `sock_*` call: `EBADF` for a closed fd, `ENOTSOCK` for any open
/// one (nothing here is a socket).
pub fn sock(host: &mut Host, fd: u32) -> WasiResult {
    host.fds.get(fd)?;
    Err(Errno::NOTSOCK)
}
