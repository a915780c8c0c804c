//! Running boot binaries: spawn with caps, wait, Ctrl-C interrupts. A
//! program gets the shell's environment and `PWD`, the shell's directory,
//! and (with the standard caps) a `virtualMemory` cap of its own address
//! space and the shell's `pipeFactory`, if it has one.
//!
//! While the program runs its process group (a spawned process leads one
//! of its own) is the terminal's foreground group, so Ctrl-C sends it
//! `SIGINT` as a POSIX terminal does: a program that leaves `SIGINT` at
//! its default dies of it (status 130), one that catches it (an
//! interactive `dash`) goes on. When the foreground group cannot be set
//! (no terminal), the shell kills the program itself on Ctrl-C.
//!
//! A program gets the shell's standard caps by default ([`STANDARD_CAPS`],
//! those the shell holds) or exactly the
//! caps `run -c NAME,NAME… PROGRAM` names (any the shell holds, under the
//! same names); `run -c '' PROGRAM` gives it none at all.

use alloc::format;
use alloc::vec::Vec;
use capos::prelude::*;

use crate::{STATUS_INTERRUPTED, Shell};

/// The caps a program gets unless `run -c` says otherwise: its stdio, the
/// file system, and the read-only clocks and entropy (what a WASI program
/// expects). Not `processSpawner`: starting programs is authority a
/// program must be given with `-c`.
pub const STANDARD_CAPS: [&str; 7] = ["terminal", "stderr", "console", "fs", "timer", "wallClock", "entropy"];

/// The memory a program may use: 256 MiB (the kernel's default for a
/// process is 64 MiB; C programs such as the `tests/c` suite grow a
/// single buffer to 64 MiB), carved out of the shell's own limit (so the
/// shell of `system.cue` has 320 MiB); a shell with less left gives the
/// kernel's default instead.
pub const PROGRAM_MEMORY_LIMIT: u64 = 256 << 20;

/// Exit status when the program does not exist (as in POSIX shells).
pub const STATUS_NOT_FOUND: i32 = 127;
/// Exit status when it exists but could not be started.
pub const STATUS_CANNOT_RUN: i32 = 126;

/// The status a POSIX shell reports for how a process ended.
pub fn status_code(status: ExitStatus) -> i32 {
    status.shell_status()
}

/// Makes sure a `waitInterrupt` is pending for the next Ctrl-C (not one
/// that already happened); returns the interrupt count it waits past.
fn arm_interrupt(shell: &mut Shell, terminal: &TerminalSession) -> Option<u64> {
    let count = terminal.interrupts().ok()?;
    let current = shell.interrupt.as_ref().is_some_and(|(p, after)| *after == count && !p.is_complete());
    if !current {
        shell.interrupt = None;
        let pending = terminal.wait_interrupt_async(count).ok()?;
        shell.interrupt = Some((pending, count));
    }
    Some(count)
}

