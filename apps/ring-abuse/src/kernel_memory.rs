//! Kernel memory in a loop (issue 9, point 3): a child makes the kernel
//! hold memory until it refuses, while its parent (this process) goes on
//! using kernel memory of its own and starting programs.
//!
//! - `kernel-memory-notices`: mints clients of an endpoint nobody receives
//!   from and releases each at once, so a release notice is queued per
//!   client (release notices count against no queue limit). Three such
//!   children run at once. Before kernel-memory quotas nothing stopped
//!   them: they took 23.6 MiB of the fixed 32 MiB heap within three
//!   minutes, then their notices were dropped unseen (the queues could
//!   not grow) and the loops ran on for good, every allocation walking a
//!   fragmented heap (killed after 10 minutes). Now each minting process's
//!   kernel-memory quota (4 MiB) ends its loop with `OutOfMemory`.
//! - `kernel-memory-calls`: queues calls with 64 KiB params on two
//!   endpoints nobody receives from; the quota refuses one (`OutOfMemory`)
//!   before the 64-calls-in-flight limit is reached.
//!
//! Each child then receives four of its own queued items (which gives back
//! their charges, room for one more call), reports over an endpoint the
//! parent serves and waits for the answer, keeping its memory while the
//! parent works; after it, it releases what it holds and checks the memory
//! came back.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use capos::prelude::*;
use capos::schema::{interface_id, method};

use crate::Cases;

/// Calls with params just under the 64 KiB limit.
const BIG_TEXT: usize = 65_400;

fn big_call(client: u32) -> Result<capos::call::PendingCall, CapError> {
    let text = "x".repeat(BIG_TEXT);
    let mut r = capos::call::Request::new(client, interface_id::ECHO, method::echo::ECHO);
    r.params.init_root::<capos::schema::echo::echo_params::Builder<'_>>().set_text(text.as_str());
    r.result_len = 64;
    capos::call::submit(r)
}

/// Waits for a submitted call's verdict when it fails at once (a pending
/// call stays queued: `None`).
fn verdict(call: capos::call::PendingCall) -> (Option<CapError>, Option<capos::call::PendingCall>) {
    let _ = capos::syscall::cap_enter(0, 0);
    if call.is_complete() { (call.wait().err(), None) } else { (None, Some(call)) }
}

/// The child: fills its kernel-memory quota (with notices, or with queued
/// calls), reports to `report`, and after the answer gives the memory back.
/// Exit 0 if everything went as promised.
pub fn child(caps: &Caps, calls: bool) -> i32 {
    let Ok(factory) = EndpointFactory::from_caps(caps, "endpointFactory") else { return 2 };
    let Some(report) = caps.entry("report") else { return 3 };
    let Ok((server, client)) = factory.create(interface_id::ECHO) else { return 4 };
    let mut count = 0u32;
    let mut queued = Vec::new();
    let mut second = None;
    let error = if calls {
        let Ok(other) = factory.create(interface_id::ECHO) else { return 4 };
        let clients = [client.id(), other.1.id()];
        second = Some(other);
        loop {
            match verdict(match big_call(clients[count as usize % 2]) {
                Ok(call) => call,
                Err(e) => break e,
            }) {
                (_, Some(call)) => queued.push(call),
                (Some(e), None) => break e,
                (None, None) => return 5,
            }
            count += 1;
            if count > 1000 {
                return 6;
            }
        }
    } else {
        loop {
            match server.mint(interface_id::ECHO, count + 1) {
                // Dropping the only copy queues its release notice.
                Ok(minted) => drop(minted),
                Err(e) => break e,
            }
            count += 1;
            if count > 10_000_000 {
                return 6;
            }
        }
    };
    // A call with big params is refused too while the quota is used up.
    let refused = match big_call(client.id()) {
        Ok(call) => verdict(call).0,
        Err(e) => Some(e),
    };
    // Receiving a few of its own queued notices or calls gives back what
    // they were charged, enough for the report.
    let received = (0..4).filter(|_| server.recv().is_ok()).count();
    if received != 4 {
        return 8;
    }
    let answer = Borrowed::<Echo>::from_id(report.cap_id).echo(&format!("{count} {error:?} {refused:?}"));
    // Give everything back: the queued calls fail, the notices go.
    drop(queued);
    drop(second);
    drop(client);
    drop(server);
    let again = factory.create(interface_id::ECHO).and_then(|(server, client)| {
        let queued = verdict(big_call(client.id())?);
        let minted = server.mint(interface_id::ECHO, 1).map(drop);
        Ok((queued.0, minted))
    });
    let ok = error == CapError::OutOfMemory
        && refused == Some(CapError::OutOfMemory)
        && answer == Err(CapError::Unsupported)
        && matches!(again, Ok((None, Ok(()))));
    if ok { 0 } else { 7 }
}

