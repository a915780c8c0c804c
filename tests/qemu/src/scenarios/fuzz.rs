//! The randomized ring fuzzer (`apps/ring-fuzz`, manifest
//! `systems/ring-fuzz.cue`): 60 s of random SQEs from a seed the app picks
//! and prints. The scenario fails on a kernel panic or exception (the
//! session sees it), on a hang (no progress line for [`WATCHDOG`]), on a
//! child that saw the kernel break a ring-ABI promise, on a frame or cap
//! slot not returned once every process has ended, and on a kernel heap
//! that grew by more than [`HEAP_SLACK`]; each failure names the seed and
//! the command that replays it.
//!
//! `make fuzz-qemu SECONDS=N SEED=S` runs this same scenario on the
//! manifest `build/manifest-ring-fuzz-run.bin` (the environment variable
//! `CAPOS_FUZZ_MANIFEST` names it), built with those arguments.

use std::time::Duration;

use super::Scenario;
use crate::harness::{BOOT_TIMEOUT, Ctx, STEP_TIMEOUT, TestFailure, ensure, no_frames_leaked, re};

/// This module's scenarios.
pub const SCENARIOS: &[Scenario] = &[Scenario {
    name: "ring-fuzz",
    about: "randomized ring fuzzer for 60 s (seed printed); no panic, hang, broken promise or leak",
    run: ring_fuzz,
}];

/// The longest silence allowed between two of the driver's lines (it
/// prints progress every 10 s of its time).
const WATCHDOG: Duration = Duration::from_secs(45);

fn ring_fuzz(ctx: &mut Ctx) -> Result<(), TestFailure> {
    let manifest = std::env::var("CAPOS_FUZZ_MANIFEST").unwrap_or_else(|_| String::from("ring-fuzz"));
    let mut session = ctx.boot_manifest(&manifest)?;
    let start =
        session.expect(&re(r"ring-fuzz: seed (\d+), (\d+) seconds, children from (\d+)$"), BOOT_TIMEOUT)?;
    let seed = start.get(1).unwrap_or_default().to_string();
    let seconds = start.get(2).unwrap_or_default().to_string();
    let first: u64 = start.parse(3).map_err(TestFailure::new)?;
    let replay = format!("seed {seed} (replay: make fuzz-qemu SECONDS={seconds} SEED={seed})");
    ctx.note(format!("fuzzed {seconds} s from {replay}"));
    let mut started = first;
    let watched = watch(&mut session, first, &mut started).and_then(|summary| {
        let status = session.expect(&re(r"\[init\] ring-fuzz \(pid \d+\) (.+)$"), STEP_TIMEOUT)?;
        ensure(status.get(1) == Some("exited with code 0"), &session, || status.line.clone())?;
        let leaks = no_frames_leaked(&mut session)?;
        let heap = heap_bounded(&mut session)?;
        Ok(format!("{summary}; {leaks}; {heap}"))
    });
    match watched {
        Ok(summary) => {
            ctx.note(summary);
            Ok(())
        }
        Err(failure) => {
            // The children running at the end were among the last ones
            // started: a replay can begin with them.
            let near = started.saturating_sub(4).max(first);
            Err(TestFailure::new(format!(
                "ring-fuzz failed with {replay}; to start with the children of that moment: \
                 make fuzz-qemu SECONDS=60 SEED={seed} FIRST={near}\n{failure}"
            )))
        }
    }
}

/// Kernel heap growth allowed over a whole run: what the kernel keeps
/// (list capacities and the like) is a few KiB, while leaking a process's
/// or a thread's kernel objects costs hundreds of bytes each, over
/// thousands of fuzz children.
const HEAP_SLACK: usize = 16 * 1024;

/// Reads the kernel's heap report (printed after the frame report) and
/// fails if the heap grew by more than [`HEAP_SLACK`].
fn heap_bounded(session: &mut qemu_runner::Session) -> Result<String, TestFailure> {
    let line = session.expect(
        &re(r"kernel heap: (\d+) bytes in use \((\d+) before init\), \d+ KiB mapped$"),
        STEP_TIMEOUT,
    )?;
    let after: usize = line.parse(1).map_err(TestFailure::new)?;
    let before: usize = line.parse(2).map_err(TestFailure::new)?;
    ensure(after <= before + HEAP_SLACK, session, || {
        format!(
            "the kernel heap grew by {} bytes ({before} in use before init, {after} after)",
            after - before
        )
    })?;
    Ok(format!("kernel heap {after} bytes in use ({before} before init)"))
}

/// Follows the driver's lines to its summary; fails on a `FAILED` line or
/// when it falls silent for [`WATCHDOG`].
/// `started` follows the number of children started (numbered from
/// `first`), from the progress lines.
fn watch(session: &mut qemu_runner::Session, first: u64, started: &mut u64) -> Result<String, TestFailure> {
    let line =
        re(r"ring-fuzz: (progress \d+ s: (\d+) children.*|FAILED: .*|error: .*|done: .*, (\d+) failures)$");
    loop {
        let found = session.expect(&line, WATCHDOG)?;
        let text = found.get(1).unwrap_or_default();
        if let Ok(children) = found.parse::<u64>(2) {
            *started = first + children;
        }
        if text.starts_with("FAILED") || text.starts_with("error") {
            return Err(TestFailure::in_session(session, format!("the fuzzer reported: {text}")));
        }
        if let Some(failures) = found.get(3) {
            ensure(failures == "0", session, || format!("the fuzzer reported: {text}"))?;
            return Ok(text.trim_start_matches("done: ").to_string());
        }
    }
}
