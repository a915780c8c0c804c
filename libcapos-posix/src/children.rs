//! Child processes: `fork` (also `vfork`, and `clone` without
//! `CLONE_VM`), `wait4`/`waitpid`, and `kill` of a child, over the kernel's
//! `fork` syscall and the `ProcessHandle` it gives the parent.
//!
//! The child is a copy of the caller (memory, caps at the same ids, the
//! fd table with its open files, the calling thread); its open files share
//! their position with the parent's, as after a POSIX fork, because both
//! hold the same file-service cap. A child a signal ended reports it
//! (`WIFSIGNALED`); a wait is interrupted by a handler (`EINTR`, or goes
//! on under `SA_RESTART`). The kernel copies memory on write (pages are
//! shared until one side writes). `wait4` tells process groups apart (pid
//! 0 or below -1) and reports stops and continues (`WUNTRACED`,
//! `WCONTINUED`) through `ProcessHandle.jobState`; `waitid` reports the
//! same in a `siginfo_t`, and with `WNOWAIT` leaves the child unreaped.

use alloc::collections::BTreeMap;

use capos_abi::error::CapError;
use capos_abi::process::ExitStatus;
use capos_rt::call::PendingCall;
use capos_rt::client::ProcessHandle;
use capos_rt::fork::Forked;
use spin::Mutex;

use crate::errno::{Errno, SysResult};
use crate::user;

/// A child not yet reaped: its handle, the `wait` in flight on it, and
/// its process group as last known (the kernel forgets an ended process,
/// a zombie keeps its group for `wait4(-pgid)`).
struct Child {
    handle: ProcessHandle,
    wait: Option<PendingCall>,
    pgid: u64,
    /// A `jobState` call in flight (armed by `WUNTRACED`/`WCONTINUED`).
    job: Option<PendingCall>,
    /// The kernel's count of its stops and continues last seen.
    job_seen: u64,
    /// A stop or continue not yet reported by `wait4`.
    event: Option<JobEvent>,
    /// How it ended, once its `wait` answered (kept for a `waitid` with
    /// `WNOWAIT`, which leaves the zombie in place).
    ended: Option<ExitStatus>,
}

/// A job-control change of a child that `wait4` reports once.
#[derive(Clone, Copy, PartialEq, Eq)]
enum JobEvent {
    /// Stopped by this signal (`WUNTRACED`).
    Stopped(u8),
    /// Continued (`WCONTINUED`).
    Continued,
}

impl JobEvent {
    /// Linux's wait status: `WIFSTOPPED`/`WSTOPSIG`, `WIFCONTINUED`.
    fn status(self) -> i32 {
        match self {
            Self::Stopped(sig) => (i32::from(sig) << 8) | 0x7f,
            Self::Continued => 0xffff,
        }
    }

    fn wanted(self, options: u64) -> bool {
        match self {
            Self::Stopped(_) => options & WUNTRACED != 0,
            Self::Continued => options & WCONTINUED != 0,
        }
    }
}

/// Which children a `wait4` is for.
#[derive(Clone, Copy)]
enum Which {
    Pid(u64),
    Any,
    Group(u64),
}

impl Which {
    fn of(pid: i64) -> Self {
        match pid {
            p if p > 0 => Self::Pid(p as u64),
            -1 => Self::Any,
            0 => Self::own_group(),
            p => Self::Group(p.unsigned_abs()),
        }
    }

    fn own_group() -> Self {
        Self::Group(crate::signal::getpgid(0).map_or(0, |g| g as u64))
    }

    fn matches(self, pid: u64, child: &Child) -> bool {
        match self {
            Self::Pid(p) => p == pid,
            Self::Any => true,
            Self::Group(g) => child.pgid == g,
        }
    }
}

/// Records that child `pid` moved to group `pgid` (its parent's
/// `setpgid`).
pub fn note_group(pid: u64, pgid: u64) {
    if let Some(child) = CHILDREN.lock().get_mut(&pid) {
        child.pgid = pgid;
    }
}

static CHILDREN: Mutex<BTreeMap<u64, Child>> = Mutex::new(BTreeMap::new());