/// Spawns `children` children in `mode` at once, receives their reports,
/// and while they hold their memory uses kernel memory itself and runs
/// `hello`; then answers them.
pub fn case(caps: &Caps, c: &mut Cases<'_>, mode: &str, children: usize, name: &str) {
    let (Ok(factory), Ok(spawner)) = (
        EndpointFactory::from_caps(caps, "endpointFactory"),
        ProcessSpawner::from_caps(caps, "processSpawner"),
    ) else {
        c.check(name, false, String::from("missing caps"));
        return;
    };
    let Ok((reports, report)) = factory.create(interface_id::ECHO) else {
        c.check(name, false, String::from("no endpoint"));
        return;
    };
    let grants = [
        Grant::kernel("endpointFactory", KernelCap::EndpointFactory),
        // Its heap grows to hold the params of its pending calls.
        Grant::kernel("virtualMemory", KernelCap::VirtualMemory),
        Grant::cap("report", report.id()),
    ];
    let mut handles = Vec::new();
    for _ in 0..children {
        match spawner.spawn("ring-abuse", &[mode], &[], &grants) {
            Ok((child, _)) => handles.push(child),
            Err(e) => {
                c.check(name, false, format!("spawn: {e:?}"));
                return;
            }
        }
    }
    // Only the children hold clients now: if they die before reporting,
    // the RECV ends with PeerDied instead of waiting for ever.
    drop(report);
    let mut tokens = Vec::new();
    let mut said = Vec::new();
    for _ in 0..children {
        let Ok(got) = reports.recv() else { break };
        tokens.push(got.token);
        said.push(
            got.message
                .get_root::<capos::schema::echo::echo_params::Reader<'_>>()
                .ok()
                .and_then(|p| p.get_text().ok().and_then(|t| t.to_string().ok()))
                .unwrap_or_default(),
        );
    }
    // The children hold their whole quotas now; this process carries on.
    let mine = factory.create(interface_id::ECHO).and_then(|(server, client)| {
        for badge in 1..=100 {
            drop(server.mint(interface_id::ECHO, badge)?);
        }
        let call = Borrowed::<Echo>::from_id(client.id()).echo_async("still working")?;
        let received = server.recv()?;
        Ok((call, received.method))
    });
    let console = [Grant::cap("console", c.console.id())];
    let hello = spawner.spawn("hello", &["while others are out of kernel memory"], &[], &console);
    let hello = hello.and_then(|(h, _)| h.wait());
    for token in tokens {
        let _ = reports.reply_error(token, CapError::Unsupported);
    }
    let statuses: Vec<_> = handles.iter().map(|h| h.wait()).collect();
    c.check(
        name,
        said.len() == children
            && said.iter().all(|s| s.contains("OutOfMemory Some(OutOfMemory)"))
            && mine.as_ref().is_ok_and(|(_, m)| *m == capos::server::RELEASED)
            && hello == Ok(capos::rt::client::ExitStatus::Exited(0))
            && statuses.iter().all(|s| *s == Ok(capos::rt::client::ExitStatus::Exited(0))),
        format!(
            "children reported {said:?} (count, error, a big call's error), exited {statuses:?}; meanwhile this process: {:?}, hello {hello:?}",
            mine.map(|(_, m)| m)
        ),
    );
}
