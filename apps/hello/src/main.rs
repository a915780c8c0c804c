//! `hello`: greets on its `console` cap and lists the caps it was given.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::format;
use capos::prelude::*;

capos::entry_point!(main);

fn main(caps: Caps) -> i32 {
    let console = match Console::from_caps(&caps, "console") {
        Ok(console) => console,
        Err(e) => return fail(e),
    };
    let names: alloc::vec::Vec<&str> = caps.iter().map(|c| c.name).collect();
    let who = caps.args().nth(1).unwrap_or("world");
    let _ = console.line(&format!("hello, {who}! (pid {}, caps: {})", caps.pid(), names.join(", ")));
    0
}