/// `fork()`: the child's pid in the parent, 0 in the child.
pub fn fork() -> SysResult {
    match capos_rt::fork::fork() {
        Ok(Forked::Parent { pid, handle }) => {
            let pgid = crate::signal::getpgid(0).map_or(0, |g| g as u64);
            CHILDREN.lock().insert(
                pid,
                Child { handle, wait: None, pgid, job: None, job_seen: 0, event: None, ended: None },
            );
            Ok(pid as i64)
        }
        Ok(Forked::Child) => {
            after_fork_in_child();
            Ok(0)
        }
        Err(CapError::QuotaExceeded | CapError::OutOfMemory) => Err(Errno::EAGAIN),
        Err(e) => Err(e.into()),
    }
}

/// The child's side of the adapter: no children of its own, one thread,
/// no calls in flight (they were the parent's).
fn after_fork_in_child() {
    if CHILDREN.is_locked() {
        // SAFETY: only the calling thread exists in the child.
        unsafe { CHILDREN.force_unlock() };
    }
    // The parent's handles are copies in this process's table: let them go
    // without waiting on calls that were the parent's.
    let old = core::mem::take(&mut *CHILDREN.lock());
    for (_, child) in old {
        for call in [child.wait, child.job].into_iter().flatten() {
            core::mem::forget(call);
        }
        drop(child.handle);
    }
    crate::thread::after_fork_in_child();
    crate::fd::after_fork_in_child();
}

/// Whether `pid` is a child not yet reaped (a zombie once it ended: `kill`
/// still finds it).
pub fn is_unreaped(pid: u64) -> bool {
    CHILDREN.lock().contains_key(&pid)
}

/// Linux's wait status for how a process ended.
fn wait_status(status: ExitStatus) -> i32 {
    match status.signal() {
        None => (status.shell_status() & 0xff) << 8,
        // Killed by the signal (a fault's: the one Linux would send).
        Some(sig) => i32::from(sig) & 0x7f,
    }
}

const WNOHANG: u64 = 1;
const WUNTRACED: u64 = 2;
const WCONTINUED: u64 = 8;
/// Linux's `__WNOTHREAD`, `__WALL`, `__WCLONE`: accepted, nothing to do
/// (no thread is waited for as a child).
const THREAD_FLAGS: u64 = 0x2000_0000 | 0x4000_0000 | 0x8000_0000;

/// Starts a `wait` on every child without one, and with `jobs` a
/// `jobState` call; says whether it started any.
fn arm(children: &mut BTreeMap<u64, Child>, which: Which, jobs: bool) -> Result<bool, Errno> {
    let mut started = false;
    for (pid, child) in children.iter_mut() {
        if !which.matches(*pid, child) {
            continue;
        }
        if child.wait.is_none() && child.ended.is_none() {
            child.wait = Some(child.handle.wait_async()?);
            started = true;
        }
        if jobs && child.job.is_none() {
            child.job = Some(child.handle.job_state_async(child.job_seen)?);
            started = true;
        }
    }
    Ok(started)
}

/// Moves the answers of completed `jobState` calls into the children's
/// unreported events (the latest state wins: a stop continued before
/// anyone asked is reported as continued, as Linux does).
fn collect_job_events(children: &mut BTreeMap<u64, Child>) -> Result<(), Errno> {
    for child in children.values_mut() {
        if !child.job.as_ref().is_some_and(PendingCall::is_complete) {
            continue;
        }
        let Some(call) = child.job.take() else { continue };
        let (changes, sig, ended) = ProcessHandle::job_state(call.wait()?)?;
        child.job_seen = changes;
        if !ended {
            child.event = Some(if sig != 0 { JobEvent::Stopped(sig) } else { JobEvent::Continued });
        }
    }
    Ok(())
}

/// What a wait reports about a child.
#[derive(Clone, Copy)]
enum Report {
    /// It ended so.
    Ended(ExitStatus),
    /// It stopped or continued.
    Job(JobEvent),
}

/// `waitid`'s `WEXITED` (`wait4` always has it) and `WNOWAIT`.
const WEXITED: u64 = 4;
const WNOWAIT: u64 = 0x0100_0000;

