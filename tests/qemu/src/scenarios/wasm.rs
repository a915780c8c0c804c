//! wasm programs as first-class manifest services (`systems/wasm.cue`):
//! init starts `wasm-host` with a module and its arguments, and the module
//! gets exactly the caps its service declares. The differential suite
//! (`tests/wasm/run.sh`) checks WASI itself against wasmtime; this checks
//! what only a manifest can set up: a process limit large enough for a
//! 256 MiB linear memory, one small enough that `memory.grow` meets it,
//! and a service without clocks.

use super::Scenario;
use crate::harness::{BOOT_TIMEOUT, Ctx, STEP_TIMEOUT, TestFailure, ensure, expect_unordered};

/// This module's scenarios.
pub const SCENARIOS: &[Scenario] = &[Scenario {
    name: "wasm-payload",
    about: "systems/wasm.cue: wasm-host services grow memory to 256 MiB, meet --max-memory and their memory limit with -1, see only their caps",
    run: wasm_payload,
}];

/// Guest memory: the 600 MiB service beside the others.
const MEMORY_MIB: u32 = 1024;

fn wasm_payload(ctx: &mut Ctx) -> Result<(), TestFailure> {
    ctx.set_memory(MEMORY_MIB);
    let mut session = ctx.boot_manifest("wasm")?;
    let found = expect_unordered(
        &mut session,
        &[
            r"^grow: (\d+) pages \((\d+) MiB\), (\d+) pages wrong$",
            r"^grow: one page more returned (-?\d+), size (\d+) pages$",
            r"^starve: memory.grow returned -1 at (\d+) MiB$",
            r"^starve: after that a 1000-byte malloc (\w+)$",
            r"^caps: args 2 \[from-the-manifest\], random_get (\d+) \(bytes (\w+)\), monotonic clock errno (\d+), realtime clock errno (\d+)$",
            r"^caps: /data/note \[(.*)\], /etc/motd (.+)$",
            r"^\[init\] wasm-grow \(pid \d+\) (.+)$",
            r"^\[init\] wasm-starve \(pid \d+\) (.+)$",
            r"^\[init\] wasm-caps \(pid \d+\) (.+)$",
        ],
        BOOT_TIMEOUT + STEP_TIMEOUT,
    )?;
    let [grown, more, starved, after, caps, files, grow_end, starve_end, caps_end] = &found[..] else {
        return Err(TestFailure::new("expect_unordered returned the wrong number of matches"));
    };
    ensure(grown.get(1) == Some("4096") && grown.get(3) == Some("0"), &session, || {
        format!("a 256 MiB memory was not grown and kept: {}", grown.line)
    })?;
    ensure(more.get(1) == Some("-1") && more.get(2) == Some("4096"), &session, || {
        format!("--max-memory 256 MiB did not refuse one page more: {}", more.line)
    })?;
    let limit_mib: u64 = starved.parse(1).map_err(TestFailure::new)?;
    ensure((1..48).contains(&limit_mib), &session, || {
        format!("memory.grow should fail below the 48 MiB process limit: {}", starved.line)
    })?;
    ensure(after.get(1) == Some("works"), &session, || format!("the module did not go on: {}", after.line))?;
    // WASI errno: 0 success, 58 ENOTSUP (no `timer`, no `wallClock`).
    ensure(
        caps.get(1) == Some("0")
            && caps.get(2) == Some("set")
            && caps.get(3) == Some("58")
            && caps.get(4) == Some("58"),
        &session,
        || format!("entropy only, no clocks: {}", caps.line),
    )?;
    // A path under no preopen: wasi-libc's ENOTCAPABLE.
    ensure(
        files.get(1) == Some("hello from the manifest") && files.get(2) == Some("Capabilities insufficient"),
        &session,
        || format!("/data only: {}", files.line),
    )?;
    for (end, name) in [(grow_end, "wasm-grow"), (starve_end, "wasm-starve"), (caps_end, "wasm-caps")] {
        ensure(end.get(1) == Some("exited with code 0"), &session, || format!("{name}: {}", end.line))?;
    }
    ctx.note(format!("memory.grow met the 48 MiB process limit at {limit_mib} MiB"));
    super::apps::all_ended(&mut session)
}
