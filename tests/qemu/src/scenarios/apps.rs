//! The native demo apps, each booted with its own manifest
//! (`systems/NAME.cue`), and the default manifest (`system.cue`) with all of
//! them. Every expectation is about behaviour the app reports (exit
//! statuses, pids, measured times), checked against what the kernel must
//! guarantee, not a recorded transcript.

use qemu_runner::Session;

use super::Scenario;
use crate::harness::{
    BOOT_TIMEOUT, Ctx, STEP_TIMEOUT, TestFailure, ensure, expect_unordered, no_frames_leaked, re,
};

/// This module's scenarios.
pub const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "app-hello",
        about: "hello greets on its console with its argument and exits 0",
        run: hello,
    },
    Scenario {
        name: "app-clock",
        about: "clock: monotonic and wall time, sleeps, out-of-order completions",
        run: clock,
    },
    Scenario {
        name: "app-spawner",
        about: "spawner starts children with different caps and reports their exits, fault included; 300 dropped handles leak no slot",
        run: spawner,
    },
    Scenario {
        name: "app-stranger",
        about: "a process with no caps: every attempt fails with a typed error",
        run: stranger,
    },
    Scenario {
        name: "app-faulter",
        about: "#PF, #UD, #GP and #DE in user mode each end only their process; init carries on",
        run: faulter,
    },
    Scenario {
        name: "ipc",
        about: "endpoint IPC: echo, queue depth, RECV misuse, RETURN to a call not held, servers and clients killed mid-call",
        run: ipc,
    },
    Scenario {
        name: "manifest-exports",
        about: "systems/services.cue: init wires a service's exported endpoint to the service that imports it",
        run: manifest_exports,
    },
    Scenario {
        name: "revocation",
        about: "a revocable timer: the child's calls fail with Revoked after revoke, the original keeps working",
        run: revocation,
    },
    Scenario {
        name: "threads",
        about: "threads share a counter under a ParkSpace mutex (exact total), a condvar hand-off, joins",
        run: threads,
    },
    Scenario {
        name: "fpu-preemption",
        about: "two CPU-bound processes are preempted and keep their own XMM registers",
        run: fpu,
    },
    Scenario {
        name: "dash-service",
        about: "systems/dash-service.cue: manifest services that are dash running a boot-file script, with exactly their caps (output and status as the host's dash gives)",
        run: dash_service,
    },
    Scenario {
        name: "default-manifest",
        about: "systems/demos.cue: init starts every demo service and all end as expected",
        run: default_manifest,
    },
];

/// Waits for init's report that `service` ended and returns how.
fn init_report(session: &mut Session, service: &str) -> Result<String, TestFailure> {
    let line = session.expect(&re(&format!(r"^\[init\] {service} \(pid \d+\) (.+)$")), STEP_TIMEOUT)?;
    Ok(line.get(1).unwrap_or_default().to_string())
}

/// Waits for init's final report, then for the kernel's: every process
/// ended, and every frame and cap slot came back.
pub(super) fn all_ended(session: &mut Session) -> Result<(), TestFailure> {
    let done =
        session.expect(&re(r"^\[init\] all services ended \((\d+) could not start\)$"), STEP_TIMEOUT)?;
    ensure(done.get(1) == Some("0"), session, || format!("init: {}", done.line))?;
    no_frames_leaked(session).map(|_| ())
}

/// The host's dash running `script` with `args`: its stdout lines and exit
/// status (the reference of the `dash-service` scenario).
fn host_dash(script: &std::path::Path, args: &[&str]) -> Result<(Vec<String>, i32), TestFailure> {
    let out = std::process::Command::new("/bin/dash")
        .arg(script)
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| TestFailure::new(format!("cannot run the host's /bin/dash: {e}")))?;
    let lines = String::from_utf8_lossy(&out.stdout).lines().map(String::from).collect();
    Ok((lines, out.status.code().unwrap_or(-1)))
}

