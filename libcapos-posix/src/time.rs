//! Clocks and sleeping over the `timer` (monotonic nanoseconds since
//! boot) and `wallClock` (the real time) caps: `clock_gettime`,
//! `clock_getres`, `gettimeofday`, `time`, `nanosleep`,
//! `clock_nanosleep`.
//!
//! `CLOCK_PROCESS_CPUTIME_ID` and `CLOCK_THREAD_CPUTIME_ID` are the
//! kernel's CPU-time counts (`cpu_time` syscall): every thread's since the
//! process started (`exec` keeps counting), or the calling thread's.

use capos_rt::Borrowed;
use capos_rt::client::{Timer, WallClock};

use crate::errno::{Errno, SysResult};
use crate::musl;
use crate::user;

const NS: u64 = 1_000_000_000;

fn timer() -> Result<Borrowed<'static, Timer>, Errno> {
    capos_rt::entry::caps().and_then(|caps| Timer::from_caps(&caps, "timer").ok()).ok_or(Errno::EINVAL)
}

fn wall_clock() -> Result<Borrowed<'static, WallClock>, Errno> {
    capos_rt::entry::caps()
        .and_then(|caps| WallClock::from_caps(&caps, "wallClock").ok())
        .ok_or(Errno::EINVAL)
}

/// Nanoseconds of clock `clock` (Linux's clock ids).
fn now_ns(clock: i32) -> Result<i128, Errno> {
    match clock {
        musl::CLOCK_REALTIME | musl::CLOCK_REALTIME_COARSE => {
            let t = wall_clock()?.now()?;
            Ok(i128::from(t.seconds) * NS as i128 + i128::from(t.nanos))
        }
        musl::CLOCK_MONOTONIC
        | musl::CLOCK_MONOTONIC_RAW
        | musl::CLOCK_MONOTONIC_COARSE
        | musl::CLOCK_BOOTTIME => Ok(i128::from(timer()?.now()?)),
        musl::CLOCK_PROCESS_CPUTIME_ID => Ok(i128::from(capos_rt::syscall::cpu_time_ns(false))),
        musl::CLOCK_THREAD_CPUTIME_ID => Ok(i128::from(capos_rt::syscall::cpu_time_ns(true))),
        _ => Err(Errno::EINVAL),
    }
}

fn timespec(ns: i128) -> musl::timespec {
    musl::timespec { tv_sec: ns.div_euclid(NS as i128) as i64, tv_nsec: ns.rem_euclid(NS as i128) as i64 }
}

/// A `timespec` argument as nanoseconds (`EINVAL` for a bad one).
fn read_timespec(ptr: u64) -> Result<i128, Errno> {
    let ts: musl::timespec = user::read(ptr)?;
    if !(0..NS as i64).contains(&ts.tv_nsec) || ts.tv_sec < 0 {
        return Err(Errno::EINVAL);
    }
    Ok(i128::from(ts.tv_sec) * NS as i128 + i128::from(ts.tv_nsec))
}

/// `clock_gettime(clock, ts)`.
pub fn clock_gettime(clock: u64, ts: u64) -> SysResult {
    let ns = now_ns(clock as i32)?;
    user::write(ts, timespec(ns))?;
    Ok(0)
}

/// `clock_getres(clock, ts)`: 1 ns for every clock (the timer counts
/// nanoseconds from the TSC).
pub fn clock_getres(clock: u64, ts: u64) -> SysResult {
    now_ns(clock as i32)?;
    if ts != 0 {
        user::write(ts, timespec(1))?;
    }
    Ok(0)
}

/// `gettimeofday(tv, tz)`: the real time; the zone is UTC.
pub fn gettimeofday(tv: u64, tz: u64) -> SysResult {
    if tv != 0 {
        let ns = now_ns(musl::CLOCK_REALTIME)?;
        let ts = timespec(ns);
        user::write(tv, musl::timeval { tv_sec: ts.tv_sec, tv_usec: ts.tv_nsec / 1000 })?;
    }
    if tz != 0 {
        user::write(tz, [0i32; 2])?;
    }
    Ok(0)
}

/// Clock ticks of `times` (`sysconf(_SC_CLK_TCK)`, musl's 100).
const TICK_NS: u64 = NS / 100;

/// Nanoseconds of CPU of `which` (`capos_abi::syscall::cpu_time`).
fn cpu_ns(which: u64) -> u64 {
    capos_rt::syscall::cpu_time(which).max(0) as u64
}

