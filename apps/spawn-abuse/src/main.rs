//! `spawn-abuse`: hostile use of `ProcessSpawner` (issue 9, points 4 and
//! 5). Each case checks that a spawn grants no authority the spawner does
//! not hold (kernel caps of kinds it lacks, frame budgets, memory limits
//! and kernel-memory quotas beyond its own), that the per-process children
//! limit and the kernel-memory quota carved for a subtree end a spawn loop
//! or bomb with `QuotaExceeded` while the system stays responsive and
//! others can still spawn, that killing a loop's root ends the whole tree
//! and gives its quotas back, and that a spawn whose reply cannot be
//! delivered leaves no child running.
//!
//! It prints one line per case and a summary `spawn-abuse: N passed, M
//! failed`, and exits with the number of failed cases. Started with
//! `--hang`, `--bomb` or `--try-grants` it is one of its own children.
//!
//! Whether every child a case started has gone is seen through a "probe"
//! endpoint: each child gets a copy of its client side; once the app drops
//! its own, a RECV on the server side fails with `PeerDied` exactly when
//! no process holds a client any more.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use capos::call::Request;
use capos::prelude::*;
use capos::schema::{interface_id, method, process_spawner};
use capos_abi::process::MAX_CHILDREN;
use capos_config::ring::{TransferDescriptor, TransferMode};

capos::entry_point!(main);

/// This app's binary name (its children are copies of it).
const SELF: &str = "spawn-abuse";
/// Interface of the probe endpoints (never called).
const PROBE_INTERFACE: u64 = 0x5ba7_0000_0000_0001;
/// How long a probe waits for `PeerDied`.
const PROBE_TIMEOUT_NS: u64 = 5_000_000_000;
/// How often `all_gone` looks whether its RECV ended.
const PROBE_STEP_NS: u64 = 10_000_000;
const MIB: u64 = 1 << 20;

struct Cases<'a> {
    console: &'a Console,
    passed: u32,
    failed: u32,
}

impl Cases<'_> {
    fn check(&mut self, name: &str, ok: bool, detail: String) {
        if ok {
            self.passed += 1;
        } else {
            self.failed += 1;
        }
        let verdict = if ok { "ok" } else { "FAILED" };
        let _ = self.console.line(&format!("spawn-abuse: {name} ... {verdict} ({detail})"));
    }
}

/// What every case needs.
struct Env<'a> {
    caps: &'a Caps,
    console: Borrowed<'a, Console>,
    timer: Borrowed<'a, Timer>,
    spawner: Borrowed<'a, ProcessSpawner>,
    factory: Borrowed<'a, EndpointFactory>,
}

fn main(caps: Caps) -> i32 {
    let args: Vec<&str> = caps.args().skip(1).collect();
    match args.first().copied() {
        Some("--hang") => hang(),
        Some("--bomb") => bomb(&caps),
        Some("--try-grants") => return try_grants(&caps),
        _ => {}
    }
    let Ok(console) = Console::from_caps(&caps, "console") else { return 100 };
    let (Ok(timer), Ok(spawner), Ok(factory)) = (
        Timer::from_caps(&caps, "timer"),
        ProcessSpawner::from_caps(&caps, "processSpawner"),
        EndpointFactory::from_caps(&caps, "endpointFactory"),
    ) else {
        let _ = console.line("spawn-abuse: needs timer, processSpawner and endpointFactory");
        return 100;
    };
    let env = Env { caps: &caps, console, timer, spawner, factory };
    let mut cases = Cases { console: &env.console, passed: 0, failed: 0 };
    held_kinds(&env, &mut cases);
    frame_budget_is_carved(&env, &mut cases);
    memory_is_carved(&env, &mut cases);
    kernel_memory_is_carved(&env, &mut cases);
    child_limit(&env, &mut cases);
    undeliverable_replies(&env, &mut cases);
    // Last: on a kernel without the limits it exhausts the machine.
    spawn_bomb(&env, &mut cases);
    let _ = env.console.line(&format!("spawn-abuse: {} passed, {} failed", cases.passed, cases.failed));
    cases.failed as i32
}

/// Waits for ever (nothing is in flight, so no completion comes).
fn hang() -> ! {
    loop {
        capos::syscall::cap_enter(1, capos::syscall::NO_TIMEOUT);
    }
}

