//! `stranger`: started with no caps at all. It tries to reach the console,
//! guesses cap ids, and says what happened by its exit status (it has no
//! console to print on): 0 when every attempt failed with the expected
//! typed error, otherwise the number of the check that went wrong.
#![no_std]
#![no_main]

use capos::prelude::*;
use capos::schema::interface_id;

capos::entry_point!(main);

fn main(caps: Caps) -> i32 {
    if caps.iter().count() != 0 {
        return 10;
    }
    if Console::from_caps(&caps, "console").err().map(|e| e.error()) != Some(CapError::NotFound) {
        return 11;
    }
    // Guessing ids: slot 0..16 at a few generations; the table is empty, so
    // every one is invalid.
    for index in 0..16u32 {
        for generation in [0u32, 1, 2, 0xffff] {
            let id = generation << 16 | index;
            let result = Borrowed::<Console>::from_id(id).write("let me in\n");
            if result != Err(CapError::InvalidCap) {
                return 12;
            }
        }
    }
    // Interface ids do not help either.
    let r = capos::call::call(capos::call::Request::new(1 << 16, interface_id::PROCESS_SPAWNER, 0));
    if r.err() != Some(CapError::InvalidCap) {
        return 13;
    }
    // Releasing a cap it does not have.
    if capos::call::release(1 << 16) != Err(CapError::InvalidCap) {
        return 14;
    }
    0
}
