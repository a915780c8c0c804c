//! Booting the normal kernel: the banner and the idle heartbeat (QEMU's
//! direct kernel boot, PVH), and the same kernel through GRUB on an ISO
//! (Multiboot2) running a manifest to power-off.

use capos_abi::{TIMER_HZ, serial};
use qemu_runner::{BootMethod, Match, regex};

use super::Scenario;
use crate::harness::{BOOT_TIMEOUT, Ctx, Kernel, STEP_TIMEOUT, TestFailure, ensure, re};

/// This module's scenarios.
pub const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "boot-banner",
        about: "kernel.elf boots directly (PVH): banner, frame/heap/timer lines, two heartbeats",
        run: boot_banner,
    },
    Scenario {
        name: "boot-iso",
        about: "kernel.elf boots through GRUB on an ISO (Multiboot2) with a manifest, runs hello, powers off",
        run: boot_iso,
    },
];

/// Allowed deviation of the heartbeat tick delta from `seconds * TIMER_HZ`.
const TICK_TOLERANCE: f64 = 0.20;

fn boot_banner(ctx: &mut Ctx) -> Result<(), TestFailure> {
    let mut session = ctx.boot(Kernel::Normal, "")?;

    // The first line with the banner prefix (skipping firmware noise).
    let first = session.expect(&re(&regex::escape(serial::BANNER_PREFIX)), BOOT_TIMEOUT)?;
    let (noise, banner) = split_escape_prefix(&first.line);
    if !noise.is_empty() {
        ctx.note(format!("{} bytes of terminal escapes before the banner", noise.len()));
    }
    let version = re(&format!(r"^{}(\d+\.\d+\.\d+)", regex::escape(serial::BANNER_PREFIX)));
    let Some(caps) = version.captures(banner) else {
        return Err(TestFailure::in_session(
            &session,
            format!(
                "the first line containing {:?} is not `capOS <x.y.z> ...`: {:?}",
                serial::BANNER_PREFIX,
                first.line
            ),
        ));
    };
    ctx.note(format!(
        "banner `{}` {:.2} s after QEMU started",
        &caps[1],
        first.elapsed_since_start.as_secs_f64()
    ));
    ensure(banner.ends_with("via PVH)"), &session, || {
        format!("the banner does not say the kernel was booted via PVH: {banner:?}")
    })?;

    // The banner's key lines, in any order, before the first heartbeat.
    let heartbeat = heartbeat_regex();
    let keys = re(&format!(
        r"^\s*(?:frames: (?P<free>\d+) free of (?P<usable>\d+) usable|heap: (?P<heap>\d+) KiB|timer: LAPIC (?P<hz>\d+) Hz)|{}",
        heartbeat.as_str()
    ));
    let (mut frames, mut heap, mut hz) = (None, None, None);
    while frames.is_none() || heap.is_none() || hz.is_none() {
        let found = session.expect(&keys, STEP_TIMEOUT)?;
        if found.name("free").is_some() {
            frames = Some((number(&found, 1)?, number(&found, 2)?));
        } else if found.name("heap").is_some() {
            heap = Some(number(&found, 3)?);
        } else if found.name("hz").is_some() {
            hz = Some(number(&found, 4)?);
        } else {
            let missing: Vec<&str> =
                [("frames", frames.is_none()), ("heap", heap.is_none()), ("timer", hz.is_none())]
                    .into_iter()
                    .filter_map(|(key, missing)| missing.then_some(key))
                    .collect();
            return Err(TestFailure::in_session(
                &session,
                format!("the banner has no {} line before the first heartbeat", missing.join("/")),
            ));
        }
    }
    let (free, usable) = frames.expect("loop ends when all keys are found");
    let (heap, hz) = (heap.expect("found"), hz.expect("found"));
    ensure(free > 0 && free <= usable, &session, || {
        format!("frames: {free} free of {usable} usable: want 0 < free <= usable")
    })?;
    ensure(heap > 0, &session, || format!("heap: {heap} KiB: want > 0"))?;
    ensure(hz == u64::from(TIMER_HZ), &session, || {
        format!("timer: LAPIC {hz} Hz: want capos_abi::TIMER_HZ = {TIMER_HZ}")
    })?;
    ctx.note(format!("frames {free}/{usable}, heap {heap} KiB, timer {hz} Hz"));

    // Two heartbeats: uptime and ticks grow, at the timer's rate.
    let one = session.expect(&heartbeat, STEP_TIMEOUT)?;
    let two = session.expect(&heartbeat, STEP_TIMEOUT)?;
    let (s1, t1) = (number(&one, 1)?, number(&one, 2)?);
    let (s2, t2) = (number(&two, 1)?, number(&two, 2)?);
    if let Err(message) = check_heartbeats((s1, t1), (s2, t2), TIMER_HZ) {
        return Err(TestFailure::in_session(&session, message));
    }
    ctx.note(format!(
        "heartbeats `{}` and `{}` {:.2} s apart (host time)",
        one.line,
        two.line,
        (two.elapsed_since_start - one.elapsed_since_start).as_secs_f64()
    ));
    Ok(())
}