fn dash_service(ctx: &mut Ctx) -> Result<(), TestFailure> {
    let script = qemu_runner::repo_root().join("systems/dash-service/report.sh");
    let (lines, status) = host_dash(&script, &["one", "two words"])?;
    let (_, missing_status) = host_dash(std::path::Path::new("/nonexistent/report.sh"), &[])?;
    if lines.is_empty() {
        return Err(TestFailure::new("the host's dash printed nothing for systems/dash-service/report.sh"));
    }
    let mut session = ctx.boot_manifest("dash-service")?;
    all_ended(&mut session)?;
    drop(session);
    // The whole console, now that every process has ended: `report`'s
    // lines in order, as the host's dash printed them (other services'
    // lines may come between), and how init saw each service end.
    let path = ctx.build_dir().join("logs/dash-service.serial.log");
    let log = std::fs::read(&path)
        .map(|bytes| String::from_utf8_lossy(&bytes).replace('\r', ""))
        .map_err(|e| TestFailure::new(format!("reading {}: {e}", path.display())))?;
    let printed: Vec<&str> = log.lines().filter(|l| l.starts_with("report: ")).collect();
    if printed != lines {
        return Err(TestFailure::new(format!(
            "report printed {printed:?}, the host's dash {lines:?} (log: {})",
            path.display()
        )));
    }
    let ended = |service: &str| {
        let pattern = re(&format!(r"^\[init\] {service} \(pid \d+\) (.+)$"));
        log.lines().find_map(|l| pattern.captures(l).and_then(|c| c.get(1)).map(|m| m.as_str().to_string()))
    };
    for (service, code) in [("report", status), ("lonely", missing_status)] {
        let got = ended(service);
        let want = format!("exited with code {code}");
        if got.as_deref() != Some(want.as_str()) {
            return Err(TestFailure::new(format!("{service}: {got:?}, the host's dash: {want}")));
        }
    }
    ctx.note(format!(
        "report: {} lines and status {status} as the host's dash; lonely (no fs cap) could not open its script: status {missing_status}",
        lines.len()
    ));
    Ok(())
}

fn hello(ctx: &mut Ctx) -> Result<(), TestFailure> {
    let mut session = ctx.boot_manifest("hello")?;
    let found = expect_unordered(
        &mut session,
        &[r"^\[init\] started hello \(pid (\d+)\)$", r"^hello, tester! \(pid (\d+), caps: console\)$"],
        BOOT_TIMEOUT,
    )?;
    ensure(found[0].get(1) == found[1].get(1), &session, || {
        format!("init started pid {:?} but hello reports pid {:?}", found[0].get(1), found[1].get(1))
    })?;
    let status = init_report(&mut session, "hello")?;
    ensure(status == "exited with code 0", &session, || format!("hello {status}"))?;
    all_ended(&mut session)
}

fn clock(ctx: &mut Ctx) -> Result<(), TestFailure> {
    let mut session = ctx.boot_manifest("clock")?;
    let first = session.expect(
        &re(r"^clock: monotonic (\d+) ms since boot; wall clock (-?\d+)\.(\d{9}) s since 1970 \((\w+)\)$"),
        BOOT_TIMEOUT,
    )?;
    let wall: i64 = first.parse(2).map_err(TestFailure::new)?;
    // QEMU's RTC starts at the host's time: any date after 2020 is sane.
    ensure(wall > 1_577_836_800, &session, || format!("wall clock {wall} is before 2020"))?;
    ensure(first.get(4) == Some("Untrusted"), &session, || format!("provenance {:?}", first.get(4)))?;
    let slept =
        session.expect(&re(r"^clock: slept 50 ms, monotonic clock advanced (\d+) ms$"), STEP_TIMEOUT)?;
    let advanced: u64 = slept.parse(1).map_err(TestFailure::new)?;
    ensure(advanced >= 50, &session, || format!("a 50 ms sleep advanced the clock only {advanced} ms"))?;
    let three = session.expect(
        &re(r"^clock: three concurrent sleeps \(60, 20, 40 ms\) all done after (\d+) ms$"),
        STEP_TIMEOUT,
    )?;
    let longest: u64 = three.parse(1).map_err(TestFailure::new)?;
    ensure(longest >= 60, &session, || format!("the 60 ms sleep finished after {longest} ms"))?;
    ctx.note(format!("50 ms sleep took {advanced} ms; concurrent sleeps done after {longest} ms"));
    let status = init_report(&mut session, "clock")?;
    ensure(status == "exited with code 0", &session, || format!("clock {status}"))?;
    all_ended(&mut session)
}