/// Moves the answers of completed `wait` calls into the children's
/// `ended`.
fn collect_ends(children: &mut BTreeMap<u64, Child>) -> Result<(), Errno> {
    for child in children.values_mut() {
        if !child.wait.as_ref().is_some_and(PendingCall::is_complete) {
            continue;
        }
        let Some(call) = child.wait.take() else { continue };
        child.ended = Some(ProcessHandle::exit_status(call.wait()?)?);
    }
    Ok(())
}

/// The wait of `wait4` and `waitid`: the first child `which` names with
/// something `options` asks for (its end with `WEXITED`, a stop with
/// `WUNTRACED`/`WSTOPPED`, a continue with `WCONTINUED`), reaped (or its
/// event cleared) unless `WNOWAIT`; `None` with `WNOHANG` when none has
/// anything yet; `ECHILD` when `which` names no child.
fn wait_for(which: Which, options: u64) -> Result<Option<(u64, Report)>, Errno> {
    let jobs = options & (WUNTRACED | WCONTINUED) != 0;
    let exited = options & WEXITED != 0;
    let since = crate::signal::generation();
    loop {
        // Look for an ended child under the lock; wait outside it.
        let mut calls = {
            let mut children = CHILDREN.lock();
            if let Which::Group(_) = which {
                // Live children may have moved themselves.
                for (p, child) in children.iter_mut() {
                    if child.ended.is_none()
                        && let Ok(g) = crate::signal::getpgid(*p)
                    {
                        child.pgid = g as u64;
                    }
                }
            }
            if !children.iter().any(|(p, c)| which.matches(*p, c)) {
                return Err(Errno::ECHILD);
            }
            if arm(&mut children, which, jobs)? {
                // Let the kernel take the new waits now: one on a child that
                // already ended (or stopped) completes at once (WNOHANG sees
                // it).
                capos_rt::syscall::cap_enter(0, 0);
            }
            collect_job_events(&mut children)?;
            collect_ends(&mut children)?;
            if crate::signal::no_zombies() {
                // SIGCHLD ignored or SA_NOCLDWAIT: an ended child leaves no
                // zombie; the wait goes on for the others (ECHILD when
                // none is left).
                let before = children.len();
                children.retain(|p, c| !(which.matches(*p, c) && c.ended.is_some()));
                if children.len() != before {
                    continue;
                }
            }
            // The first matching child with something to report: its end,
            // or a stop or continue the options ask for.
            let first = children.iter().filter(|(p, c)| which.matches(**p, c)).find_map(|(p, c)| {
                match (c.ended, c.event) {
                    (Some(status), _) if exited => Some((*p, Report::Ended(status))),
                    (None, Some(e)) if e.wanted(options) => Some((*p, Report::Job(e))),
                    _ => None,
                }
            });
            if let Some((p, report)) = first {
                if options & WNOWAIT == 0 {
                    match report {
                        Report::Ended(_) => drop(children.remove(&p)),
                        Report::Job(_) => {
                            if let Some(child) = children.get_mut(&p) {
                                child.event = None;
                            }
                        }
                    }
                }
                return Ok(Some((p, report)));
            }
            if options & WNOHANG != 0 {
                return Ok(None);
            }
            // Take the waits out to wait on them without the lock (the
            // flag says which: `false` the end, `true` a `jobState`).
            let mut taken: alloc::vec::Vec<(u64, bool, PendingCall)> = alloc::vec::Vec::new();
            for (p, c) in children.iter_mut().filter(|(p, c)| which.matches(**p, c)) {
                if let Some(w) = c.wait.take() {
                    taken.push((*p, false, w));
                }
                if jobs && let Some(j) = c.job.take() {
                    taken.push((*p, true, j));
                }
            }
            taken
        };
        let refs: alloc::vec::Vec<&PendingCall> = calls.iter().map(|(_, _, c)| c).collect();
        let waited = capos_rt::call::wait_any_interruptible(&refs, capos_abi::syscall::NO_TIMEOUT);
        drop(refs);
        let mut children = CHILDREN.lock();
        for (p, job, call) in calls.drain(..) {
            if let Some(child) = children.get_mut(&p) {
                if job {
                    child.job = Some(call);
                } else {
                    child.wait = Some(call);
                }
            }
        }
        drop(children);
        match waited {
            Err(CapError::Interrupted) if crate::signal::interrupted(since) => return Err(Errno::EINTR),
            Err(CapError::Interrupted) | Ok(_) => {}
            Err(e) => return Err(e.into()),
        }
    }
}