/// Runs boot binary `name` with `args`: with the standard caps when
/// `chosen` is `None`, else with exactly those (none for an empty list).
/// Returns its status.
pub fn program(shell: &mut Shell, chosen: Option<&[&str]>, name: &str, args: &[&str]) -> i32 {
    let Ok(spawner) = ProcessSpawner::from_caps(&shell.caps, "processSpawner") else {
        shell.error(&format!("{name}: cannot run programs (no processSpawner cap)"));
        return STATUS_CANNOT_RUN;
    };
    let mut grants: Vec<Grant<'_>> = Vec::new();
    match chosen {
        None => {
            for cap in STANDARD_CAPS {
                if let Some(entry) = shell.caps.entry(cap) {
                    grants.push(Grant::cap(cap, entry.cap_id));
                }
            }
        }
        Some(chosen) => {
            for cap in chosen {
                match shell.caps.entry(cap) {
                    Some(entry) => grants.push(Grant::cap(cap, entry.cap_id)),
                    None => {
                        shell.error(&format!("run: this shell holds no cap {cap:?} (see `caps`)"));
                        return crate::STATUS_USAGE;
                    }
                }
            }
        }
    }
    // Every program may manage its own address space (its heap grows
    // through it; C's malloc needs it): a `virtualMemory` cap of the
    // child's own, bounded by its memory limit, unless `run -c` chose the
    // caps.
    if chosen.is_none() {
        grants.push(Grant::kernel("virtualMemory", capos::schema::KernelCap::VirtualMemory));
        // And it may make pipes (POSIX `pipe`), if the shell may: a
        // spawner grants only caps it holds.
        if let Some(entry) = shell.caps.entry("pipeFactory") {
            grants.push(Grant::cap("pipeFactory", entry.cap_id));
        }
    }
    // Armed before the program starts, so a Ctrl-C at any point of its run
    // counts.
    let base = shell.terminal.clone().and_then(|t| arm_interrupt(shell, &t));
    // The program's environment: the shell's own (from its spawner, e.g.
    // `capos run --env`), with PWD set to the shell's directory (a C
    // program starts there).
    let mut env: Vec<alloc::string::String> =
        shell.caps.env().filter(|e| !e.starts_with("PWD=")).map(alloc::string::String::from).collect();
    env.push(format!("PWD={}", shell.cwd));
    let env: Vec<&str> = env.iter().map(|e| e.as_str()).collect();
    // The program's memory is carved out of the shell's: when the shell
    // has less than `PROGRAM_MEMORY_LIMIT` left, the kernel's default
    // (64 MiB, or half of what the shell has left).
    let started = match spawner.spawn_limited(name, args, &env, &grants, PROGRAM_MEMORY_LIMIT) {
        Err(CapError::QuotaExceeded) => spawner.spawn_limited(name, args, &env, &grants, 0),
        other => other,
    };
    let (handle, pid) = match started {
        Ok(started) => started,
        Err(CapError::NotFound) => {
            shell.error(&format!("{name}: program not found"));
            return STATUS_NOT_FOUND;
        }
        Err(e) => {
            shell.error(&format!("{name}: cannot run: {e}"));
            return STATUS_CANNOT_RUN;
        }
    };
    // The terminal's foreground group: the program's, for its run. The
    // program already runs meanwhile: a Ctrl-C before its group has the
    // terminal sent it no `SIGINT` (its read may have failed with
    // `Interrupted` instead), so the shell ends it as it would a program
    // that is not the foreground (`early`).
    let foreground = shell.terminal.clone().and_then(|t| {
        let before = t.foreground().ok()?;
        t.set_foreground(pid).ok()?;
        let early = base.is_some_and(|base| t.interrupts().is_ok_and(|now| now > base));
        Some((t, before, early))
    });
    let early = foreground.as_ref().is_some_and(|(_, _, early)| *early);
    let status = if early {
        shell.interrupt = None;
        let _ = handle.kill();
        // Its end, whatever it was (it may have exited by itself already).
        let _ = handle.wait_async().and_then(|w| w.wait());
        STATUS_INTERRUPTED
    } else {
        wait(shell, handle, name, base, foreground.is_some())
    };
    if let Some((terminal, before, _)) = foreground {
        let _ = terminal.set_foreground(before);
    }
    status
}

/// Waits for `handle`. A Ctrl-C on the terminal meanwhile kills it, unless
/// it is the terminal's foreground group (`signaled`): then the kernel's
/// `SIGINT` decides and its own status is reported.
fn wait(shell: &mut Shell, handle: ProcessHandle, name: &str, base: Option<u64>, signaled: bool) -> i32 {
    // `handle` is released when it goes out of scope here.
    let wait = match handle.wait_async() {
        Ok(w) => w,
        Err(e) => {
            shell.error(&format!("{name}: cannot wait: {e}"));
            return 1;
        }
    };
    let mut interrupted = false;
    if signaled {
        shell.interrupt = None;
    } else if let Some((interrupt, _)) = &shell.interrupt {
        match capos::call::wait_any(&[&wait, interrupt]) {
            Ok(_) if interrupt.is_complete() => {
                interrupted = true;
                shell.interrupt = None;
                let _ = handle.kill();
            }
            Ok(_) => {}
            Err(e) => shell.error(&format!("{name}: cannot wait: {e}")),
        }
    }
    // Ctrl-C counts even when the program ended of it first (say, its
    // terminal read failed with `Interrupted` and it exited).
    if let (Some(terminal), Some(base)) = (&shell.terminal, base)
        && !signaled
        && terminal.interrupts().is_ok_and(|now| now > base)
    {
        interrupted = true;
    }
    let status = match wait.wait().and_then(ProcessHandle::exit_status) {
        Ok(status) => status,
        Err(e) => {
            shell.error(&format!("{name}: cannot wait: {e}"));
            return 1;
        }
    };
    if interrupted {
        return STATUS_INTERRUPTED;
    }
    match status {
        ExitStatus::Faulted { vector, address, .. } => {
            shell.error(&format!("{name}: faulted (vector {vector}, address {address:#x})"));
        }
        ExitStatus::Killed => shell.error(&format!("{name}: killed")),
        // As a POSIX shell running a script: the status (128 + N) says it.
        ExitStatus::Signaled(_) | ExitStatus::Exited(_) => {}
    }
    status_code(status)
}
