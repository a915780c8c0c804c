//! `revoke-demo`: makes a revocable copy of its timer, hands it to a child
//! (this same binary, argument `child`), lets the child use it, revokes it,
//! and reports what each side then sees: the child's next call and the
//! parent's own calls through the revoked copy fail with `Revoked`, while
//! the parent's original timer keeps working.
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
    let result =
        if caps.args().nth(1) == Some("child") { child(&caps, &console) } else { parent(&caps, &console) };
    match result {
        Ok(()) => 0,
        Err(e) => fail(e),
    }
}

/// Uses its timer every 10 ms until a call fails, and reports the error.
fn child(caps: &Caps, console: &Console) -> Result<(), capos::Error> {
    let timer = Timer::from_caps(caps, "timer")?;
    let mut calls = 0u32;
    loop {
        match timer.now() {
            Ok(_) => calls += 1,
            Err(e) => {
                console.line(&format!("revoke-demo child: timer worked {} times, then: {e:?}", calls))?;
                return if e == CapError::Revoked { Ok(()) } else { Err(e.into()) };
            }
        }
        // Sleeping through the same (revocable) timer.
        if let Err(e) = timer.sleep(10 * MS) {
            console.line(&format!("revoke-demo child: timer worked {calls} times, then sleep: {e:?}"))?;
            return if e == CapError::Revoked { Ok(()) } else { Err(e.into()) };
        }
    }
}

fn parent(caps: &Caps, console: &Console) -> Result<(), capos::Error> {
    let timer = Timer::from_caps(caps, "timer")?;
    let factory = RevocationFactory::from_caps(caps, "revocationFactory")?;
    let spawner = ProcessSpawner::from_caps(caps, "processSpawner")?;
    let (revocable, revoker) = factory.wrap(timer.id())?;
    let revocable: Timer = revocable.into_typed();
    let grants = [Grant::cap("console", console.id()), Grant::cap("timer", revocable.id())];
    let (handle, _) = spawner.spawn("revoke-demo", &["child"], &[], &grants)?;
    timer.sleep(60 * MS)?;
    let before = revocable.now().is_ok();
    revoker.revoke()?;
    let status = handle.wait()?;
    console.line(&format!(
        "revoke-demo: before revoking the copy worked: {before}; after: {:?}; the original: {}; child {status}",
        revocable.now().err(),
        if timer.now().is_ok() { "works" } else { "FAILED" },
    ))?;
    Ok(())
}