/// The GRUB path: the banner names GRUB and Multiboot2, the manifest's
/// module arrives (hello runs), and the machine powers off with status 0.
fn boot_iso(ctx: &mut Ctx) -> Result<(), TestFailure> {
    let mut session = ctx.boot_manifest_by("hello", capos_abi::cmdline::POWEROFF, BootMethod::Iso)?;
    let banner =
        re(&format!(r"{}\S+ \(x86_64; booted by (.*) via (\w+)\)", regex::escape(serial::BANNER_PREFIX)));
    let found = session.expect(&banner, BOOT_TIMEOUT)?;
    let (loader, protocol) = (found.get(1).unwrap_or_default(), found.get(2).unwrap_or_default());
    ensure(loader.starts_with("GRUB") && protocol == "Multiboot2", &session, || {
        format!("want `booted by GRUB … via Multiboot2`, got {:?}", found.line)
    })?;
    ctx.note(format!(
        "banner {:.2} s after QEMU started: {}",
        found.elapsed_since_start.as_secs_f64(),
        found.line
    ));
    session.expect(&re(r"^hello, tester!"), STEP_TIMEOUT)?;
    let off = session.expect(&re(&format!("^{}(.*)", regex::escape(serial::POWER_OFF))), STEP_TIMEOUT)?;
    ensure(off.get(1) == Some("exited 0"), &session, || format!("want `exited 0`, got {:?}", off.line))?;
    session.wait_exit(STEP_TIMEOUT)?;
    Ok(())
}

/// Capture group `i` of `found` as a number.
fn number(found: &Match, i: usize) -> Result<u64, TestFailure> {
    found.parse(i).map_err(TestFailure::new)
}

/// `uptime: S s (T ticks)` at the start of a line.
fn heartbeat_regex() -> qemu_runner::Regex {
    re(&format!(r"^{}(\d+) s \((\d+) ticks\)", regex::escape(serial::HEARTBEAT)))
}

/// Split leading terminal escape sequences (firmware or GRUB noise) off `line`.
fn split_escape_prefix(line: &str) -> (&str, &str) {
    let escapes = re(r"^(?:\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[^\[()])*");
    let end = escapes.find(line).map_or(0, |m| m.end());
    line.split_at(end)
}

/// Two heartbeats `(seconds, ticks)`: both strictly increase, and the tick
/// delta is within [`TICK_TOLERANCE`] of the seconds delta times `hz`.
fn check_heartbeats(one: (u64, u64), two: (u64, u64), hz: u32) -> Result<(), String> {
    let ((s1, t1), (s2, t2)) = (one, two);
    if s2 <= s1 || t2 <= t1 {
        return Err(format!("heartbeats do not grow: {s1} s ({t1} ticks) then {s2} s ({t2} ticks)"));
    }
    let expected = (s2 - s1) as f64 * f64::from(hz);
    let got = (t2 - t1) as f64;
    if (got - expected).abs() > expected * TICK_TOLERANCE {
        return Err(format!(
            "ticks grew by {got} over {} s; want {expected} ({hz} Hz) within {}%",
            s2 - s1,
            TICK_TOLERANCE * 100.0
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_prefix_is_split_off() {
        assert_eq!(split_escape_prefix("capOS 0.1.0"), ("", "capOS 0.1.0"));
        assert_eq!(
            split_escape_prefix("\x1b[2J\x1b[0;37;40m\x1bccapOS 0.1.0"),
            ("\x1b[2J\x1b[0;37;40m\x1bc", "capOS 0.1.0")
        );
        assert_eq!(split_escape_prefix("xx capOS"), ("", "xx capOS"));
    }

    #[test]
    fn heartbeat_line_parses() {
        let caps = heartbeat_regex().captures("uptime: 10 s (1000 ticks)").unwrap();
        assert_eq!((&caps[1], &caps[2]), ("10", "1000"));
        assert!(heartbeat_regex().is_match("uptime: 5 s (500 ticks)"));
        assert!(!heartbeat_regex().is_match("[ 5.000] INFO x: uptime: 5 s (500 ticks)"));
    }

    #[test]
    fn heartbeat_checks() {
        assert_eq!(check_heartbeats((5, 500), (10, 1000), 100), Ok(()));
        assert_eq!(check_heartbeats((5, 500), (10, 1099), 100), Ok(()));
        assert!(check_heartbeats((5, 500), (10, 1101), 100).is_err());
        assert!(check_heartbeats((5, 500), (10, 899), 100).is_err());
        assert!(check_heartbeats((5, 500), (5, 600), 100).is_err());
        assert!(check_heartbeats((5, 500), (10, 500), 100).is_err());
    }
}
