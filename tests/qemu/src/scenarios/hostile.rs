//! Hostile input against the ring (`apps/ring-abuse`, manifest
//! `systems/ring-abuse.cue`): every case must get its typed error, the
//! kernel must stay up, and a later app must still run. Each case is a line
//! of ring-abuse's report; the scenario requires every case in
//! [`REQUIRED_CASES`] to be reported `ok`, so a case that silently stopped
//! running fails too.

use super::Scenario;
use crate::harness::{BOOT_TIMEOUT, Ctx, STEP_TIMEOUT, TestFailure, ensure, no_frames_leaked, re};
use qemu_runner::Session;

/// This module's scenarios.
pub const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "ring-abuse",
        about: "malformed SQEs, bad pointers, stale caps, ring corruption, 10000 SQEs, quota exhaustion",
        run: ring_abuse,
    },
    Scenario {
        name: "spawn-abuse",
        about: "spawns granting caps not held, limits beyond the spawner's, spawn loops and bombs, undeliverable replies",
        run: spawn_abuse,
    },
];

/// The cases spawn-abuse must report (issue 9, points 4 and 5).
const SPAWN_CASES: &[&str] = &[
    "kernel caps of kinds the spawner holds, and the child's own virtualMemory",
    "a child without a frameAllocator cannot grant one",
    "a child without a bootPackage cannot grant one",
    "a child without a console (only a revocable copy held) cannot grant one",
    "a child without a timer cannot grant one",
    "a child without a virtualMemory still grants its child its own",
    "a child's frame budget is carved out of the spawner's and comes back",
    "a memory limit beyond what the spawner has left",
    "a child's memory limit is carved out of the spawner's and comes back",
    "a child's kernel-memory quota is carved out of the spawner's and comes back",
    "a kernel-memory quota beyond what the spawner has left, or too small to start",
    "a spawn loop from one process ends in QuotaExceeded (children limit)",
    "a spawn with no room for the handle (caps_in_max 0) starts nothing",
    "a spawn with a result buffer too small starts nothing",
    "a spawn into a full cap table starts nothing",
    "a spawn bomb stays within its kernel-memory quota and others still spawn",
    "a spawn bomb is stopped by the limits and killing its root ends it all",
];

/// The cases ring-abuse must report, grouped as in issue point 8.
const REQUIRED_CASES: &[&str] = &[
    // unknown opcodes and malformed entries
    "unknown opcode",
    "reserved flag bits",
    "reserved field",
    "nop naming a cap",
    "RECV on a cap that is not an endpoint",
    "PARK on a misaligned word",
    "PARK on kernel memory",
    // bad and stale cap ids
    "bad cap id",
    "generation 0",
    "wrong interface",
    "unknown method",
    "release",
    "stale cap id",
    "release twice",
    // buffers in kernel memory, unmapped, across the boundary
    "params in kernel memory",
    "params unmapped",
    "params across the user/kernel boundary",
    "params at null",
    "result into kernel memory",
    "result into read-only memory",
    "transfer list in kernel memory",
    // oversized lengths and malformed messages
    "oversized params",
    "garbage params",
    "result buffer too small",
    "needed size reported",
    "console write of 5000 bytes in one call",
    // all-or-nothing transfer
    "move with a failing call",
    "failed move keeps the cap",
    "virtualMemory is not transferable",
    // a server into its own queue (a cycle nothing could free)
    "a server sent into its own queue",
    "a revocable server sent into its own queue",
    "the refused moves left the caps",
    // threads off the CPU inside a syscall when their process is killed
    "killed while its threads yield",
    // signals from interrupts (the tick's alarm) end processes in thread context
    "an alarm ends its process while it runs and another is ready",
    // forwarding chains (a call and a drop recurse once per link)
    "a chain of revocables ends at depth 8 (QuotaExceeded); a call through it works",
    // limits
    "thread_create past the thread limit",
    "entropy above 256 bytes",
    // a dead caller's call dropped under the endpoint lock
    "a dead caller's minted client",
    // endpoint limits
    "endpoint queue depth and in-flight limit",
    "waiting calls get PeerDied when the server side goes",
    "after the last client goes, queued calls are received, then RECV gets PeerDied",
    // badges and release notices
    "mint with badge 0",
    "a call through a minted client carries its badge and interface",
    "releasing a minted client sends a release notice that cannot be answered",
    // terminal arguments
    "terminal read of 0 bytes, window 0 rows, oversized write",
    // ParkSpace edges
    "PARK on a changed word",
    "PARK timeout",
    "UNPARK with no waiter",
    // blocking with a timeout
    "cap_enter timeout",
    // corrupted ring header
    "sq_tail 10000 ahead of sq_head",
    "sq_tail behind sq_head",
    "cq_head past cq_tail",
    "ring works after corruption",
    // 10 000 SQEs
    "10000 SQEs",
    // quota exhaustion
    "cap table quota",
    "cap table recovers after release",
    "mapped object outlives its cap",
    "unmapping the object",
    "frame budget exceeded",
    "address-space quota",
    "address space usable after",
    "cannot unmap the ring",
    "COPY of a slot past the table",
    "COPY of cap id 0",
    "COPY with params",
    "COPY with an interface id",
    "COPY gives a new id for the same object, which outlives the other's release",
    "COPY of a released copy",
    "COPY until the cap table is full, then the slots come back",
    // kernel memory (issue 9, point 3)
    "release notices in a loop end in OutOfMemory while others carry on",
    "queued 64 KiB calls end in OutOfMemory before the in-flight limit while others carry on",
];