fn spawner(ctx: &mut Ctx) -> Result<(), TestFailure> {
    let mut session = ctx.boot_manifest("spawner")?;
    // The child hello was given only the console, under that name; it may
    // print before or after spawner reports starting it.
    let found = expect_unordered(
        &mut session,
        &[
            r"^spawner: started hello \(pid (\d+)\) and stranger \(pid (\d+)\)$",
            r"^hello, spawner's child! \(pid (\d+), caps: console\)$",
        ],
        BOOT_TIMEOUT,
    )?;
    ensure(found[0].get(1) == found[1].get(1), &session, || {
        format!("spawner started hello as pid {:?}, hello says pid {:?}", found[0].get(1), found[1].get(1))
    })?;
    ensure(found[0].get(1) != found[0].get(2), &session, || String::from("two children got the same pid"))?;
    session.expect(&re(r"^spawner: hello exited with code 0$"), STEP_TIMEOUT)?;
    // stranger's exit code is 0 only if everything it tried failed as it must.
    session.expect(&re(r"^spawner: stranger exited with code 0$"), STEP_TIMEOUT)?;
    expect_unordered(
        &mut session,
        &[
            r"^faulter: about to fault \(null\)$",
            r"^spawner: faulter \(pid \d+\) faulted \(vector 14, address 0x0, rip 0x[0-9a-f]+\)$",
        ],
        STEP_TIMEOUT,
    )?;
    session.expect(&re(r"^spawner: spinning child \(pid \d+\) was killed$"), STEP_TIMEOUT)?;
    session.expect(&re(r"^spawner: waiting again reports it was killed$"), STEP_TIMEOUT)?;
    session.expect(&re(r"^spawner: spawning a missing binary failed: not found$"), STEP_TIMEOUT)?;
    // Dropping a ProcessHandle releases its slot: 300 spawns in a row
    // (more than a cap table holds) leave room for one more.
    session.expect(
        &re(r"^spawner: 300 handles spawned and dropped; one more child exited with code 0$"),
        BOOT_TIMEOUT,
    )?;
    session.expect(&re(r"^spawner: done$"), STEP_TIMEOUT)?;
    let status = init_report(&mut session, "spawner")?;
    ensure(status == "exited with code 0", &session, || format!("spawner {status}"))?;
    all_ended(&mut session)
}

fn stranger(ctx: &mut Ctx) -> Result<(), TestFailure> {
    let mut session = ctx.boot_manifest("stranger")?;
    session.expect(&re(r"^\[init\] started stranger \(pid \d+\)$"), BOOT_TIMEOUT)?;
    let status = init_report(&mut session, "stranger")?;
    ensure(status == "exited with code 0", &session, || {
        format!("stranger {status} (a non-zero code names the check that did not fail as it must)")
    })?;
    all_ended(&mut session)
}

fn faulter(ctx: &mut Ctx) -> Result<(), TestFailure> {
    let mut session = ctx.boot_manifest("faulter")?;
    // Four processes fault four ways; the kernel ends each alone and init
    // reports each exactly; hello, started after them, runs normally
    // (whichever gets the CPU first); init carries on to the end.
    let rip = "rip 0x[0-9a-f]+";
    let found = expect_unordered(
        &mut session,
        &[
            &format!(r"^\[init\] faulter \(pid \d+\) faulted \(vector 14, address 0x0, {rip}\)$"),
            &format!(r"^\[init\] faulter-ud \(pid \d+\) faulted \(vector 6, address 0x0, {rip}\)$"),
            &format!(r"^\[init\] faulter-gp \(pid \d+\) faulted \(vector 13, address 0x0, {rip}\)$"),
            &format!(r"^\[init\] faulter-div \(pid \d+\) faulted \(vector 0, address 0x0, {rip}\)$"),
            r"^hello, after the faults! \(pid \d+, caps: console\)$",
            r"^\[init\] hello \(pid \d+\) exited with code 0$",
        ],
        BOOT_TIMEOUT,
    )?;
    ctx.note(format!("{} faults reported, each ending only its process", found.len() - 2));
    all_ended(&mut session)
}

