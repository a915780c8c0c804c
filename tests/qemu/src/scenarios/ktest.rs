//! The in-kernel test suite (`kernel-ktest.elf` with `ktest` on the command line).

use capos_abi::serial;
use qemu_runner::regex;

use super::Scenario;
use crate::harness::{BOOT_TIMEOUT, Ctx, Kernel, STEP_TIMEOUT, TestFailure, ensure, re};

/// This module's scenarios.
pub const SCENARIOS: &[Scenario] = &[Scenario {
    name: "ktest",
    about: "kernel-ktest.elf runs its suite: every test ok, counts agree, success exit",
    run: ktest,
}];

fn ktest(ctx: &mut Ctx) -> Result<(), TestFailure> {
    let mut session = ctx.boot(Kernel::Ktest, "ktest")?;
    let prefix = regex::escape(serial::KTEST);
    let running = session.expect(&re(&format!(r"^{prefix}running (\d+) tests?$")), BOOT_TIMEOUT)?;
    let announced: u64 = running.parse(1).map_err(TestFailure::new)?;

    let result = re(&format!(
        r"^{prefix}(?:(?P<passed>\d+) passed, (?P<failed>\d+) failed|(?P<name>.+?) \.\.\. (?P<result>ok|FAILED.*))$"
    ));
    let mut ok = 0u64;
    let mut failed_tests = Vec::new();
    let (passed, failed) = loop {
        let found = session.expect(&result, STEP_TIMEOUT)?;
        match found.name("result") {
            Some("ok") => ok += 1,
            Some(_) => failed_tests.push(found.line.clone()),
            None => {
                let count = |i| found.parse::<u64>(i).map_err(TestFailure::new);
                break (count(1)?, count(2)?);
            }
        }
    };
    ctx.note(format!(
        "{passed} passed, {failed} failed ({:.2} s after QEMU started)",
        session.elapsed().as_secs_f64()
    ));
    ensure(failed == 0 && failed_tests.is_empty(), &session, || {
        format!("{failed} in-kernel tests failed:\n  {}", failed_tests.join("\n  "))
    })?;
    ensure(passed > 0, &session, || "the suite ran no tests".to_owned())?;
    ensure(ok == passed && passed == announced, &session, || {
        format!(
            "counts disagree: `running {announced} tests`, {ok} `... ok` lines, summary says {passed} passed"
        )
    })?;
    session.wait_exit(STEP_TIMEOUT)?;
    Ok(())
}
