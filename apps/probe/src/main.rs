//! `probe`: a test program for shells and `capos run`.
//!
//! ```text
//! probe [--out TEXT]... [--err TEXT]... [--cat-stdin] [--count-stdin] [--out-bytes N]
//!       [--checksum PATH] [--abandon-read] [--abandon-sleep] [--args] [--spawn-orphan hang|spin]...
//!       [--park-threads N] [--panic TEXT] [--hang] [--spin] [--exit N]
//! ```
//!
//! In order: `--out` writes TEXT and a newline to standard output, `--err`
//! to standard error, `--cat-stdin` copies standard input to standard
//! output until end of file, `--count-stdin` reads standard input to end of
//! file and prints how many bytes came, `--out-bytes N` writes N bytes
//! (lines of `0123456789abcdef…`, 64 bytes with the newline) to standard
//! output, `--checksum PATH` prints the size and the 64-bit FNV-1a hash (in
//! hex) of the file PATH, read through the `fs` cap: `SIZE HASH`,
//! `--abandon-read` starts a terminal read and
//! exits without waiting for it (the kernel must drop the read, so the
//! next line goes to whoever reads next), `--abandon-sleep` starts an
//! hour's sleep on the `timer` cap and exits without waiting for it (the
//! kernel must drop the sleep with the process, not keep it an hour),
//! `--args` prints each argument on
//! its own line, `--spawn-orphan hang` starts a child `probe --hang` (and
//! `spin` one `probe --spin`) with no caps through the `processSpawner`
//! cap and leaves it running (the kernel kills it when probe ends), `--panic` panics with TEXT (status 101),
//! `--park-threads N` starts N threads that park for ever and forgets
//! their handles (the process then ends with them parked),
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
            ("--checksum", Some(path)) => {
                i += 1;
                checksum(&caps, path).and_then(|(size, hash)| out.line(&format!("{size} {hash:016x}")))
            }
            ("--count-stdin", _) => count_stdin().and_then(|n| out.line(&format!("{n}"))),
            ("--out-bytes", Some(n)) => {
                i += 1;
                match n.parse() {
                    Ok(n) => out_bytes(&out, n),
                    Err(_) => {
                        let _ = err.line(&format!("probe: bad byte count {n:?}"));
                        return 2;
                    }
                }
            }
            ("--abandon-read", _) => match stdin() {
                Some(terminal) => terminal.read_async(4096).map(|pending| {
                    // Give the kernel the read, then leave with it pending.
                    let _ = capos::syscall::cap_enter(0, 0);
                    core::mem::forget(pending);
                }),
                None => Err(CapError::NotFound),
            },
            ("--abandon-sleep", _) => match Timer::from_caps(&caps, "timer") {
                Ok(timer) => timer.sleep_async(3_600_000_000_000).map(|pending| {
                    // Give the kernel the sleep, then leave with it pending.
                    let _ = capos::syscall::cap_enter(0, 0);
                    core::mem::forget(pending);
                }),
                Err(_) => Err(CapError::NotFound),
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
            ("--park-threads", Some(n)) => {
                i += 1;
                let Ok(n) = n.parse::<usize>() else { return fail(format_args!("bad thread count {n:?}")) };
                // Threads that park forever; their handles are forgotten, so
                // the process ends with them parked (the kernel must still
                // give back everything they hold).
                let mut handles = Vec::new();
                for _ in 0..n {
                    match capos::thread::spawn(|| {
                        let word = core::sync::atomic::AtomicU32::new(0);
                        loop {
                            let _ = capos::park::park(&word, 0, 0);
                        }
                    }) {
                        Ok(handle) => handles.push(handle),
                        Err(e) => return fail(format_args!("--park-threads: {e}")),
                    }
                }
                capos::syscall::yield_now();
                core::mem::forget(handles);
                Ok(())
            }
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

/// Starts `probe --MODE` with no caps and leaves it running: the kernel
/// kills it when this process ends (a process's children end with it).
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

fn count_stdin() -> Result<u64, CapError> {
    let Some(terminal) = stdin() else { return Err(CapError::NotFound) };
    let mut total = 0u64;
    loop {
        let data = terminal.read(4096)?;
        if data.is_empty() {
            return Ok(total);
        }
        total += data.len() as u64;
    }
}

/// Writes `n` bytes of 64-byte lines in writes of up to 16 KiB.
fn out_bytes(out: &capos::stdio::Output, n: u64) -> Result<(), CapError> {
    const LINE: &[u8; 64] = b"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde\n";
    let block: Vec<u8> = LINE.iter().copied().cycle().take(60 * 1024).collect();
    let mut left = n;
    while left > 0 {
        let take = left.min(block.len() as u64) as usize;
        out.write(&block[..take])?;
        left -= take as u64;
    }
    Ok(())
}

/// The size and 64-bit FNV-1a hash of the file `path` (the `fs` cap's).
fn checksum(caps: &Caps, path: &str) -> Result<(u64, u64), CapError> {
    let root = capos::fs::Directory::from_caps(caps, "fs")?;
    let file = root.open(path, &capos::fs::OpenOptions::new())?;
    let (mut size, mut hash) = (0u64, 0xcbf2_9ce4_8422_2325u64);
    loop {
        let data = file.read(capos::fs::MAX_IO as u32)?;
        if data.is_empty() {
            break;
        }
        size += data.len() as u64;
        for byte in data {
            hash = (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    let _ = file.close();
    Ok((size, hash))
}
