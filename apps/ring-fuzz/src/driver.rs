//! The fuzz driver: runs fuzz children (this same binary, `child SEED MS`)
//! two at a time until the time is up, each from a seed derived from the
//! run's seed, with fresh kernel caps and a shared endpoint so they can
//! call each other. Every fourth child is killed at a random moment; any
//! other that outlives its slice is killed too. A child
//! that reports a broken kernel promise, or one that does not end after
//! being killed, fails the run. Prints the seed first, progress every
//! 10 s and a summary at the end.

use crate::child;
use crate::rng::child_seed;
use alloc::format;
use alloc::string::ToString;
use alloc::vec::Vec;
use capos::call::PendingCall;
use capos::prelude::*;
use capos::rt::client::ExitStatus;

/// Children running at once, unless the driver is told otherwise.
pub const PARALLEL: usize = 2;
/// How long each child fuzzes.
const SLICE_MS: u64 = 3_000;
/// How long past its slice a child may run before it is killed.
const GRACE_NS: u64 = 5_000_000_000;
/// How long a killed child may take to end.
const KILL_NS: u64 = 10_000_000_000;
/// Each child's memory limit.
const CHILD_MEMORY: u64 = 48 << 20;

/// Which child: its number in the run and its seed.
#[derive(Clone, Copy)]
struct Who {
    index: u64,
    seed: u64,
}

struct Running {
    who: Who,
    handle: ProcessHandle,
    wait: PendingCall,
    kill_at: u64,
    killed_at: Option<u64>,
}

#[derive(Default)]
struct Tally {
    children: u64,
    sqes: u64,
    finished: u64,
    faulted: u64,
    killed: u64,
    other: u64,
    failures: u64,
}

/// The caps the driver needs.
struct Driver<'a> {
    console: &'a Console,
    timer: capos::Borrowed<'static, Timer>,
    spawner: capos::Borrowed<'static, ProcessSpawner>,
    shared: (u32, u32),
    seed: u64,
}

/// Runs the fuzz for `seconds` from `seed` (0: pick one); returns the
/// number of failures. Children are numbered from `first` (a failure
/// names its child's number: a replay can start there); `parallel` run at
/// once.
pub fn run(
    caps: &Caps,
    console: &Console,
    seconds: u64,
    seed: u64,
    (first, parallel): (u64, usize),
) -> Result<u64, capos::Error> {
    let timer = Timer::from_caps(caps, "timer")?;
    let spawner = ProcessSpawner::from_caps(caps, "processSpawner")?;
    let factory = EndpointFactory::from_caps(caps, "endpointFactory")?;
    let start = timer.now()?;
    let seed = if seed == 0 { child_seed(start, 0x5eed) | 1 } else { seed };
    console.line(&format!("ring-fuzz: seed {seed}, {seconds} seconds, children from {first}"))?;
    let (server, client) = factory.create(capos::schema::interface_id::ECHO)?;
    // The driver hands out copies by id and releases both sides at the end.
    let shared = (server.into_id(), client.into_id());
    let d = Driver { console, timer, spawner, shared, seed };
    let end = start + seconds * 1_000_000_000;
    let mut tally = Tally::default();
    let mut running: Vec<Running> = Vec::new();
    let mut next_report = start + 10_000_000_000;
    loop {
        let now = d.timer.now()?;
        while now < end && running.len() < parallel && tally.failures == 0 {
            running.push(d.spawn(first + tally.children, now)?);
            tally.children += 1;
        }
        if running.is_empty() {
            break;
        }
        d.timer.sleep(20_000_000)?;
        let now = d.timer.now()?;
        let mut i = 0;
        while i < running.len() {
            if running[i].wait.is_complete() {
                let Running { who, handle, wait, .. } = running.swap_remove(i);
                let status = ProcessHandle::exit_status(wait.wait()?)?;
                d.record(who, status, &mut tally)?;
                let _ = handle.release();
                continue;
            }
            let r = &mut running[i];
            match r.killed_at {
                None if now > r.kill_at => {
                    r.handle.kill()?;
                    r.killed_at = Some(now);
                }
                Some(at) if now > at + KILL_NS => {
                    d.fail(r.who, "did not end 10 s after it was killed", &mut tally)?;
                    return Ok(tally.failures);
                }
                _ => {}
            }
            i += 1;
        }
        if now >= next_report {
            next_report += 10_000_000_000;
            d.console.line(&format!(
                "ring-fuzz: progress {} s: {} children, {} SQEs, {} faulted, {} killed, {} failures",
                (now - start) / 1_000_000_000,
                tally.children,
                tally.sqes,
                tally.faulted,
                tally.killed,
                tally.failures
            ))?;
        }
    }
    let _ = capos::call::release(d.shared.0);
    let _ = capos::call::release(d.shared.1);
    console.line(&format!(
        "ring-fuzz: done: seed {seed}, {seconds} s, {} children, {} SQEs, {} finished, {} faulted, {} killed, {} other, {} failures",
        tally.children, tally.sqes, tally.finished, tally.faulted, tally.killed, tally.other, tally.failures
    ))?;
    Ok(tally.failures)
}

