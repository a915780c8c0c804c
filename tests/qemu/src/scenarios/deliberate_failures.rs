//! The `ktest` kernel's deliberate failures (`ktest.trigger=NAME`): each must
//! be detected by the runner, with its dump, and end QEMU with the failure
//! code. Any other outcome (success, timeout, another kind) fails the
//! scenario.

use capos_abi::serial;
use qemu_runner::{ExitKind, Failure, FailureKind, regex};

use super::Scenario;
use crate::harness::{Ctx, Kernel, STEP_TIMEOUT, TestFailure, ensure_in, re};

/// This module's scenarios.
pub const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "deliberate-page-fault",
        about: "ktest.trigger=page-fault: #PF dump with CR2, RIP and KERNEL FAULT",
        run: page_fault,
    },
    Scenario {
        name: "deliberate-panic",
        about: "ktest.trigger=panic: KERNEL PANIC with location and message",
        run: panic,
    },
    Scenario {
        name: "deliberate-write-rodata",
        about: "ktest.trigger=write-rodata: #PF with a write protection-violation error code",
        run: write_rodata,
    },
    Scenario {
        name: "deliberate-stack-overflow",
        about: "ktest.trigger=stack-overflow: #DF on the double-fault stack",
        run: stack_overflow,
    },
];

/// The unmapped address the `page-fault` trigger writes to.
const PAGE_FAULT_ADDRESS: u64 = 0xdead0000000;
/// The message of the `panic` trigger.
const PANIC_MESSAGE: &str = "deliberate panic (ktest.trigger=panic)";

/// Boot the ktest kernel with `ktest.trigger=<trigger>` and require a
/// failure of `kind` after which QEMU exited with the kernel's failure code.
fn triggered(ctx: &mut Ctx, trigger: &str, kind: FailureKind) -> Result<Failure, TestFailure> {
    let mut session = ctx.boot(Kernel::Ktest, &format!("ktest.trigger={trigger}"))?;
    let failure = match session.wait_exit(STEP_TIMEOUT) {
        Ok(exit) => {
            return Err(TestFailure::in_session(&session, format!("expected a {kind}, but QEMU {exit}")));
        }
        Err(failure) => failure,
    };
    ensure_in(failure.kind() == kind, &failure, || format!("expected a {kind}, got a {}", failure.kind()))?;
    ensure_in(failure.exit() == Some(ExitKind::KernelFailure), &failure, || match failure.exit() {
        Some(exit) => format!("expected QEMU to exit with the kernel's failure code; it {exit}"),
        None => "expected QEMU to exit with the kernel's failure code; it kept running".to_owned(),
    })?;
    ctx.note(format!(
        "{kind} detected {:.2} s after QEMU started: {}",
        failure.elapsed().as_secs_f64(),
        failure.detail()
    ));
    Ok(failure)
}

/// Check an exception dump: its first line names `mnemonic` (e.g. `#PF`),
/// it has a `RIP=` line, and it ends with the `KERNEL FAULT` line.
fn check_dump(failure: &Failure, mnemonic: &str) -> Result<(), TestFailure> {
    let dump = failure.dump();
    let first = dump.first().map(String::as_str).unwrap_or_default();
    let exception = re(&format!(r"^{}\s+{}\b", regex::escape(serial::EXCEPTION), regex::escape(mnemonic)));
    ensure_in(exception.is_match(first), failure, || {
        format!("the dump does not start with `{} {mnemonic}`: {first:?}", serial::EXCEPTION)
    })?;
    let rip = re(r"^\s*RIP=0x[0-9a-fA-F]{16}\b");
    ensure_in(dump.iter().any(|l| rip.is_match(l)), failure, || {
        "the dump has no `RIP=0x<16 hex digits>` line".to_owned()
    })?;
    let last = dump.last().map(String::as_str).unwrap_or_default();
    ensure_in(last.starts_with(serial::KERNEL_FAULT), failure, || {
        format!("the dump does not end with a `{}` line", serial::KERNEL_FAULT)
    })
}

fn page_fault(ctx: &mut Ctx) -> Result<(), TestFailure> {
    let failure = triggered(ctx, "page-fault", FailureKind::Exception)?;
    check_dump(&failure, "#PF")?;
    let cr2 = format!("CR2={PAGE_FAULT_ADDRESS:#018x}");
    ensure_in(failure.dump().iter().any(|l| l.contains(&cr2)), &failure, || {
        format!("the dump does not show `{cr2}`")
    })
}

fn panic(ctx: &mut Ctx) -> Result<(), TestFailure> {
    let failure = triggered(ctx, "panic", FailureKind::KernelPanic)?;
    let line = re(&format!(
        r"^{} at (?P<file>.+?):(?P<line>\d+):(?P<col>\d+): (?P<message>.*)$",
        regex::escape(serial::PANIC)
    ));
    let Some(caps) = line.captures(failure.detail()) else {
        return Err(TestFailure::in_failure(
            &failure,
            format!("the panic line is not `{} at FILE:LINE:COL: MESSAGE`", serial::PANIC),
        ));
    };
    ensure_in(&caps["message"] == PANIC_MESSAGE, &failure, || {
        format!("panic message {:?}, want {PANIC_MESSAGE:?}", &caps["message"])
    })?;
    ctx.note(format!("panic at {}:{}:{}", &caps["file"], &caps["line"], &caps["col"]));
    Ok(())
}

fn write_rodata(ctx: &mut Ctx) -> Result<(), TestFailure> {
    let failure = triggered(ctx, "write-rodata", FailureKind::Exception)?;
    check_dump(&failure, "#PF")?;
    let code = re(r"error code 0x([0-9a-fA-F]+)")
        .captures(failure.detail())
        .and_then(|caps| u64::from_str_radix(&caps[1], 16).ok());
    let Some(code) = code else {
        return Err(TestFailure::in_failure(&failure, "the #PF line has no `error code 0x...`"));
    };
    // Bit 0: the page was present (protection violation); bit 1: a write.
    ensure_in(code & 0b11 == 0b11, &failure, || {
        format!("error code {code:#x}: want bits 0 (present) and 1 (write) set")
    })
}

fn stack_overflow(ctx: &mut Ctx) -> Result<(), TestFailure> {
    let failure = triggered(ctx, "stack-overflow", FailureKind::Exception)?;
    check_dump(&failure, "#DF")
}
