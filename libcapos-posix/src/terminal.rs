//! The character devices: the terminal (`terminal` cap, a
//! `TerminalSession`), standard error (`stderr`, a write-only console),
//! the kernel console (`console`), and `/dev/null`, `/dev/zero`,
//! `/dev/urandom` — their reads, writes and `ioctl`s.

use capos_abi::error::CapError;
use capos_rt::client::{Console, EntropySource, TerminalMode, TerminalSession};
use capos_rt::{Borrowed, Handle};

use crate::errno::{Errno, SysResult};
use crate::fd::Object;
use crate::musl;

/// Most bytes one terminal or console write call carries.
const MAX_WRITE: usize = 60 * 1024;

/// The process's bootstrap cap `name` as a client of type `T` (a view:
/// bootstrap caps live as long as the process).
fn cap<T: Handle>(name: &str) -> Option<Borrowed<'static, T>> {
    capos_rt::entry::caps().and_then(|caps| caps.get(name).ok())
}

/// The `terminal` cap.
pub fn terminal() -> Option<Borrowed<'static, TerminalSession>> {
    cap("terminal")
}

/// The `stderr` cap.
pub fn stderr() -> Option<Borrowed<'static, Console>> {
    cap("stderr")
}

/// The `console` cap.
pub fn console() -> Option<Borrowed<'static, Console>> {
    cap("console")
}

/// The `entropy` cap.
pub fn entropy() -> Option<Borrowed<'static, EntropySource>> {
    cap("entropy")
}

/// Fills `buf` with random bytes from the `entropy` cap (`ENOSYS` without
/// one: there is no other source).
pub fn random_bytes(buf: &mut [u8]) -> Result<(), Errno> {
    let source = entropy().ok_or(Errno::ENOSYS)?;
    for chunk in buf.chunks_mut(4096) {
        let bytes = source.get_bytes(chunk.len() as u32)?;
        if bytes.len() != chunk.len() {
            return Err(Errno::EIO);
        }
        chunk.copy_from_slice(&bytes);
    }
    Ok(())
}

/// Reads from a device into `buf`.
pub fn read(object: &Object, buf: &mut [u8]) -> SysResult {
    match object {
        Object::Terminal => {
            let t = terminal().ok_or(Errno::EBADF)?;
            let max = buf.len().clamp(1, 65536);
            let data = t.read(max).map_err(|e| match e {
                CapError::Interrupted => Errno::EINTR,
                // A background process group that SIGTTIN would not stop.
                CapError::PermissionDenied => Errno::EIO,
                e => e.into(),
            })?;
            let n = data.len().min(buf.len());
            buf[..n].copy_from_slice(&data[..n]);
            Ok(n as i64)
        }
        Object::Null => Ok(0),
        Object::Zero => {
            buf.fill(0);
            Ok(buf.len() as i64)
        }
        Object::Random => {
            random_bytes(buf)?;
            Ok(buf.len() as i64)
        }
        Object::Stderr | Object::Console => Err(Errno::EBADF),
        Object::File(_) | Object::Dir(_) | Object::Pipe(_) => Err(Errno::EINVAL),
    }
}

/// Writes `data` to a device; all of it, or an error.
pub fn write(object: &Object, data: &[u8]) -> SysResult {
    let sink: &dyn Fn(&[u8]) -> Result<(), CapError> = match object {
        Object::Terminal => {
            let t = terminal().ok_or(Errno::EBADF)?;
            for chunk in data.chunks(MAX_WRITE) {
                job_control(|| t.write(chunk))?;
            }
            return Ok(data.len() as i64);
        }
        Object::Stderr => {
            let c = stderr().ok_or(Errno::EBADF)?;
            &move |d| c.write_bytes(d)
        }
        Object::Console => {
            let c = console().ok_or(Errno::EBADF)?;
            &move |d| c.write_bytes(d)
        }
        Object::Null | Object::Zero | Object::Random => return Ok(data.len() as i64),
        Object::File(_) | Object::Dir(_) | Object::Pipe(_) => return Err(Errno::EINVAL),
    };
    for chunk in data.chunks(MAX_WRITE) {
        sink(chunk)?;
    }
    Ok(data.len() as i64)
}

