//! `spawner`: starts two children with different caps — `hello` with a
//! console, `stranger` with nothing — then `faulter` with a console, waits
//! for each, and prints how each ended; it carries on after the fault. Then
//! it starts a child that spins forever and kills it through its handle,
//! and tries a binary that does not exist. Last, it spawns and drops more
//! process handles than its cap table has slots ([`CHURN`]): each dropped
//! handle releases its slot, so it can still spawn afterwards.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::format;
use capos::prelude::*;

capos::entry_point!(main);

/// Children spawned, waited for and dropped one after another: more than
/// the 256 slots of a cap table.
const CHURN: usize = 300;

fn main(caps: Caps) -> i32 {
    let console = match Console::from_caps(&caps, "console") {
        Ok(console) => console,
        Err(e) => return fail(e),
    };
    match run(&caps, &console) {
        Ok(()) => 0,
        Err(e) => fail(e),
    }
}

fn run(caps: &Caps, console: &Console) -> Result<(), capos::Error> {
    let spawner = ProcessSpawner::from_caps(caps, "processSpawner")?;
    let grants = [Grant::cap("console", console.id())];
    let (hello, hello_pid) = spawner.spawn("hello", &["spawner's child"], &[], &grants)?;
    let (stranger, stranger_pid) = spawner.spawn("stranger", &[], &[], &[])?;
    console.line(&format!("spawner: started hello (pid {hello_pid}) and stranger (pid {stranger_pid})"))?;
    console.line(&format!("spawner: hello {}", hello.wait()?))?;
    console.line(&format!("spawner: stranger {}", stranger.wait()?))?;
    let (faulter, faulter_pid) = spawner.spawn("faulter", &[], &[], &grants)?;
    console.line(&format!("spawner: faulter (pid {faulter_pid}) {}", faulter.wait()?))?;
    // A child that never ends on its own: kill it through its handle.
    let (spinner, spinner_pid) = spawner.spawn("faulter", &["spin"], &[], &[])?;
    let pending = spinner.wait_async()?;
    spinner.kill()?;
    let status = ProcessHandle::exit_status(pending.wait()?)?;
    console.line(&format!("spawner: spinning child (pid {spinner_pid}) {}", status))?;
    let again = spinner.wait()?;
    console.line(&format!("spawner: waiting again reports it {}", again))?;
    match spawner.spawn("no-such-binary", &[], &[], &[]) {
        Err(e) => console.line(&format!("spawner: spawning a missing binary failed: {e}"))?,
        Ok(_) => console.line("spawner: error: spawning a missing binary succeeded")?,
    }
    for i in 0..CHURN {
        let (child, _) = spawner.spawn("stranger", &[], &[], &[]).inspect_err(|e| {
            let _ = console.line(&format!("spawner: spawn {i} of {CHURN} failed: {e}"));
        })?;
        child.wait()?;
    }
    let (last, _) = spawner.spawn("stranger", &[], &[], &[])?;
    console
        .line(&format!("spawner: {CHURN} handles spawned and dropped; one more child {}", last.wait()?))?;
    console.line("spawner: done")?;
    Ok(())
}