fn ring_abuse(ctx: &mut Ctx) -> Result<(), TestFailure> {
    let mut session = ctx.boot_manifest("ring-abuse")?;
    let passed = expect_cases(&mut session, "ring-abuse", REQUIRED_CASES)?;
    session.expect(&re(r"^ring-abuse: a later app ran: Exited\(0\)$"), STEP_TIMEOUT)?;
    let status = session.expect(&re(r"^\[init\] ring-abuse \(pid \d+\) (.+)$"), STEP_TIMEOUT)?;
    ensure(status.get(1) == Some("exited with code 0"), &session, || status.line.clone())?;
    let leaks = no_frames_leaked(&mut session)?;
    ctx.note(format!(
        "{passed} hostile cases answered with the expected typed errors; the kernel stayed up; {leaks}"
    ));
    Ok(())
}

fn spawn_abuse(ctx: &mut Ctx) -> Result<(), TestFailure> {
    // Room for a spawn bomb to reach its kernel-memory quota.
    ctx.set_memory(2048);
    let mut session = ctx.boot_manifest("spawn-abuse")?;
    let passed = expect_cases(&mut session, "spawn-abuse", SPAWN_CASES)?;
    let status = session.expect(&re(r"^\[init\] spawn-abuse \(pid \d+\) (.+)$"), STEP_TIMEOUT)?;
    ensure(status.get(1) == Some("exited with code 0"), &session, || status.line.clone())?;
    let leaks = no_frames_leaked(&mut session)?;
    ctx.note(format!("{passed} hostile spawn cases passed; the kernel stayed up; {leaks}"));
    Ok(())
}

/// Reads `app`'s case lines up to its summary; every case must be `ok`,
/// and every one of `required` reported. Returns the number passed.
fn expect_cases(session: &mut Session, app: &str, required: &[&str]) -> Result<usize, TestFailure> {
    let line = re(&format!(
        r"^{app}: (?:(?P<name>.+?) \.\.\. (?P<verdict>ok|FAILED) \((?P<detail>.*)\)|(?P<passed>\d+) passed, (?P<failed>\d+) failed)$"
    ));
    let mut ok = Vec::new();
    let mut failed = Vec::new();
    let mut timeout = BOOT_TIMEOUT;
    let (passed, failed_count) = loop {
        let found = session.expect(&line, timeout)?;
        timeout = STEP_TIMEOUT;
        match found.name("verdict") {
            Some("ok") => ok.push(found.name("name").unwrap_or_default().to_string()),
            Some(_) => failed.push(found.line.clone()),
            None => {
                break (
                    found.parse::<usize>(4).map_err(TestFailure::new)?,
                    found.parse::<usize>(5).map_err(TestFailure::new)?,
                );
            }
        }
    };
    ensure(failed.is_empty() && failed_count == 0, session, || {
        format!("failed cases:\n{}", failed.join("\n"))
    })?;
    ensure(passed == ok.len(), session, || format!("summary says {passed} passed, {} ok lines", ok.len()))?;
    let missing: Vec<&str> = required.iter().copied().filter(|c| !ok.iter().any(|o| o == c)).collect();
    ensure(missing.is_empty(), session, || format!("cases not reported ok: {missing:?}"))?;
    Ok(passed)
}
