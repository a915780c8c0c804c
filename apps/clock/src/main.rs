//! `clock`: reads monotonic and wall-clock time, sleeps, and shows that
//! several sleeps in flight complete in deadline order, not call order.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::format;
use capos::prelude::*;

capos::entry_point!(main);

const MS: u64 = 1_000_000;

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
    let timer = Timer::from_caps(caps, "timer")?;
    let wall = WallClock::from_caps(caps, "wallClock")?;
    let t0 = timer.now()?;
    let now = wall.now()?;
    console.line(&format!(
        "clock: monotonic {} ms since boot; wall clock {}.{:09} s since 1970 ({:?})",
        t0 / MS,
        now.seconds,
        now.nanos,
        now.provenance
    ))?;
    timer.sleep(50 * MS)?;
    let slept = timer.now()? - t0;
    console.line(&format!("clock: slept 50 ms, monotonic clock advanced {} ms", slept / MS))?;
    if slept < 50 * MS {
        console.line("clock: error: the monotonic clock advanced less than the sleep")?;
        return Err(CapError::InvalidArgument.into());
    }
    // Three sleeps in flight at once; wait for the longest first: the others
    // completed meanwhile and were kept until asked for.
    // The start is read before the sleeps are submitted: read after, a
    // preemption between a submission and that read (a loaded host under
    // TCG) made the 60 ms sleep look 21 ms long.
    let start = timer.now()?;
    let long = timer.sleep_async(60 * MS)?;
    let short = timer.sleep_async(20 * MS)?;
    let middle = timer.sleep_async(40 * MS)?;
    long.wait()?;
    let after_long = timer.now()? - start;
    short.wait()?;
    middle.wait()?;
    console.line(&format!(
        "clock: three concurrent sleeps (60, 20, 40 ms) all done after {} ms",
        after_long / MS
    ))?;
    Ok(())
}
