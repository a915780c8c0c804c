//! `faulter`: prints a line, then reads through a null pointer. The kernel
//! ends only this process; whoever holds its handle sees a page fault at
//! address 0.
#![no_std]
#![no_main]

use capos::prelude::*;

capos::entry_point!(main);

fn main(caps: Caps) -> i32 {
    if let Ok(console) = Console::from_caps(&caps, "console") {
        let _ = console.line("faulter: about to dereference a null pointer");
    }
    let null = core::ptr::null::<u64>();
    // SAFETY: none — this is the point: the read faults, and the kernel
    // must end this process and nothing else.
    let value = unsafe { core::ptr::read_volatile(null) };
    value as i32
}