fn fpu(ctx: &mut Ctx) -> Result<(), TestFailure> {
    let mut session = ctx.boot_manifest("fpu")?;
    let found = expect_unordered(
        &mut session,
        &[
            r"^fpu-check a: xmm (\w+) .*across (\d+) preemptions$",
            r"^fpu-check b: xmm (\w+) .*across (\d+) preemptions$",
            r"^\[init\] fpu-a \(pid \d+\) (.+)$",
            r"^\[init\] fpu-b \(pid \d+\) (.+)$",
        ],
        BOOT_TIMEOUT,
    )?;
    for m in &found[..2] {
        ensure(m.get(1) == Some("intact"), &session, || m.line.clone())?;
        let preemptions: u64 = m.parse(2).map_err(TestFailure::new)?;
        ensure(preemptions > 0, &session, || {
            format!("{}: two CPU-bound processes, yet never preempted", m.line)
        })?;
    }
    for m in &found[2..] {
        ensure(m.get(1) == Some("exited with code 0"), &session, || m.line.clone())?;
    }
    ctx.note(format!("{} / {}", found[0].line, found[1].line));
    all_ended(&mut session)
}

/// ipc-client's misuse check and its flood of calls: every call of the
/// flood is answered or refused with `WouldBlock`, and some are refused.
/// Returns the flood's line and how many calls were answered.
fn client_misuse_and_flood(session: &mut Session) -> Result<(qemu_runner::Match, u64), TestFailure> {
    session.expect(&re(r"^ipc-client: RECV on a console cap: Err\(WrongInterface\)$"), STEP_TIMEOUT)?;
    let flood = session.expect(
        &re(r"^ipc-client: flood of (\d+): (\d+) answered, (\d+) refused with WouldBlock, (\d+) other$"),
        STEP_TIMEOUT,
    )?;
    let n = |i| flood.parse::<u64>(i).map_err(TestFailure::new);
    let (total, answered, refused, other) = (n(1)?, n(2)?, n(3)?, n(4)?);
    ensure(other == 0 && answered + refused == total && refused > 0, session, || flood.line.clone())?;
    Ok((flood, answered))
}