/// Runs a terminal write or mode change under job control: `SIGTTOU`
/// stopped the caller's background group (`Interrupted`; under `TOSTOP`
/// for a write) and the call is made again once it is continued, or fails
/// with `EINTR` when a handler without `SA_RESTART` ran meanwhile (as
/// Linux restarts it); `EIO` for an orphaned group.
fn job_control(call: impl Fn() -> Result<(), CapError>) -> Result<(), Errno> {
    let since = crate::signal::generation();
    loop {
        match call() {
            Ok(()) => return Ok(()),
            Err(CapError::Interrupted) => {
                if crate::signal::interrupted(since) {
                    return Err(Errno::EINTR);
                }
            }
            Err(CapError::PermissionDenied) => return Err(Errno::EIO),
            Err(e) => return Err(e.into()),
        }
    }
}

/// `ioctl(fd, request, arg)` on a device: the terminal's `TCGETS`,
/// `TCSETS*`, `TIOCGWINSZ`, `TIOCSWINSZ`, `TIOCGPGRP`, `TIOCSPGRP`;
/// `ENOTTY` for anything else.
pub fn ioctl(object: &Object, request: u64, arg: u64) -> SysResult {
    let Object::Terminal = object else { return Err(Errno::ENOTTY) };
    let t = terminal().ok_or(Errno::ENOTTY)?;
    match request as i64 {
        r if r == musl::TIOCGWINSZ as i64 => {
            let (rows, cols) = t.window_size()?;
            crate::user::write(
                arg,
                musl::winsize { ws_row: rows, ws_col: cols, ws_xpixel: 0, ws_ypixel: 0 },
            )?;
            Ok(0)
        }
        r if r == musl::TIOCSWINSZ as i64 => {
            let size: musl::winsize = crate::user::read(arg)?;
            t.set_window_size(size.ws_row, size.ws_col)?;
            Ok(0)
        }
        r if r == musl::TCGETS as i64 => {
            let mode = t.mode()?;
            crate::user::write(arg, termios(mode))?;
            Ok(0)
        }
        r if r == musl::TCSETS as i64 || r == musl::TCSETSW as i64 || r == musl::TCSETSF as i64 => {
            let wanted: musl::termios = crate::user::read(arg)?;
            let lflag = wanted.c_lflag;
            let mode = TerminalMode {
                canonical: lflag & musl::ICANON as u32 != 0,
                echo: lflag & musl::ECHO as u32 != 0,
                signals: lflag & musl::ISIG as u32 != 0,
                tostop: lflag & musl::TOSTOP as u32 != 0,
            };
            job_control(|| t.set_mode(mode))?;
            Ok(0)
        }
        r if r == musl::TIOCGPGRP as i64 => {
            // No foreground group set yet: the caller's own (so a shell
            // that checks it is in the foreground finds it is).
            let group = match t.foreground()? {
                0 => crate::signal::getpgid(0)? as u64,
                g => g,
            };
            crate::user::write(arg, group as i32)?;
            Ok(0)
        }
        r if r == musl::TIOCSPGRP as i64 => {
            let group: i32 = crate::user::read(arg)?;
            if group <= 0 {
                return Err(Errno::EINVAL);
            }
            t.set_foreground(group as u64).map_err(|e| match e {
                CapError::PermissionDenied => Errno::EPERM,
                e => e.into(),
            })?;
            Ok(0)
        }
        _ => Err(Errno::EINVAL),
    }
}

/// The `termios` a terminal in `mode` reports: Linux's defaults for a
/// serial terminal, with `ICANON`, `ECHO`, `ISIG` and `TOSTOP` from the
/// mode.
fn termios(mode: TerminalMode) -> musl::termios {
    let mut t = musl::termios {
        c_iflag: musl::ICRNL as u32,
        c_oflag: (musl::OPOST | musl::ONLCR) as u32,
        c_cflag: (musl::CS8 | musl::B38400) as u32,
        c_lflag: musl::IEXTEN as u32,
        ..Default::default()
    };
    if mode.canonical {
        t.c_lflag |= musl::ICANON as u32;
    }
    if mode.echo {
        t.c_lflag |= (musl::ECHO | musl::ECHOE | musl::ECHOK) as u32;
    }
    if mode.signals {
        t.c_lflag |= musl::ISIG as u32;
    }
    if mode.tostop {
        t.c_lflag |= musl::TOSTOP as u32;
    }
    for (index, value) in [
        (musl::VINTR, 3u8),
        (musl::VQUIT, 28),
        (musl::VERASE, 127),
        (musl::VKILL, 21),
        (musl::VEOF, 4),
        (musl::VMIN, 1),
        (musl::VSUSP, 26),
    ] {
        t.c_cc[index as usize] = value;
    }
    t.__c_ispeed = musl::B38400 as u32;
    t.__c_ospeed = musl::B38400 as u32;
    t
}