/// A spawn bomb: starts copies of itself (each with the default memory
/// limit, half of what it has left) until a spawn fails, then hangs. Each
/// copy passes on its spawner and its probe client.
fn bomb(caps: &Caps) -> ! {
    let Ok(spawner) = ProcessSpawner::from_caps(caps, "processSpawner") else { hang() };
    let mut grants = alloc::vec![Grant::cap("processSpawner", spawner.id())];
    if let Some(probe) = caps.entry("probe") {
        grants.push(Grant::cap("probe", probe.cap_id));
    }
    let mut handles = Vec::new();
    while let Ok((handle, _)) = spawner.spawn(SELF, &["--bomb"], &[], &grants) {
        handles.push(handle);
    }
    // The handles stay: dropping them would not stop the children anyway.
    core::mem::forget(handles);
    hang()
}

/// Run as a child holding only `processSpawner` and `out`, a revocable
/// copy of a console: tries to grant kernel caps of kinds it does not hold.
/// Exit status: a bit per grant that was not refused (0: all refused),
/// 16 if its own `virtualMemory` grant failed.
fn try_grants(caps: &Caps) -> i32 {
    let Ok(spawner) = ProcessSpawner::from_caps(caps, "processSpawner") else { return 64 };
    let mut status = 0;
    let kinds = [KernelCap::FrameAllocator, KernelCap::BootPackage, KernelCap::Console, KernelCap::Timer];
    for (bit, kind) in kinds.into_iter().enumerate() {
        match spawner.spawn("hello", &[], &[], &[Grant::kernel("x", kind)]) {
            Err(CapError::PermissionDenied) => {}
            Ok((handle, _)) => {
                let _ = handle.wait();
                status |= 1 << bit;
            }
            Err(_) => status |= 1 << bit,
        }
    }
    match spawner.spawn("hello", &[], &[], &[Grant::kernel("vm", KernelCap::VirtualMemory)]) {
        Ok((handle, _)) => {
            let _ = handle.wait();
        }
        Err(_) => status |= 16,
    }
    status
}

/// A new probe endpoint: its server side and a client to hand out.
fn probe(env: &Env<'_>) -> Result<(Endpoint, Cap), CapError> {
    env.factory.create(PROBE_INTERFACE)
}

/// After the caller dropped its own client: `true` when the server's RECV
/// fails with `PeerDied` within the timeout (no process holds a client).
fn all_gone(env: &Env<'_>, server: &Endpoint) -> bool {
    let Ok(recv) = server.recv_async() else { return false };
    // Short sleeps rather than one of PROBE_TIMEOUT_NS beside the RECV:
    // a sleep left pending is kernel memory charged to this process, which
    // the kernel-memory cases compare before and after.
    let mut waited = 0;
    while !recv.is_complete() && waited < PROBE_TIMEOUT_NS {
        if env.timer.sleep(PROBE_STEP_NS).is_err() {
            return false;
        }
        waited += PROBE_STEP_NS;
    }
    recv.is_complete() && matches!(Endpoint::finish_recv(recv), Err(CapError::PeerDied))
}

/// Starts `spawn-abuse --hang` holding a copy of `client`.
fn hanging(env: &Env<'_>, client: &Cap, limit: u64, extra: &[Grant<'_>]) -> Result<ProcessHandle, CapError> {
    let mut grants = alloc::vec![Grant::cap("probe", client.id())];
    grants.extend_from_slice(extra);
    env.spawner.spawn_limited(SELF, &["--hang"], &[], &grants, limit).map(|(handle, _)| handle)
}

/// Kills and reaps `handle`'s process.
fn kill(handle: ProcessHandle) -> Result<ExitStatus, CapError> {
    handle.kill()?;
    handle.wait()
}

/// A spawner grants kernel caps only of kinds it holds; `virtualMemory`
/// (the child's own) always.
fn held_kinds(env: &Env<'_>, c: &mut Cases<'_>) {
    let held = env.spawner.spawn(
        "hello",
        &["a console copied from its spawner"],
        &[],
        &[
            Grant::kernel("console", KernelCap::Console),
            Grant::kernel("timer", KernelCap::Timer),
            Grant::kernel("virtualMemory", KernelCap::VirtualMemory),
        ],
    );
    let status = held.as_ref().map_err(|e| *e).and_then(|(h, _)| h.wait());
    c.check(
        "kernel caps of kinds the spawner holds, and the child's own virtualMemory",
        status == Ok(ExitStatus::Exited(0)),
        format!("{status:?}"),
    );

    let Ok(revocations) = RevocationFactory::from_caps(env.caps, "revocationFactory") else {
        c.check("kernel caps of kinds the spawner lacks", false, String::from("no revocationFactory"));
        return;
    };
    let Ok((out, _revoker)) = revocations.wrap(env.console.id()) else {
        c.check("kernel caps of kinds the spawner lacks", false, String::from("cannot wrap the console"));
        return;
    };
    let grants = [Grant::cap("processSpawner", env.spawner.id()), Grant::cap("out", out.id())];
    let status = env.spawner.spawn(SELF, &["--try-grants"], &[], &grants).and_then(|(h, _)| h.wait());
    let bits = match status {
        Ok(ExitStatus::Exited(code)) => code,
        _ => -1,
    };
    let names = ["frameAllocator", "bootPackage", "console (only a revocable copy held)", "timer"];
    for (bit, name) in names.iter().enumerate() {
        c.check(
            &format!("a child without a {name} cannot grant one"),
            bits >= 0 && bits & (1 << bit) == 0,
            format!("{status:?}"),
        );
    }
    c.check(
        "a child without a virtualMemory still grants its child its own",
        bits >= 0 && bits & 16 == 0,
        format!("{status:?}"),
    );
}