/// `wait4(pid, status, options, rusage)`: for child `pid`, any child
/// (-1), a child of the caller's process group (0) or of group `-pid`;
/// `WNOHANG`; `WUNTRACED` and `WCONTINUED` report a child's stop and
/// continue once each (`WNOWAIT` is `waitid`'s, `EINVAL` here as on
/// Linux). With
/// `SIGCHLD` ignored (or `SA_NOCLDWAIT`) children leave no zombies: it
/// waits until none is left and fails with `ECHILD`.
pub fn wait4(pid: u64, status: u64, options: u64, rusage: u64) -> SysResult {
    if options & !(WNOHANG | WUNTRACED | WCONTINUED | THREAD_FLAGS) != 0 {
        return Err(Errno::EINVAL);
    }
    let Some((p, report)) = wait_for(Which::of(pid as i64), options | WEXITED)? else { return Ok(0) };
    if status != 0 {
        user::write(
            status,
            match report {
                Report::Ended(ended) => wait_status(ended),
                Report::Job(event) => event.status(),
            },
        )?;
    }
    if rusage != 0 {
        user::write(rusage, [0u64; 18])?;
    }
    Ok(p as i64)
}

/// `waitid(idtype, id, info, options, rusage)`: for child `id` (`P_PID`),
/// any child (`P_ALL`) or a child of group `id` (`P_PGID`, 0: the
/// caller's); reports its end (`WEXITED`), stop (`WSTOPPED`) or continue
/// (`WCONTINUED`) in `info` as Linux fills it (`si_signo` `SIGCHLD`,
/// `si_code` `CLD_*`, `si_pid`, `si_uid`, `si_status`); `WNOWAIT` leaves
/// the child to a later wait; `WNOHANG` with nothing to report zeroes
/// those fields and returns 0.
pub fn waitid(idtype: u64, id: u64, info: u64, options: u64, rusage: u64) -> SysResult {
    const P_ALL: u64 = 0;
    const P_PID: u64 = 1;
    const P_PGID: u64 = 2;
    const CLD_EXITED: i32 = 1;
    const CLD_KILLED: i32 = 2;
    const CLD_STOPPED: i32 = 5;
    const CLD_CONTINUED: i32 = 6;
    const SIGCHLD: i32 = 17;
    const SIGCONT: i32 = 18;
    let wanted = WEXITED | WUNTRACED | WCONTINUED;
    if options & !(WNOHANG | wanted | WNOWAIT | THREAD_FLAGS) != 0 || options & wanted == 0 {
        return Err(Errno::EINVAL);
    }
    let id = u64::from(id as u32);
    let which = match idtype {
        P_ALL => Which::Any,
        P_PID if (id as i32) > 0 => Which::Pid(id),
        P_PGID if id == 0 => Which::own_group(),
        P_PGID if (id as i32) > 0 => Which::Group(id),
        _ => return Err(Errno::EINVAL),
    };
    let (signo, code, pid, status) = match wait_for(which, options)? {
        None => (0, 0, 0, 0),
        Some((p, Report::Ended(ended))) => match ended.signal() {
            None => (SIGCHLD, CLD_EXITED, p, ended.shell_status() & 0xff),
            Some(sig) => (SIGCHLD, CLD_KILLED, p, i32::from(sig)),
        },
        Some((p, Report::Job(JobEvent::Stopped(sig)))) => (SIGCHLD, CLD_STOPPED, p, i32::from(sig)),
        Some((p, Report::Job(JobEvent::Continued))) => (SIGCHLD, CLD_CONTINUED, p, SIGCONT),
    };
    if info != 0 {
        let uid = if pid == 0 { 0 } else { crate::process::id()? as i32 };
        // siginfo_t: si_signo, si_errno, si_code, padding, then _sigchld's
        // si_pid, si_uid, si_status.
        user::write(info, [signo, 0, code, 0])?;
        user::write(info + 16, [pid as i32, uid, status])?;
    }
    if rusage != 0 {
        user::write(rusage, [0u64; 18])?;
    }
    Ok(0)
}
