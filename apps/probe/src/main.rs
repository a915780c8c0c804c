//! `probe`: a test program for shells and `capos run`.
//!
//! ```text
//! probe [--out TEXT]... [--err TEXT]... [--cat-stdin] [--abandon-read] [--args]
//!       [--spawn-orphan hang|spin]... [--panic TEXT] [--hang] [--spin] [--exit N]
//! ```
//!
//! In order: `--out` writes TEXT and a newline to standard output, `--err`
//! to standard error, `--cat-stdin` copies standard input to standard
//! output until end of file, `--abandon-read` starts a terminal read and
//! exits without waiting for it (the kernel must drop the read, so the
//! next line goes to whoever reads next), `--args` prints each argument on
//! its own line, `--spawn-orphan hang` starts a child `probe --hang` (and
//! `spin` one `probe --spin`) with no caps through the `processSpawner`
//! cap and leaves it running, `--panic` panics with TEXT (status 101),
//! `--hang` waits forever for a completion that never comes, `--spin`
//! loops forever on the CPU;
//! then it exits with N (default 0). A bad option exits with 2.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::format;
use alloc::vec::Vec;
use capos::prelude::*;

capos::entry_point!(main);

fn main(caps: Caps) -> i32 {
    let args: Vec<&str> = caps.args().collect();
    let (out, err) = (stdout(), stderr());
    let mut status = 0;
    let mut i = 1;
    while i < args.len() {
        let (option, value) = (args[i], args.get(i + 1).copied());
        let result = match (option, value) {
            ("--out", Some(text)) => {
                i += 1;
                out.line(text)
            }
            ("--err", Some(text)) => {
                i += 1;
                err.line(text)
            }
            ("--exit", Some(n)) => {
                i += 1;
                match n.parse() {
                    Ok(n) => {
                        status = n;
                        Ok(())
                    }
                    Err(_) => {
                        let _ = err.line(&format!("probe: bad exit status {n:?}"));
                        return 2;
                    }
                }
            }
            ("--cat-stdin", _) => cat_stdin(&out),
            ("--abandon-read", _) => match stdin() {
                Some(terminal) => terminal.read_async(4096).map(|pending| {
                    // Give the kernel the read, then leave with it pending.
                    let _ = capos::syscall::cap_enter(0, 0);
                    core::mem::forget(pending);
                }),
                None => Err(CapError::NotFound),
            },
            ("--args", _) => args.iter().try_for_each(|a| out.line(a)),
            ("--spawn-orphan", Some(mode @ ("hang" | "spin"))) => {
                i += 1;
                match spawn_orphan(&caps, mode) {
                    Ok(()) => Ok(()),
                    Err(e) => return fail(format_args!("--spawn-orphan: {e}")),
                }
            }
            ("--panic", Some(text)) => panic!("{text}"),
            ("--hang", _) => loop {
                // Nothing is in flight, so no completion ever comes.
                capos::syscall::cap_enter(1, capos::syscall::NO_TIMEOUT);
            },
            ("--spin", _) => loop {
                core::hint::spin_loop();
            },
            (other, _) => {
                let _ = err.line(&format!("probe: unknown option {other:?}"));
                return 2;
            }
        };
        if let Err(e) = result {
            let _ = err.line(&format!("probe: {option}: {e}"));
            return 1;
        }
        i += 1;
    }
    status
}

/// Starts `probe --MODE` with no caps and lets it run on after this
/// process ends (the handle goes with this process's caps).
fn spawn_orphan(caps: &Caps, mode: &str) -> Result<(), capos::Error> {
    let spawner = ProcessSpawner::from_caps(caps, "processSpawner")?;
    let flag = format!("--{mode}");
    spawner.spawn("probe", &[flag.as_str()], &[], &[])?;
    Ok(())
}

fn cat_stdin(out: &capos::stdio::Output) -> Result<(), CapError> {
    let Some(terminal) = stdin() else { return Err(CapError::NotFound) };
    loop {
        let data = terminal.read(4096)?;
        if data.is_empty() {
            return Ok(());
        }
        out.write(&data)?;
    }
}
