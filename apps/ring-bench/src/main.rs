//! `ring-bench`: measures, with the guest's time-stamp counter, the cost of
//! - an empty syscall (an unknown syscall number: kernel entry and exit
//!   only), the reference the others are compared with;
//! - a NOP round trip through the ring with `cap_enter`, submitting 1, 16 or
//!   256 NOPs per `cap_enter` (the point of batching);
//! - a `Timer.now` call (a real capability call with Cap'n Proto params and
//!   results);
//! - an `Echo` call to another process through an endpoint (CALL, the
//!   server's RECV and RETURN, two context switches), with an empty and a
//!   64-byte text, and 16 calls in flight at once;
//! - a PARK/UNPARK round trip between two threads of the process;
//! - a context switch: two threads yielding to each other.
//!
//! Prints `bench: NAME: C cycles/op (N ops)` lines, then
//! `bench: done`. `make bench` boots it (manifest `systems/bench.cue`) and
//! turns the lines into ratios.
//!
//! Built with `RING_BENCH_SPIN=empty|nop1|nop16|timer|ipc` in the environment,
//! it repeats that one row 200 times first, for a trace of QEMU's executed
//! code to count the instructions of one operation
//! (`tools/insn-count/insn-count.sh`, `docs/performance.md`).
#![no_std]
#![no_main]

extern crate alloc;

use alloc::format;
use capos::prelude::*;
use capos::rt::ring::with_ring;
use capos_config::ring::Sqe;

/// `cap_enter` timeout meaning "no limit".
const NO_TIMEOUT: u64 = u64::MAX;

capos::entry_point!(main);

/// Operations per measurement (after a warm-up round of the same size).
const OPS: u64 = 20_000;

fn rdtsc() -> u64 {
    // SAFETY: RDTSC has no side effects and is allowed in user mode.
    unsafe { core::arch::x86_64::_rdtsc() }
}

fn empty_syscall() {
    // SAFETY: an unknown syscall number: the kernel returns an error code
    // and touches nothing.
    unsafe {
        core::arch::asm!("syscall", inlateout("rax") 99u64 => _, lateout("rcx") _, lateout("r11") _, options(nostack));
    }
}

fn nops(batch: u64, total: u64) -> Result<(), CapError> {
    with_ring(|ring| {
        let mut done = 0;
        while done < total {
            let first = ring.next_user_data();
            for i in 0..batch {
                let user_data = if i == 0 { first } else { ring.next_user_data() };
                ring.submit(&Sqe { user_data, ..Sqe::default() })?;
            }
            ring.enter(batch as u32, NO_TIMEOUT)?;
            for i in 0..batch {
                ring.try_take(first + i).ok_or(CapError::Cancelled)?;
            }
            done += batch;
        }
        Ok(())
    })?
}

fn measure(
    console: &Console,
    name: &str,
    ops: u64,
    mut f: impl FnMut() -> Result<(), CapError>,
) -> Result<(), CapError> {
    f()?; // warm up
    let profiled = capos::syscall::profile_reset();
    let start = rdtsc();
    f()?;
    let cycles = rdtsc() - start;
    if profiled {
        print_profile(console, name, ops)?;
    }
    console.line(&format!("bench: {name}: {} cycles/op ({ops} ops)", cycles / ops))
}

/// With a kernel built with the `profile` feature: its counters per
/// operation, as one `bench: profile NAME: ...` line.
fn print_profile(console: &Console, name: &str, ops: u64) -> Result<(), CapError> {
    use capos_abi::profile::COUNTERS;
    let mut values = [0u64; COUNTERS.len()];
    let Some(n) = capos::syscall::profile_read(&mut values) else { return Ok(()) };
    let mut line = format!("bench: profile {name}:");
    for ((_, label), value) in COUNTERS.iter().zip(&values).take(n) {
        line.push_str(&format!(" {label}={:.2};", *value as f64 / ops.max(1) as f64));
    }
    console.line(&line)
}

/// Endpoint round trips to an `ipc-server` process (`Echo`): an empty
/// text, a 64-byte text, and 16 calls in flight at once.
fn ipc(caps: &Caps, console: &Console) -> Result<(), capos::Error> {
    let (echo, handle) = echo_server(caps, console)?;
    let ops = OPS / 10;
    measure(console, "ipc round trip, empty", ops, || {
        for _ in 0..ops {
            echo.echo("")?;
        }
        Ok(())
    })?;
    let text: alloc::string::String = core::iter::repeat_n('x', 64).collect();
    measure(console, "ipc round trip, 64 bytes", ops, || {
        for _ in 0..ops {
            echo.echo(&text)?;
        }
        Ok(())
    })?;
    measure(console, "ipc 16 in flight", ops, || {
        for _ in 0..ops / 16 {
            let calls: alloc::vec::Vec<_> = (0..16).map(|_| echo.echo_async("")).collect();
            for call in calls {
                Echo::finish(call?)?;
            }
        }
        Ok(())
    })?;
    echo.echo("quit")?;
    handle.wait()?;
    Ok(())
}

