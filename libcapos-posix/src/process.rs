//! The process: `exit`, `exit_group`, ids, `uname`, `getrandom`,
//! `getrlimit`/`prlimit64` and `ioctl`'s dispatch (signals and process
//! groups are in [`crate::signal`]).

use crate::errno::{Errno, SysResult};
use crate::fd::{self, Object};
use crate::musl;
use crate::user;

/// `exit_group(code)`: ends the process.
pub fn exit_group(code: u64) -> ! {
    capos_rt::syscall::exit(code as i32)
}

/// `exit(code)`: ends the calling thread (the last one ends the process).
pub fn exit(code: u64) -> ! {
    crate::thread::exit_thread(code as i32)
}

/// `getpid()`.
pub fn getpid() -> SysResult {
    Ok(capos_rt::entry::caps().map_or(0, |c| c.pid()) as i64)
}

/// `getppid()`: the spawner's pid, or the process that adopted this one
/// when the spawner ended (a system call: it changes).
pub fn getppid() -> SysResult {
    crate::signal::getppid()
}

/// `getuid()` and the other id calls: capOS has no users; every process
/// reports uid and gid 0.
pub fn id() -> SysResult {
    Ok(0)
}

fn field<const N: usize>(text: &str) -> [core::ffi::c_char; N] {
    let mut out = [0 as core::ffi::c_char; N];
    for (o, b) in out.iter_mut().zip(text.bytes().take(N - 1)) {
        *o = b as core::ffi::c_char;
    }
    out
}

/// `uname(buf)`.
pub fn uname(buf: u64) -> SysResult {
    let u = musl::utsname {
        sysname: field("capOS"),
        nodename: field("capos"),
        release: field(env!("CARGO_PKG_VERSION")),
        version: field("capOS"),
        machine: field("x86_64"),
        domainname: field("(none)"),
    };
    user::write(buf, u)?;
    Ok(0)
}

/// `getrandom(buf, length, flags)`.
pub fn getrandom(buf: u64, length: u64, flags: u64) -> SysResult {
    if flags & !((musl::GRND_NONBLOCK | musl::GRND_RANDOM) as u64) != 0 {
        return Err(Errno::EINVAL);
    }
    let length = length.min(32 * 1024 * 1024);
    crate::terminal::random_bytes(user::bytes_mut(buf, length as usize)?)?;
    Ok(length as i64)
}

/// The limit of resource `resource`: `(current, maximum)`.
fn limit(resource: u64) -> Result<(u64, u64), Errno> {
    let infinity = u64::MAX;
    Ok(match resource as i32 {
        // Every open file and pipe end holds a cap: the cap-table quota
        // bounds them before the fd table does.
        musl::RLIMIT_NOFILE => {
            let n = (fd::MAX_FDS as u64).min(u64::from(capos_abi::process::DEFAULT_CAP_SLOTS));
            (n, n)
        }
        // The main stack grows on touch up to its reserve.
        musl::RLIMIT_STACK => (capos_abi::layout::STACK_RESERVE, capos_abi::layout::STACK_RESERVE),
        musl::RLIMIT_NPROC => {
            (capos_abi::syscall::MAX_THREADS as u64, capos_abi::syscall::MAX_THREADS as u64)
        }
        r if (0..16).contains(&r) => (infinity, infinity),
        _ => return Err(Errno::EINVAL),
    })
}

/// `prlimit64(pid, resource, new, old)` for this process: reads limits;
/// changing one is `EPERM` (they are capOS's, not the program's).
pub fn prlimit64(pid: u64, resource: u64, new: u64, old: u64) -> SysResult {
    if pid != 0 && pid as i64 != getpid()? {
        return Err(Errno::ESRCH);
    }
    let (cur, max) = limit(resource)?;
    if new != 0 {
        return Err(Errno::EPERM);
    }
    if old != 0 {
        user::write(old, musl::rlimit { rlim_cur: cur, rlim_max: max })?;
    }
    Ok(0)
}

/// `getrlimit(resource, buf)`.
pub fn getrlimit(resource: u64, buf: u64) -> SysResult {
    prlimit64(0, resource, 0, buf)
}

/// `ioctl(fd, request, arg)`.
pub fn ioctl(fd: i64, request: u64, arg: u64) -> SysResult {
    let d = fd::get(fd)?;
    match &d.object {
        Object::File(_) | Object::Dir(_) | Object::Pipe(_) => Err(Errno::ENOTTY),
        device => crate::terminal::ioctl(device, request, arg),
    }
}