/// A child's `frameAllocator` budget is carved out of the spawner's
/// allocator (16 MiB, or half of what is left) and comes back when the
/// child ends.
fn frame_budget_is_carved(env: &Env<'_>, c: &mut Cases<'_>) {
    let name = "a child's frame budget is carved out of the spawner's and comes back";
    let Ok(allocator) = FrameAllocator::from_caps(env.caps, "frameAllocator") else {
        c.check(name, false, String::from("no frameAllocator cap"));
        return;
    };
    let Ok((server, client)) = probe(env) else {
        c.check(name, false, String::from("no probe endpoint"));
        return;
    };
    let child = hanging(env, &client, 0, &[Grant::kernel("frameAllocator", KernelCap::FrameAllocator)]);
    drop(client);
    let Ok(child) = child else {
        c.check(name, false, format!("spawn: {:?}", child.map(|_| ())));
        return;
    };
    // The service's budget is 4096 frames; the child took half.
    let whole = allocator.allocate(4096).and_then(|m| m.size());
    let half = allocator.allocate(2048).and_then(|m| m.size());
    let killed = kill(child);
    let back = allocator.allocate(4096).and_then(|m| m.size());
    let gone = all_gone(env, &server);
    c.check(
        name,
        whole == Err(CapError::QuotaExceeded) && half == Ok(8 * MIB) && back == Ok(16 * MIB) && gone,
        format!("4096 pages while it runs: {whole:?}; 2048: {half:?}; killed: {killed:?}; after: {back:?}"),
    );
}

/// A child's memory limit is carved out of what the spawner has left and
/// given back when the child ends.
fn memory_is_carved(env: &Env<'_>, c: &mut Cases<'_>) {
    let over = env.spawner.spawn_limited("hello", &[], &[], &[], 2048 * MIB).map(|(_, pid)| pid);
    c.check(
        "a memory limit beyond what the spawner has left",
        over == Err(CapError::QuotaExceeded),
        format!("{over:?}"),
    );
    let name = "a child's memory limit is carved out of the spawner's and comes back";
    let Ok((server, client)) = probe(env) else {
        c.check(name, false, String::from("no probe endpoint"));
        return;
    };
    let first = hanging(env, &client, 1000 * MIB, &[]);
    let second = hanging(env, &client, 1000 * MIB, &[]);
    let second_err = second.as_ref().err().copied();
    let killed = first.map(kill);
    if let Ok(second) = second {
        let _ = kill(second);
    }
    let again = hanging(env, &client, 1000 * MIB, &[]);
    let again_ok = again.is_ok();
    if let Ok(again) = again {
        let _ = kill(again);
    }
    drop(client);
    let gone = all_gone(env, &server);
    c.check(
        name,
        second_err == Some(CapError::QuotaExceeded) && matches!(killed, Ok(Ok(_))) && again_ok && gone,
        format!(
            "a second 1000 MiB child: {second_err:?}; after the first ended: {again_ok}; all gone: {gone}"
        ),
    );
}

/// This process's kernel memory once what its ended children held has
/// come back: `(limit, used)` after `used` has stopped falling (their
/// threads leave the scheduler a moment after they end).
fn settled_kernel_memory(env: &Env<'_>, until: u64) -> Result<(u64, u64), CapError> {
    let mut last = env.spawner.kernel_memory()?;
    for _ in 0..40 {
        if last.1 <= until {
            break;
        }
        let _ = env.timer.sleep(50_000_000);
        last = env.spawner.kernel_memory()?;
    }
    Ok(last)
}