/// An `ipc-server` process serving `Echo` on a new endpoint: the client
/// side and the process's handle (`echo("quit")` ends it).
fn echo_server(caps: &Caps, console: &Console) -> Result<(Echo, ProcessHandle), capos::Error> {
    let factory = EndpointFactory::from_caps(caps, "endpointFactory")?;
    let spawner = ProcessSpawner::from_caps(caps, "processSpawner")?;
    let (server, client) = factory.create(capos::schema::interface_id::ECHO)?;
    let grants = [Grant::cap("console", console.id()), Grant::cap("endpoint", server.id())];
    let (handle, _) = spawner.spawn("ipc-server", &[], &[], &grants)?;
    drop(server);
    Ok((client.into_typed(), handle))
}

/// Two threads hand a token back and forth through one word with PARK and
/// UNPARK: each round trip is two wake-ups and two context switches.
fn park_ping_pong(console: &Console) -> Result<(), CapError> {
    use alloc::sync::Arc;
    use capos::park::{park, unpark};
    use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};

    let word = Arc::new(AtomicU32::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let partner = {
        let (word, stop) = (word.clone(), stop.clone());
        capos::thread::spawn(move || {
            loop {
                while word.load(Ordering::Acquire) != 1 {
                    let _ = park(&word, 0, 0);
                }
                if stop.load(Ordering::Acquire) {
                    return;
                }
                word.store(0, Ordering::Release);
                let _ = unpark(&word, 1);
            }
        })?
    };
    let rounds = OPS / 10;
    let round = || -> Result<(), CapError> {
        word.store(1, Ordering::Release);
        unpark(&word, 1)?;
        while word.load(Ordering::Acquire) != 0 {
            park(&word, 1, 0)?;
        }
        Ok(())
    };
    measure(console, "park/unpark round trip", rounds, || {
        for _ in 0..rounds {
            round()?;
        }
        Ok(())
    })?;
    stop.store(true, Ordering::Release);
    word.store(1, Ordering::Release);
    unpark(&word, 1)?;
    partner.join()
}

/// Two threads of the process yield to each other: each `yield` is one
/// syscall and one context switch (same address space).
fn context_switch(console: &Console) -> Result<(), CapError> {
    let rounds = OPS;
    let partner = capos::thread::spawn(move || {
        for _ in 0..rounds + 10 {
            capos::syscall::yield_now();
        }
    })?;
    // Let the partner start, then time `rounds` of our yields, during which
    // the partner yields as often: 2 x rounds switches.
    capos::syscall::yield_now();
    let profiled = capos::syscall::profile_reset();
    let start = rdtsc();
    for _ in 0..rounds {
        capos::syscall::yield_now();
    }
    let cycles = rdtsc() - start;
    if profiled {
        print_profile(console, "context switch (thread yield)", 2 * rounds)?;
    }
    console.line(&format!(
        "bench: context switch (thread yield): {} cycles/op ({} ops)",
        cycles / (2 * rounds),
        2 * rounds
    ))?;
    partner.join()
}

/// One row, 200 times (see the module documentation).
fn spin(caps: &Caps, console: &Console, row: &str) -> Result<(), capos::Error> {
    if row == "ipc" {
        let (echo, handle) = echo_server(caps, console)?;
        // Short rounds: a round trip under QEMU's trace is slow.
        for _ in 0..200 {
            measure(console, "ipc round trip, empty", OPS / 100, || {
                (0..OPS / 100).try_for_each(|_| echo.echo("").map(drop))
            })?;
        }
        echo.echo("quit")?;
        handle.wait()?;
        return Ok(());
    }
    let timer = Timer::from_caps(caps, "timer")?;
    for _ in 0..200 {
        match row {
            "empty" => measure(console, "empty syscall", OPS, || {
                (0..OPS).for_each(|_| empty_syscall());
                Ok(())
            })?,
            "nop1" => measure(console, "nop batch 1", OPS, || nops(1, OPS))?,
            "nop16" => measure(console, "nop batch 16", OPS, || nops(16, OPS))?,
            _ => measure(console, "Timer.now call", OPS / 10, || {
                for _ in 0..OPS / 10 {
                    timer.now()?;
                }
                Ok(())
            })?,
        }
    }
    Ok(())
}

fn main(caps: Caps) -> i32 {
    let console = match Console::from_caps(&caps, "console") {
        Ok(console) => console,
        Err(e) => return fail(e),
    };
    let result = (|| -> Result<(), capos::Error> {
        if let Some(row) = option_env!("RING_BENCH_SPIN") {
            spin(&caps, &console, row)?;
        }
        measure(&console, "empty syscall", OPS, || {
            for _ in 0..OPS {
                empty_syscall();
            }
            Ok(())
        })?;
        for batch in [1u64, 16, 256] {
            let total = OPS.next_multiple_of(batch);
            measure(&console, &format!("nop batch {batch}"), total, || nops(batch, total))?;
        }
        let timer = Timer::from_caps(&caps, "timer")?;
        measure(&console, "Timer.now call", OPS / 10, || {
            for _ in 0..OPS / 10 {
                timer.now()?;
            }
            Ok(())
        })?;
        ipc(&caps, &console)?;
        park_ping_pong(&console)?;
        context_switch(&console)?;
        Ok(console.line("bench: done")?)
    })();
    match result {
        Ok(()) => 0,
        Err(e) => fail(e),
    }
}
