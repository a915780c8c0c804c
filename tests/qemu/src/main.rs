//! `qemu-tests`: boot capOS in QEMU and check what it prints, one scenario
//! after another (never in parallel).
//!
//! ```text
//! qemu-tests [--build-dir build] [--list] [FILTER...]
//! ```
//!
//! A scenario runs if its name contains any FILTER (all run without one).
//! The build directory (relative paths are taken from the repository root)
//! holds `kernel.elf` and `kernel-ktest.elf`; ISOs go to `<build>/iso`,
//! serial logs to `<build>/logs`. Each result is a line
//! `test NAME ... ok (2.3 s)` or `test NAME ... FAILED` followed by the
//! report; the last line is `N passed, N failed`. Exit status 1 if any
//! scenario failed or no scenario matched.

mod harness;
mod scenarios;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;

use harness::Ctx;

#[derive(Parser)]
#[command(name = "qemu-tests", about = "Run the capOS QEMU scenarios")]
struct Cli {
    /// Directory with kernel.elf and kernel-ktest.elf (ISOs and logs go below it).
    #[arg(long, default_value = "build")]
    build_dir: PathBuf,
    /// List the scenarios instead of running them.
    #[arg(long)]
    list: bool,
    /// Run only scenarios whose name contains one of these strings.
    filters: Vec<String>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let selected: Vec<_> = scenarios::all()
        .filter(|s| cli.filters.is_empty() || cli.filters.iter().any(|f| s.name.contains(f.as_str())))
        .collect();
    if cli.list {
        for scenario in &selected {
            println!("{:<28} {}", scenario.name, scenario.about);
        }
        return ExitCode::SUCCESS;
    }
    if selected.is_empty() {
        eprintln!("qemu-tests: no scenario matches {:?} (see --list)", cli.filters);
        println!("0 passed, 0 failed");
        return ExitCode::FAILURE;
    }

    let build_dir = qemu_runner::resolve(&cli.build_dir);
    println!("running {} QEMU scenarios (build dir {})", selected.len(), build_dir.display());
    let (mut passed, mut failed) = (0, 0);
    for scenario in selected {
        print!("test {} ... ", scenario.name);
        let _ = std::io::stdout().flush();
        let mut ctx = Ctx::new(scenario.name, &build_dir);
        let started = Instant::now();
        // A panicking scenario (a bug in the test) fails alone; its session
        // is dropped on the way out, which kills QEMU.
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| (scenario.run)(&mut ctx)))
            .unwrap_or_else(|_| Err(harness::TestFailure::new("the scenario panicked (see above)")));
        let seconds = started.elapsed().as_secs_f64();
        match result {
            Ok(()) => {
                passed += 1;
                println!("ok ({seconds:.1} s)");
                print_notes(&ctx);
            }
            Err(failure) => {
                failed += 1;
                println!("FAILED");
                print_notes(&ctx);
                for line in failure.to_string().lines() {
                    println!("    {line}");
                }
                println!("    (after {seconds:.1} s)");
            }
        }
    }
    println!("{passed} passed, {failed} failed");
    if failed == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}

fn print_notes(ctx: &Ctx) {
    for note in ctx.notes() {
        println!("    {note}");
    }
}