/// This process's kernel memory once it stops changing (what earlier
/// cases' children held is back: their threads leave a moment after they
/// end).
fn stable_kernel_memory(env: &Env<'_>) -> Result<(u64, u64), CapError> {
    let mut last = env.spawner.kernel_memory()?;
    for _ in 0..40 {
        let _ = env.timer.sleep(50_000_000);
        let now = env.spawner.kernel_memory()?;
        if now == last {
            break;
        }
        last = now;
    }
    Ok(last)
}

/// A child's kernel-memory quota is carved out of the spawner's (4 MiB, or
/// half of what it has left) and comes back once the child has ended and
/// been reaped; a grandchild's out of the child's.
fn kernel_memory_is_carved(env: &Env<'_>, c: &mut Cases<'_>) {
    let name = "a child's kernel-memory quota is carved out of the spawner's and comes back";
    let Ok((server, client)) = probe(env) else {
        c.check(name, false, String::from("no probe endpoint"));
        return;
    };
    let Ok(before) = stable_kernel_memory(env) else {
        c.check(name, false, String::from("kernelMemory failed"));
        return;
    };
    let first = hanging(env, &client, 0, &[]);
    let second = hanging(env, &client, 0, &[]);
    drop(client);
    let (Ok(first), Ok(second)) = (first, second) else {
        c.check(name, false, String::from("cannot start two children"));
        return;
    };
    let during = env.spawner.kernel_memory();
    let (one, two) = (first.kernel_memory(), second.kernel_memory());
    let carved = match (one, two) {
        (Ok((l1, _)), Ok((l2, _))) => l1 + l2,
        _ => 0,
    };
    // A spawned process's quota: 4 MiB, or half of what was left.
    let expected = (4 * MIB).min((before.0 - before.1) / 2);
    let (k1, k2) = (kill(first), kill(second));
    let gone = all_gone(env, &server);
    let after = settled_kernel_memory(env, before.1);
    // Asked for explicitly: more than is left, and too little to start.
    let left = after.map_or(0, |(l, u)| l - u);
    let over = env.spawner.spawn_with_limits("hello", &[], &[], &[], 0, left + 4096).map(|(_, pid)| pid);
    let under = env.spawner.spawn_with_limits("hello", &[], &[], &[], 0, 4096).map(|(_, pid)| pid);
    c.check(
        "a kernel-memory quota beyond what the spawner has left, or too small to start",
        over == Err(CapError::QuotaExceeded) && under == Err(CapError::InvalidArgument),
        format!("{over:?}, {under:?}"),
    );
    c.check(
        name,
        one.is_ok_and(|(l, u)| l == expected && u > 0 && u < l)
            && during.is_ok_and(|(l, u)| l == before.0 && u == before.1 + carved)
            && k1.is_ok()
            && k2.is_ok()
            && gone
            && after == Ok(before),
        format!(
            "before: {before:?}; children: {one:?}, {two:?}; while they run: {during:?}; \
             after they ended: {after:?}"
        ),
    );
}

/// At most `MAX_CHILDREN` children running at once per process.
fn child_limit(env: &Env<'_>, c: &mut Cases<'_>) {
    let name = "a spawn loop from one process ends in QuotaExceeded (children limit)";
    let Ok((server, client)) = probe(env) else {
        c.check(name, false, String::from("no probe endpoint"));
        return;
    };
    let mut children = Vec::new();
    // Each with 64 KiB of kernel memory: 64 of them fit in this process's
    // quota.
    let grants = [Grant::cap("probe", client.id())];
    let error = loop {
        match env
            .spawner
            .spawn_with_limits(SELF, &["--hang"], &[], &grants, 3 * MIB, 64 << 10)
            .map(|(h, _)| h)
        {
            Ok(child) => children.push(child),
            Err(e) => break e,
        }
        if children.len() > MAX_CHILDREN + 8 {
            break CapError::Unsupported;
        }
    };
    let count = children.len();
    let mut killed = 0;
    for child in children {
        killed += usize::from(kill(child).is_ok());
    }
    drop(client);
    let gone = all_gone(env, &server);
    c.check(
        name,
        count == MAX_CHILDREN && error == CapError::QuotaExceeded && killed == count && gone,
        format!("{count} children, then {error:?}; {killed} killed; all gone: {gone}"),
    );
}