/// `times(buf)`: the process's CPU time and its ended children's, in
/// clock ticks; user and system time are not told apart (all is user
/// time). Returns the monotonic clock in ticks.
pub fn times(buf: u64) -> SysResult {
    use capos_abi::syscall::cpu_time;
    let ticks = |ns: u64| (ns / TICK_NS) as i64;
    if buf != 0 {
        let t = musl::tms {
            tms_utime: ticks(cpu_ns(cpu_time::PROCESS)),
            tms_stime: 0,
            tms_cutime: ticks(cpu_ns(cpu_time::CHILDREN)),
            tms_cstime: 0,
        };
        user::write(buf, t)?;
    }
    Ok(ticks(timer()?.now()?))
}

/// `getrusage(who, usage)`: `RUSAGE_SELF`, `RUSAGE_THREAD` and
/// `RUSAGE_CHILDREN` (ended children, theirs included) CPU time as
/// `ru_utime` (user and system time are not told apart); the other
/// fields are 0 (capOS counts no faults, swaps or context switches per
/// process yet).
pub fn getrusage(who: u64, usage: u64) -> SysResult {
    use capos_abi::syscall::cpu_time;
    let which = match who as i32 {
        musl::RUSAGE_SELF => cpu_time::PROCESS,
        musl::RUSAGE_THREAD => cpu_time::THREAD,
        musl::RUSAGE_CHILDREN => cpu_time::CHILDREN,
        _ => return Err(Errno::EINVAL),
    };
    let ns = cpu_ns(which);
    // SAFETY: `rusage` is plain integers, for which all-zero is valid.
    let mut r: musl::rusage = unsafe { core::mem::zeroed() };
    r.ru_utime = musl::timeval { tv_sec: (ns / NS) as i64, tv_usec: (ns % NS / 1000) as i64 };
    user::write(usage, r)?;
    Ok(0)
}

/// `time(tloc)`.
pub fn time(tloc: u64) -> SysResult {
    let seconds = now_ns(musl::CLOCK_REALTIME)?.div_euclid(NS as i128) as i64;
    if tloc != 0 {
        user::write(tloc, seconds)?;
    }
    Ok(seconds)
}

/// Sleeps `ns` nanoseconds.
/// Sleeps `ns`; a handler interrupts it (`EINTR`, whatever
/// `SA_RESTART` says, as on Linux) and the time left goes to `rem` (if
/// not 0).
fn sleep(ns: i128, rem: u64) -> SysResult {
    if ns <= 0 {
        return Ok(0);
    }
    let timer = timer()?;
    let ns = u64::try_from(ns).unwrap_or(u64::MAX);
    let end = timer.now()?.saturating_add(ns);
    let since = crate::signal::generation();
    let pending = timer.sleep_async(ns)?;
    loop {
        match capos_rt::call::wait_any_interruptible(&[&pending], capos_abi::syscall::NO_TIMEOUT) {
            Ok(Some(_)) => return pending.wait().map(|_| 0).map_err(Errno::from),
            Err(capos_abi::error::CapError::Interrupted) => {
                crate::signal::interrupted(since);
                if crate::signal::handled_since(since) {
                    if rem != 0 {
                        let left = end.saturating_sub(timer.now()?);
                        user::write(
                            rem,
                            musl::timespec { tv_sec: (left / NS) as i64, tv_nsec: (left % NS) as i64 },
                        )?;
                    }
                    return Err(Errno::EINTR);
                }
            }
            Err(e) => return Err(e.into()),
            Ok(None) => {}
        }
    }
}

/// `nanosleep(req, rem)`.
pub fn nanosleep(req: u64, rem: u64) -> SysResult {
    sleep(read_timespec(req)?, rem)
}

/// `clock_nanosleep(clock, flags, req, rem)`: returns the error number
/// itself (not -1 and errno), as Linux's does; musl passes it on.
pub fn clock_nanosleep(clock: u64, flags: u64, req: u64, rem: u64) -> SysResult {
    let clock = clock as i32;
    if clock == musl::CLOCK_THREAD_CPUTIME_ID {
        return Err(Errno::EINVAL);
    }
    let asked = read_timespec(req)?;
    let absolute = flags & musl::TIMER_ABSTIME as u64 != 0;
    let delta = if absolute { asked - now_ns(clock)? } else { asked };
    sleep(delta, if absolute { 0 } else { rem })
}