impl Driver<'_> {
    /// Starts child number `index`.
    fn spawn(&self, index: u64, now: u64) -> Result<Running, capos::Error> {
        let seed = child_seed(self.seed, index);
        // Every fourth child fuzzes until it is killed, at a random moment
        // (with calls in flight, threads running, caps half moved).
        let killed = index % 4 == 3;
        let slice = if killed { u64::from(u32::MAX) } else { SLICE_MS };
        let (seed_text, slice_text) = (seed.to_string(), slice.to_string());
        let timer = self.timer.id();
        let grants = [
            Grant::cap("timer", timer),
            Grant::cap("clock", timer),
            Grant::cap("shared-server", self.shared.0),
            Grant::cap("shared-client", self.shared.1),
            Grant::kernel("wallClock", KernelCap::WallClock),
            Grant::kernel("entropy", KernelCap::Entropy),
            Grant::kernel("bootPackage", KernelCap::BootPackage),
            Grant::kernel("frameAllocator", KernelCap::FrameAllocator),
            Grant::kernel("virtualMemory", KernelCap::VirtualMemory),
            Grant::kernel("endpointFactory", KernelCap::EndpointFactory),
            Grant::kernel("revocationFactory", KernelCap::RevocationFactory),
        ];
        let args = ["child", seed_text.as_str(), slice_text.as_str()];
        let (handle, _) = self.spawner.spawn_limited("ring-fuzz", &args, &[], &grants, CHILD_MEMORY)?;
        let wait = handle.wait_async()?;
        let kill_at = if killed {
            now + 200_000_000 + seed % (SLICE_MS * 1_000_000)
        } else {
            now + SLICE_MS * 1_000_000 + GRACE_NS
        };
        Ok(Running { who: Who { index, seed }, handle, wait, kill_at, killed_at: None })
    }

    /// Counts how child `who` ended; a broken promise is a failure.
    fn record(&self, who: Who, status: ExitStatus, tally: &mut Tally) -> Result<(), capos::Error> {
        match status {
            ExitStatus::Exited(code) if code >= child::FINISHED => {
                tally.finished += 1;
                tally.sqes += (code - child::FINISHED) as u64;
            }
            ExitStatus::Exited(code @ (40..=49 | child::TRUNCATED_EXIT)) => {
                let why = match code {
                    child::BROKEN_ENTER => "cap_enter answered outside the ABI",
                    child::BROKEN_USER_DATA => "a completion for no outstanding SQE",
                    child::BROKEN_RESULT => "a completion larger than its buffers",
                    child::BROKEN_THREAD => "thread_create accepted kernel memory",
                    child::BROKEN_SYSCALL => "a syscall answered outside the ABI",
                    _ => "a syscall number was truncated to 32 bits",
                };
                self.fail(who, &format!("exit {code}: {why}"), tally)?;
            }
            ExitStatus::Faulted { .. } => tally.faulted += 1,
            ExitStatus::Killed | ExitStatus::Signaled(_) => tally.killed += 1,
            ExitStatus::Exited(code) => {
                // 0: its main thread called thread_exit; 2: its ring was
                // lost; 3: no clock; 101: it panicked.
                tally.other += 1;
                self.console.line(&format!(
                    "ring-fuzz: child {} (seed {}) exited with {code}",
                    who.index, who.seed
                ))?;
            }
        }
        Ok(())
    }

    fn fail(&self, who: Who, why: &str, tally: &mut Tally) -> Result<(), capos::Error> {
        tally.failures += 1;
        self.console.line(&format!(
            "ring-fuzz: FAILED: child {} (seed {}) of run seed {}: {why}",
            who.index, who.seed, self.seed
        ))?;
        Ok(())
    }
}