/// Spawns `spawn-abuse --hang` holding a copy of `client`, with room for
/// `caps_in_max` returned caps and a result buffer of `result_len` bytes.
fn raw_spawn(env: &Env<'_>, client: &Cap, caps_in_max: u16, result_len: u32) -> Result<(), CapError> {
    let descriptors = [TransferDescriptor { cap: client.id(), mode: TransferMode::Copy }];
    let mut r = Request::new(env.spawner.id(), interface_id::PROCESS_SPAWNER, method::process_spawner::SPAWN);
    {
        let mut p = r.params.init_root::<process_spawner::spawn_params::Builder<'_>>();
        p.set_binary(SELF);
        p.reborrow().init_args(1).set(0, capos::capnp::text::Reader::from("--hang"));
        let mut grant = p.init_caps(1).get(0);
        grant.set_name("probe");
        grant.set_cap(0);
    }
    r.caps = &descriptors;
    r.caps_in_max = caps_in_max;
    r.result_len = result_len;
    let reply = capos::call::call(r)?;
    // Delivered after all: release the handle (the child keeps running
    // and the probe will say so).
    for cap in reply.caps {
        let _ = capos::call::release(cap);
    }
    Ok(())
}

/// A spawn whose reply cannot be delivered fails and leaves no child.
fn undeliverable_replies(env: &Env<'_>, c: &mut Cases<'_>) {
    for (name, caps_in_max, result_len, fill) in [
        ("a spawn with no room for the handle (caps_in_max 0) starts nothing", 0, 4096, false),
        ("a spawn with a result buffer too small starts nothing", 1, 8, false),
        ("a spawn into a full cap table starts nothing", 1, 4096, true),
    ] {
        let Ok((server, client)) = probe(env) else {
            c.check(name, false, String::from("no probe endpoint"));
            continue;
        };
        let mut copies = Vec::new();
        if fill {
            while let Ok(copy) = capos::call::copy(env.console.id()) {
                copies.push(copy);
            }
        }
        let result = raw_spawn(env, &client, caps_in_max, result_len);
        for copy in copies {
            let _ = capos::call::release(copy);
        }
        drop(client);
        let gone = all_gone(env, &server);
        c.check(name, result.is_err() && gone, format!("spawn: {result:?}; the child is gone: {gone}"));
    }
}

/// A spawn bomb (each copy spawns copies of itself until refused) ends in
/// `QuotaExceeded` within the kernel-memory quota carved for its root,
/// with the system responsive and this process still able to spawn;
/// killing its root ends every process of the tree and gives back its
/// memory and kernel memory.
fn spawn_bomb(env: &Env<'_>, c: &mut Cases<'_>) {
    let name = "a spawn bomb is stopped by the limits and killing its root ends it all";
    let Ok((server, client)) = probe(env) else {
        c.check(name, false, String::from("no probe endpoint"));
        return;
    };
    let before = stable_kernel_memory(env);
    let grants = [Grant::cap("processSpawner", env.spawner.id()), Grant::cap("probe", client.id())];
    let limit = 1400 * MIB;
    let root = env.spawner.spawn_limited(SELF, &["--bomb"], &[], &grants, limit);
    let Ok((root, _)) = root else {
        c.check(name, false, format!("cannot start the bomb: {:?}", root.map(|_| ())));
        return;
    };
    // The bomb has settled once its root's kernel memory stops growing
    // for a second (its subtree's charges all count there).
    let mut last = root.kernel_memory();
    let mut still = 0;
    for _ in 0..240 {
        let _ = env.timer.sleep(250_000_000);
        let now = root.kernel_memory();
        still = if now == last { still + 1 } else { 0 };
        last = now;
        if still == 4 {
            break;
        }
    }
    // Others are not starved: this process still starts a child.
    let small = env.spawner.spawn_limited("hello", &[], &[], &[], 4 * MIB).and_then(|(h, _)| h.wait());
    let responsive = env.timer.now().is_ok() && env.console.line("spawn-abuse: the bomb has settled").is_ok();
    let killed = kill(root);
    drop(client);
    let gone = all_gone(env, &server);
    let kmem_back = match before {
        Ok(before) => settled_kernel_memory(env, before.1) == Ok(before),
        Err(_) => false,
    };
    let after = env.spawner.spawn_limited(
        "hello",
        &["after the bomb"],
        &[],
        &[Grant::kernel("console", KernelCap::Console)],
        limit,
    );
    let after = after.and_then(|(h, _)| h.wait());
    c.check(
        "a spawn bomb stays within its kernel-memory quota and others still spawn",
        still == 4 && last.is_ok_and(|(l, u)| u <= l && u > l / 2) && small.is_ok() && responsive,
        format!("the bomb's root: {last:?}; a small spawn meanwhile: {small:?}; responsive: {responsive}"),
    );
    c.check(
        name,
        matches!(killed, Ok(ExitStatus::Killed))
            && gone
            && kmem_back
            && after == Ok(ExitStatus::Exited(0)),
        format!(
            "root: {killed:?}; every bomb gone: {gone}; kernel memory back: {kmem_back}; the same limit again: {after:?}"
        ),
    );
}
