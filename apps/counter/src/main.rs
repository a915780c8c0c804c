//! `counter`: starts 4 threads that each add 1 to a shared counter 2000
//! times under a `capos::sync::Mutex` (yielding the lock often enough that
//! threads contend and park), waits for them, and checks the total is
//! exactly 8000. Then a `Condvar` hand-off: the main thread waits until a
//! worker sets a flag. Prints `counter: T threads x M = TOTAL (expected E)`.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::format;
use alloc::sync::Arc;
use alloc::vec::Vec;
use capos::prelude::*;
use capos::sync::{Condvar, Mutex};

capos::entry_point!(main);

const THREADS: u64 = 4;
const ADDS: u64 = 2000;

fn main(caps: Caps) -> i32 {
    let console = match Console::from_caps(&caps, "console") {
        Ok(console) => console,
        Err(e) => return fail(e),
    };
    let counter = Arc::new(Mutex::new(0u64));
    let mut handles = Vec::new();
    for _ in 0..THREADS {
        let counter = counter.clone();
        match capos::thread::spawn(move || {
            for i in 0..ADDS {
                let mut value = counter.lock();
                let seen = *value;
                // Hold the lock a while now and then so preemption lands
                // inside the critical section and other threads contend.
                if i % 64 == 0 {
                    for _ in 0..2000 {
                        core::hint::spin_loop();
                    }
                }
                *value = seen + 1;
            }
        }) {
            Ok(handle) => handles.push(handle),
            Err(e) => {
                let _ = console.line(&format!("counter: cannot start a thread: {e}"));
                return 1;
            }
        }
    }
    let tids: Vec<u64> = handles.iter().map(|h| h.tid()).collect();
    for handle in handles {
        if let Err(e) = handle.join() {
            let _ = console.line(&format!("counter: join failed: {e}"));
            return 1;
        }
    }
    let total = *counter.lock();
    let _ = console.line(&format!(
        "counter: {THREADS} threads (tids {tids:?}) x {ADDS} = {total} (expected {})",
        THREADS * ADDS
    ));

    // A condition variable hand-off.
    let shared = Arc::new((Mutex::new(false), Condvar::new()));
    let worker = {
        let shared = shared.clone();
        capos::thread::spawn(move || {
            let (flag, ready) = &*shared;
            *flag.lock() = true;
            ready.notify_all();
        })
    };
    let (flag, ready) = &*shared;
    let mut done = flag.lock();
    while !*done {
        done = ready.wait(done);
    }
    drop(done);
    let joined = worker.and_then(|w| w.join());
    let _ = console.line(&format!("counter: condvar hand-off done, worker joined: {joined:?}"));
    if total == THREADS * ADDS && joined.is_ok() { 0 } else { 1 }
}