fn ipc(ctx: &mut Ctx) -> Result<(), TestFailure> {
    let mut session = ctx.boot_manifest("ipc")?;
    // The server's first act and the client's calls run concurrently.
    expect_unordered(
        &mut session,
        &[
            r"^ipc-server: RETURN to a call it does not hold: Err\(InvalidArgument\)$",
            r#"^ipc-client: echo\("hello over ipc"\) = "HELLO OVER IPC"$"#,
        ],
        BOOT_TIMEOUT,
    )?;
    session.expect(&re(r#"^ipc-client: echo\("capabilities"\) = "CAPABILITIES"$"#), STEP_TIMEOUT)?;
    let (flood, answered) = client_misuse_and_flood(&mut session)?;
    // The queue holds its depth (32) of calls; one more goes straight to
    // the server if it is already waiting in RECV (it normally is, unless a
    // timer tick preempted it between RETURN and RECV); the rest is refused.
    let depth = 32;
    ensure(answered == depth || answered == depth + 1, &session, || {
        format!(
            "{}: expected {depth} or {} answered (the queue depth, plus one in service)",
            flood.line,
            depth + 1
        )
    })?;
    session.expect(&re(r"^ipc-demo: ipc-client exited with code 0$"), STEP_TIMEOUT)?;
    expect_unordered(
        &mut session,
        &[
            r"^ipc-server: answered the second call before the first$",
            r#"^ipc-demo: answered out of order: first call got "FIRST", second call got "SECOND"$"#,
        ],
        STEP_TIMEOUT,
    )?;
    session.expect(&re(r"^ipc-demo: call to a server killed mid-call: Err\(PeerDied\)$"), STEP_TIMEOUT)?;
    session.expect(&re(r"^ipc-demo: a later call to it: Err\(PeerDied\)$"), STEP_TIMEOUT)?;
    session.expect(&re(r"^ipc-demo: client killed mid-call was killed$"), STEP_TIMEOUT)?;
    session.expect(
        &re(r#"^ipc-demo: the server then says: Ok\("first call answered: Err\(Cancelled\)"\)$"#),
        STEP_TIMEOUT,
    )?;
    session.expect(&re(r"^ipc-demo: hold server exited with code 0$"), STEP_TIMEOUT)?;
    session.expect(&re(r#"^ipc-demo: quit -> Ok\("bye"\)$"#), STEP_TIMEOUT)?;
    session.expect(&re(r"^ipc-demo: ipc-server exited with code 0$"), STEP_TIMEOUT)?;
    // The service layer: a typed stub answers; caps cross the endpoint both
    // ways (a fresh cap from the server works; one moved back is gone);
    // the service stops after `quit`.
    session.expect(&re(r#"^ipc-demo: typed service: Ok\("typed!"\)$"#), STEP_TIMEOUT)?;
    session.expect(
        &re(r"^ipc-demo: \(printed through the console cap the server handed over\)$"),
        STEP_TIMEOUT,
    )?;
    let give = session.expect(
        &re(r#"^ipc-demo: give -> "here is a console", got cap (0x[0-9a-f]+), a new id \(ours is (0x[0-9a-f]+)\)$"#),
        STEP_TIMEOUT,
    )?;
    ensure(give.get(1) != give.get(2), &session, || give.line.clone())?;
    session.expect(
        &re(r#"^ipc-demo: take \(by move\) -> "took 1 caps"; using the moved cap now: Err\(StaleCap\)$"#),
        STEP_TIMEOUT,
    )?;
    expect_unordered(
        &mut session,
        &[
            r#"^ipc-demo: typed service: Ok\("quit!"\)$"#,
            r"^echo-service: answered 2 calls, then Ok\(\(\)\)$",
        ],
        STEP_TIMEOUT,
    )?;
    session.expect(&re(r"^ipc-demo: echo-service exited with code 0$"), STEP_TIMEOUT)?;
    session.expect(&re(r"^ipc-demo: done$"), STEP_TIMEOUT)?;
    let status = init_report(&mut session, "ipc-demo")?;
    ensure(status == "exited with code 0", &session, || format!("ipc-demo {status}"))?;
    ctx.note(flood.line.clone());
    all_ended(&mut session)
}

fn manifest_exports(ctx: &mut Ctx) -> Result<(), TestFailure> {
    let mut session = ctx.boot_manifest("services")?;
    // Each line proves the reply came from echo-service (it appends "!"),
    // reached through the cap init granted from the manifest's export.
    let mut calls = 0u64;
    for word in ["hello over ipc", "capabilities", "third call"] {
        let line = format!(r#"^ipc-client: echo\("{word}"\) = "{word}!"$"#);
        session.expect(&re(&line), if calls == 0 { BOOT_TIMEOUT } else { STEP_TIMEOUT })?;
        calls += 1;
    }
    let (_, answered) = client_misuse_and_flood(&mut session)?;
    // The server counts every call it answered: the echoes and the flood's
    // answered part. Nobody asks it to stop: it ends because its only
    // client has (init released its own copy of the client side), so its
    // RECV fails with PeerDied and `serve` returns Ok.
    let served = calls + answered;
    // Init reports the two ends in whichever order its waits complete.
    let found = expect_unordered(
        &mut session,
        &[
            r"^echo-service: answered (\d+) calls, then Ok\(\(\)\)$",
            r"^\[init\] echo-service \(pid \d+\) (.+)$",
            r"^\[init\] ipc-client \(pid \d+\) (.+)$",
        ],
        STEP_TIMEOUT,
    )?;
    ensure(found[0].get(1) == Some(served.to_string().as_str()), &session, || {
        format!("{}: expected {served} calls answered", found[0].line)
    })?;
    for report in &found[1..] {
        ensure(report.get(1) == Some("exited with code 0"), &session, || report.line.clone())?;
    }
    // all_ended: init kept no endpoint halves, every frame and cap slot is
    // back.
    all_ended(&mut session)
}

fn revocation(ctx: &mut Ctx) -> Result<(), TestFailure> {
    let mut session = ctx.boot_manifest("revoke")?;
    let child =
        session.expect(&re(r"^revoke-demo child: timer worked (\d+) times, then: (\w+)$"), BOOT_TIMEOUT)?;
    let worked: u64 = child.parse(1).map_err(TestFailure::new)?;
    ensure(worked > 0 && child.get(2) == Some("Revoked"), &session, || {
        format!("{}: the child should use the timer, then see Revoked", child.line)
    })?;
    session.expect(
        &re(r"^revoke-demo: before revoking the copy worked: true; after: Some\(Revoked\); the original: works; child exited with code 0$"),
        STEP_TIMEOUT,
    )?;
    let status = init_report(&mut session, "revoke-demo")?;
    ensure(status == "exited with code 0", &session, || format!("revoke-demo {status}"))?;
    ctx.note(child.line.clone());
    all_ended(&mut session)
}

fn threads(ctx: &mut Ctx) -> Result<(), TestFailure> {
    let mut session = ctx.boot_manifest("threads")?;
    let total = session.expect(
        &re(r"^counter: (\d+) threads \(tids \[[0-9, ]+\]\) x (\d+) = (\d+) \(expected (\d+)\)$"),
        BOOT_TIMEOUT,
    )?;
    let n = |i| total.parse::<u64>(i).map_err(TestFailure::new);
    let (threads, adds, sum) = (n(1)?, n(2)?, n(3)?);
    // The expectation is computed here, not taken from the app's line.
    ensure(threads >= 2 && sum == threads * adds, &session, || {
        format!("{}: {threads} x {adds} should be {}", total.line, threads * adds)
    })?;
    session.expect(&re(r"^counter: condvar hand-off done, worker joined: Ok\(\(\)\)$"), STEP_TIMEOUT)?;
    let status = init_report(&mut session, "counter")?;
    ensure(status == "exited with code 0", &session, || format!("counter {status}"))?;
    ctx.note(total.line.clone());
    all_ended(&mut session)
}

fn default_manifest(ctx: &mut Ctx) -> Result<(), TestFailure> {
    let mut session = ctx.boot_manifest("demos")?;
    session.expect(&re(r"^\[init\] started hello \(pid \d+\)$"), BOOT_TIMEOUT)?;
    let mut ended = std::collections::BTreeMap::new();
    let report =
        re(r"^\[init\] (\w+) \(pid \d+\) (.+)$|^\[init\] all services ended \((\d+) could not start\)$");
    loop {
        let found = session.expect(&report, STEP_TIMEOUT)?;
        if let Some(failed) = found.get(3) {
            ensure(failed == "0", &session, || found.line.clone())?;
            break;
        }
        ended.insert(
            found.get(1).unwrap_or_default().to_string(),
            found.get(2).unwrap_or_default().to_string(),
        );
    }
    for service in ["hello", "clock", "spawner", "stranger"] {
        let status = ended.get(service).map(String::as_str);
        ensure(status == Some("exited with code 0"), &session, || format!("{service}: {status:?}"))?;
    }
    let fault = ended.get("faulter").map(String::as_str).unwrap_or_default();
    ensure(fault.starts_with("faulted (vector 14, address 0x0"), &session, || format!("faulter: {fault}"))?;
    ctx.note(format!("{} services ended as expected; {}", ended.len(), no_frames_leaked(&mut session)?));
    Ok(())
}
