//! The registry of QEMU scenarios. To add one, write a function
//! `fn(&mut Ctx) -> Result<(), TestFailure>` in a module here (or a new one)
//! and list it in that module's `SCENARIOS`; new modules go into [`GROUPS`].

use crate::harness::{Ctx, TestFailure};

mod apps;
mod boot;
mod capos_run;
mod dash;
mod deliberate_failures;
mod fs;
mod fuzz;
mod hostile;
mod ktest;
mod shell;
mod wasm;

/// One QEMU scenario.
pub struct Scenario {
    /// Unique name: the filter matches it, and it names the ISO and the
    /// serial log (`build/iso/<name>.iso`, `build/logs/<name>.serial.log`).
    pub name: &'static str,
    /// One line on what it checks (shown by `--list`).
    pub about: &'static str,
    /// The scenario itself.
    pub run: fn(&mut Ctx) -> Result<(), TestFailure>,
}

/// Every scenario module's list, in the order they run.
const GROUPS: &[&[Scenario]] = &[
    boot::SCENARIOS,
    ktest::SCENARIOS,
    deliberate_failures::SCENARIOS,
    apps::SCENARIOS,
    fs::SCENARIOS,
    hostile::SCENARIOS,
    fuzz::SCENARIOS,
    shell::SCENARIOS,
    dash::SCENARIOS,
    capos_run::SCENARIOS,
    wasm::SCENARIOS,
];

/// All scenarios, in the order they run.
pub fn all() -> impl Iterator<Item = &'static Scenario> {
    GROUPS.iter().flat_map(|group| group.iter())
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    #[test]
    fn names_are_unique_and_file_friendly() {
        let mut seen = HashSet::new();
        for scenario in super::all() {
            assert!(seen.insert(scenario.name), "duplicate {}", scenario.name);
            assert!(
                scenario.name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{}",
                scenario.name
            );
        }
    }
}
