//! `ring-fuzz`: the randomized ring fuzzer (docs/security.md).
//!
//! ```text
//! ring-fuzz [SECONDS [SEED [FIRST [PARALLEL]]]]   the driver (default
//!     60 s; seed 0: pick one; children numbered from FIRST, default 0;
//!     PARALLEL of them at once, default 2)
//! ring-fuzz child SEED MS        one fuzz child (started by the driver)
//! ```
//!
//! The driver prints `ring-fuzz: seed S, N seconds`, runs fuzz children
//! (`driver.rs`) and exits with the number of failures; each child
//! (`child.rs`) submits random SQEs (`sqe.rs`, `pick.rs`, `message.rs`)
//! through its own view of the ring (`raw_ring.rs`) and checks the
//! kernel's answers.
#![no_std]
#![no_main]

extern crate alloc;

mod child;
mod driver;
mod message;
mod pick;
mod raw_ring;
mod rng;
mod sqe;
mod sys;

use alloc::vec::Vec;
use capos::prelude::*;

capos::entry_point!(main);

fn main(caps: Caps) -> i32 {
    let args: Vec<&str> = caps.args().skip(1).collect();
    if args.first() == Some(&"child") {
        let number = |i: usize| args.get(i).and_then(|a| a.parse::<u64>().ok()).unwrap_or(0);
        return child::run(&caps, number(1), number(2));
    }
    let Ok(console) = Console::from_caps(&caps, "console") else { return 100 };
    let seconds = args.first().and_then(|a| a.parse().ok()).unwrap_or(60);
    let seed = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(0);
    let first = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(0);
    let parallel = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(driver::PARALLEL);
    match driver::run(&caps, &console, seconds, seed, (first, parallel)) {
        Ok(failures) => i32::try_from(failures).unwrap_or(i32::MAX),
        Err(e) => {
            let _ = console.line(&alloc::format!("ring-fuzz: error: {e}"));
            100
        }
    }
}
