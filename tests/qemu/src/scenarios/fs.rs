//! The file service (`systems/fs.cue`): `fs` serves the manifest's files
//! and a writable RAM tree; `fs-test` checks its semantics through the
//! exported `root` Directory, one line per check, while two writer
//! instances write their own files at the same time. The scenario asserts
//! every check line (a `FAILED` line fails it at once), the service's end
//! once its last client is gone, and that nothing leaked. `fs-memory`
//! (`systems/fs-memory.cue`) fills the service's memory under a quota too
//! big for it.

use super::Scenario;
use crate::harness::{BOOT_TIMEOUT, Ctx, STEP_TIMEOUT, TestFailure, ensure, no_frames_leaked, re};

/// This module's scenarios.
pub const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "fs",
        about: "file service: semantics, read-only rights, `..` confinement, quotas, a 16 MiB file, 1000 files, two concurrent writers",
        run: fs,
    },
    Scenario {
        name: "fs-memory",
        about: "file service out of memory (quota above it): writes fail with OutOfMemory, the service carries on, removing frees",
        run: fs_memory,
    },
];

/// The checks `fs-test` runs, in its order.
const CHECKS: &[&str] = &[
    "boot-tree",
    "files",
    "close",
    "rename",
    "remove",
    "readdir",
    "errors",
    "read-only",
    "escape",
    "symlinks",
    "attrs",
    "many-files",
    "big-file",
    "concurrent",
    "nospace-bytes",
    "nospace-nodes",
    "cleanup",
];

/// The writer instances of `systems/fs.cue`.
const WRITERS: &[&str] = &["writer-a", "writer-b"];

fn fs(ctx: &mut Ctx) -> Result<(), TestFailure> {
    let mut session = ctx.boot_manifest("fs")?;
    let start = session.expect(
        &re(r"^fs: serving (\d+) boot files \((\d+) bytes\); quota 20971520 bytes, 1100 nodes; writable: /tmp /home$"),
        BOOT_TIMEOUT,
    )?;
    ensure(start.get(1) == Some("2"), &session, || start.line.clone())?;
    // Every line of fs-test, the writers, fs and init, in whatever order
    // they come (the processes run concurrently); a failed check ends the
    // scenario at once.
    let any = re(concat!(
        r"^fs-test(?: (?P<writer>[\w-]+))?: (?P<text>.*)$",
        r"|^fs: every client is gone after (?P<calls>\d+) calls; (?P<handles>\d+) handles left, \d+ bytes in \d+ nodes$",
        r"|^\[init\] (?P<service>[\w-]+) \(pid \d+\) (?P<status>.+)$",
        r"|^\[init\] all services ended \((?P<failed>\d+) could not start\)$",
    ));
    let writer_line = re(r"^wrote 1048576 bytes in 256 writes; read back, checksum 0x[0-9a-f]{16} matches$");
    let summary_line = re(r"^(\d+) checks, (\d+) failed$");
    let mut next_check = 0;
    let mut writers_done = 0;
    let mut summary = false;
    let mut fs_end = None;
    let mut ended = Vec::new();
    loop {
        let line = session.expect(&any, STEP_TIMEOUT)?;
        if let Some(failed) = line.name("failed") {
            ensure(failed == "0", &session, || line.line.clone())?;
            break;
        } else if let Some(service) = line.name("service") {
            ensure(line.name("status") == Some("exited with code 0"), &session, || line.line.clone())?;
            ended.push(service.to_string());
        } else if let Some(handles) = line.name("handles") {
            // fs ends by itself once fs-test and the writers (its only
            // clients, with every File they opened) are gone.
            ensure(handles == "0", &session, || line.line.clone())?;
            fs_end = Some(line.line.clone());
        } else if let Some(writer) = line.name("writer") {
            let text = line.name("text").unwrap_or_default();
            ensure(WRITERS.contains(&writer) && writer_line.is_match(text), &session, || line.line.clone())?;
            writers_done += 1;
        } else {
            let text = line.name("text").unwrap_or_default();
            ensure(!text.contains("FAILED"), &session, || line.line.clone())?;
            if let Some(counts) = summary_line.captures(text) {
                let total = CHECKS.len().to_string();
                ensure(
                    next_check == CHECKS.len() && counts[1] == total && &counts[2] == "0",
                    &session,
                    || format!("{} after {next_check} of {} checks", line.line, CHECKS.len()),
                )?;
                summary = true;
                continue;
            }
            let want = CHECKS.get(next_check).copied().unwrap_or("(none)");
            ensure(text.starts_with(&format!("{want}: ok (")), &session, || {
                format!("expected check {want:?} to pass, got: {}", line.line)
            })?;
            if matches!(want, "big-file" | "many-files") {
                ctx.note(line.line.clone());
            }
            next_check += 1;
        }
    }
    ensure(summary && writers_done == WRITERS.len(), &session, || {
        format!("init ended before the summary ({summary}) or the writers ({writers_done})")
    })?;
    let Some(fs_end) = fs_end else {
        return Err(TestFailure::in_session(&session, "fs did not report its end"));
    };
    ctx.note(fs_end);
    ended.sort();
    ensure(ended == ["fs", "fs-test", "writer-a", "writer-b"], &session, || format!("ended: {ended:?}"))?;
    ctx.note(format!(
        "finished in {:.1} s; {}",
        session.elapsed().as_secs_f64(),
        no_frames_leaked(&mut session)?
    ));
    Ok(())
}

fn fs_memory(ctx: &mut Ctx) -> Result<(), TestFailure> {
    let mut session = ctx.boot_manifest("fs-memory")?;
    let fill = session.expect(
        &re(r"^fs-test fill: (?:(\d+) MiB written, then OutOfMemory; the service still works and (\d+) MiB fit again after removing it|FAILED: .*)$"),
        BOOT_TIMEOUT,
    )?;
    let (written, again) = (fill.parse::<u64>(1), fill.parse::<u64>(2));
    ensure(matches!((&written, &again), (Ok(w), Ok(_)) if *w >= 8), &session, || fill.line.clone())?;
    ctx.note(fill.line.clone());
    session.expect(
        &re(r"^fs: every client is gone after \d+ calls; 0 handles left, 0 bytes in 2 nodes$"),
        STEP_TIMEOUT,
    )?;
    let report =
        re(r"^\[init\] ([\w-]+) \(pid \d+\) (.+)$|^\[init\] all services ended \((\d+) could not start\)$");
    loop {
        let found = session.expect(&report, STEP_TIMEOUT)?;
        if let Some(failed) = found.get(3) {
            ensure(failed == "0", &session, || found.line.clone())?;
            break;
        }
        ensure(found.get(2) == Some("exited with code 0"), &session, || found.line.clone())?;
    }
    ctx.note(no_frames_leaked(&mut session)?);
    Ok(())
}
