//! `ipc-client`: calls `Echo` through the cap it was given as `echo`.
//!
//! - no argument: three echoes, then RECV on a cap that is not an endpoint
//!   (must fail with `WrongInterface`), then a flood of 48 calls in one
//!   `cap_enter` batch, past the endpoint's queue depth;
//! - `hang`: one call, waited for forever (its caller is to be killed).
#![no_std]
#![no_main]

extern crate alloc;

use alloc::format;
use alloc::vec::Vec;
use capos::prelude::*;
use capos_config::ring::{Opcode, Sqe};

capos::entry_point!(main);

/// Calls in the flood.
const FLOOD: usize = 48;

fn main(caps: Caps) -> i32 {
    let console = match Console::from_caps(&caps, "console") {
        Ok(console) => console,
        Err(e) => return fail(e),
    };
    let echo = match Echo::from_caps(&caps, "echo") {
        Ok(echo) => echo,
        Err(e) => return fail(e),
    };
    if caps.args().nth(1) == Some("hang") {
        let _ = echo.echo("this call is never answered");
        return 0;
    }
    for text in ["hello over ipc", "capabilities", "third call"] {
        match echo.echo(text) {
            Ok(reply) => {
                let _ = console.line(&format!("ipc-client: echo({text:?}) = {reply:?}"));
            }
            Err(e) => {
                let _ = console.line(&format!("ipc-client: echo failed: {e}"));
                return 1;
            }
        }
    }
    // RECV on a cap that is not an endpoint.
    let sqe = Sqe { opcode: Opcode::Recv as u8, cap: console.id(), ..Sqe::default() };
    let recv = capos::call::submit_sqe(sqe, Vec::new(), &[], 64, 0).and_then(|p| p.wait_raw().map(|_| ()));
    let _ = console.line(&format!("ipc-client: RECV on a console cap: {recv:?}"));
    // The flood: every call is submitted before the kernel is entered, so
    // the server can take one before the queue fills.
    let pending: Vec<_> = (0..FLOOD).map(|i| echo.echo_async(&format!("flood {i}"))).collect();
    let (mut answered, mut would_block, mut other) = (0, 0, 0);
    for p in pending {
        match p.and_then(Echo::finish) {
            Ok(_) => answered += 1,
            Err(CapError::WouldBlock) => would_block += 1,
            Err(_) => other += 1,
        }
    }
    let _ = console.line(&format!(
        "ipc-client: flood of {FLOOD}: {answered} answered, {would_block} refused with WouldBlock, {other} other"
    ));
    if other == 0 { 0 } else { 1 }
}
