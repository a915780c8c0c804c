//! `capos`: use capOS from the host.
//!
//! ```text
//! capos run [--manifest FILE] [--dir HOSTDIR:/guest/path[:rw]]… [--file HOST:/guest/path[:rw]]…
//!           [--timeout SECONDS] [--log FILE] [--boot direct|iso] [--stdio virtio|uart]
//!           [-- PROGRAM ARGS…]
//! ```
//!
//! `capos run -- PROGRAM ARGS…` packs the named host files into the boot
//! manifest, boots capOS in QEMU, runs the program inside it (through the
//! manifest's `shell` service, `capos-shell --run PROGRAM ARGS…`) with this
//! process's stdin, stdout and stderr, and exits with the program's exit
//! status. Without a program it boots the manifest with its interactive
//! shell on this terminal, like `make run`. `docs/capos-run.md` is the
//! manual: ports, exit statuses, the terminal, the log.
//!
//! Relative paths on the command line are relative to the current
//! directory; the defaults (`build/kernel.elf`, `build/manifest.bin`,
//! `build/logs/capos-run.log`) are in the source tree's `build/`. The
//! `./capos` script at the repository root builds what is stale first.

mod manifest;
mod relay;
mod run;
mod spec;
mod status;
mod tty;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use qemu_runner::{Accel, BootMethod, SocketDevice};

use crate::manifest::CueContext;
use crate::spec::Kind;
use crate::status::TOOL_ERROR;

/// Default time limit of a program run whose stdin is not a terminal.
pub const DEFAULT_PROGRAM_TIMEOUT: Duration = Duration::from_secs(600);

#[derive(Parser, Debug)]
#[command(
    name = "capos",
    // A later `--timeout`, `--log` … wins over an earlier one.
    args_override_self = true,
    about = "Use capOS from the host: run a program inside it, or its interactive shell",
    after_help = "Exit status: the program's; 124 timed out; 125 capos or the boot failed; \
                  127 program not found; 130 stopped with Ctrl-A X; 137 killed; 139 faulted. \
                  See docs/capos-run.md."
)]
struct Cli {
    /// Build directory holding kernel.elf, manifest.bin and logs/ (default:
    /// build/ of the source tree).
    #[arg(long, global = true, value_name = "DIR")]
    build_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Boot capOS and run PROGRAM inside it with this process's stdin,
    /// stdout and stderr, exiting with its status; without a program, boot
    /// the interactive shell on this terminal (Ctrl-A X quits).
    Run(RunArgs),
}

#[derive(Args, Debug)]
struct RunArgs {
    /// The boot manifest: a built manifest (default: BUILD/manifest.bin,
    /// from system.cue) or a system file FILE.cue, compiled on the spot.
    #[arg(long, value_name = "FILE")]
    manifest: Option<PathBuf>,
    /// Add every regular file below HOSTDIR under /guest/path (read-only;
    /// `:rw` makes them writable). Repeatable.
    #[arg(long = "dir", value_name = "HOSTDIR:/guest/path[:rw]")]
    dirs: Vec<String>,
    /// Add the host file HOST as /guest/path (read-only; `:rw` makes it
    /// writable), replacing a manifest file of that path. Repeatable.
    #[arg(long = "file", value_name = "HOST:/guest/path[:rw]")]
    files: Vec<String>,
    /// Stop the machine after SECONDS and exit 124 (0: no limit). Default:
    /// 600 for a program whose stdin is not a terminal, no limit otherwise.
    #[arg(long, value_name = "SECONDS")]
    timeout: Option<f64>,
    /// Write the kernel log (COM1) here (default: BUILD/logs/capos-run.log).
    #[arg(long, value_name = "FILE")]
    log: Option<PathBuf>,
    /// The kernel (default: BUILD/kernel.elf).
    #[arg(long, value_name = "FILE")]
    kernel: Option<PathBuf>,
    /// QEMU accelerator: tcg or kvm.
    #[arg(long, default_value = "tcg")]
    accel: Accel,
    /// Guest RAM in MiB.
    #[arg(long, default_value_t = run::DEFAULT_MEMORY_MIB, value_name = "MIB")]
    memory: u32,
    /// How QEMU boots the kernel: direct (`-kernel`, PVH; fast) or iso
    /// (through GRUB on a boot ISO, as a real machine does).
    #[arg(long, default_value = "direct", value_name = "direct|iso")]
    boot: BootMethod,
    /// The devices behind the program's terminal and stderr: virtio
    /// consoles (fast) or the UARTs COM2 and COM3.
    #[arg(long, default_value = "virtio", value_name = "virtio|uart")]
    stdio: SocketDevice,
    /// Extra kernel command-line words, e.g. `loglevel=debug` (the ports
    /// and `poweroff` of a run cannot be changed). Repeatable.
    #[arg(long, value_name = "WORDS")]
    cmdline: Vec<String>,
    /// Also start the manifest's services the shell does not need (by
    /// default a program run starts only `shell` and what it depends on).
    #[arg(long)]
    all_services: bool,
    /// Set KEY=VALUE in the program's environment (and the shell's).
    /// Repeatable.
    #[arg(long = "env", value_name = "KEY=VALUE")]
    env: Vec<String>,
    /// The program to run and its arguments (put them after `--`). A
    /// PROGRAM with a `/` in it is a host file (`./prog`, `build/x`),
    /// carried into the boot package and run under its file name.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, value_name = "PROGRAM ARGS")]
    command: Vec<String>,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            // `--help` and `--version` are not failures.
            return ExitCode::from(if e.use_stderr() { TOOL_ERROR } else { 0 });
        }
    };
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    match cli.command {
        Command::Run(args) => match options(cli.build_dir, args, &cwd) {
            Ok(options) => ExitCode::from(run::run(&options)),
            Err(message) => {
                eprintln!("capos: error: {message}");
                ExitCode::from(TOOL_ERROR)
            }
        },
    }
}

/// Resolves the command line into run options (paths absolute).
fn options(build_dir: Option<PathBuf>, args: RunArgs, cwd: &Path) -> Result<run::Options, String> {
    let repo = qemu_runner::repo_root();
    let absolute = |p: PathBuf| if p.is_absolute() { p } else { cwd.join(p) };
    let build = build_dir.map(absolute).unwrap_or_else(|| repo.join("build"));
    let mut mappings = Vec::new();
    for file in &args.files {
        mappings.push(spec::parse(Kind::File, file)?);
    }
    for dir in &args.dirs {
        mappings.push(spec::parse(Kind::Dir, dir)?);
    }
    for mapping in &mut mappings {
        mapping.host = absolute(std::mem::take(&mut mapping.host));
    }
    if args.command.first().is_some_and(String::is_empty) {
        return Err("the program name is empty".into());
    }
    for var in &args.env {
        if !var.split_once('=').is_some_and(|(k, _)| !k.is_empty() && !k.contains('\0')) {
            return Err(format!("--env {var:?}: expected KEY=VALUE"));
        }
    }
    let mut command = args.command;
    let mut program_file = None;
    if let Some(first) = command.first_mut()
        && first.contains('/')
    {
        let path = absolute(PathBuf::from(&*first));
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .filter(|n| !n.is_empty())
            .ok_or_else(|| format!("{first}: not a file name"))?
            .to_string();
        *first = name;
        program_file = Some(path);
    }
    if program_file.is_some() {
        // Run by the shell's `run`, so a file named like a builtin (`caps`,
        // `ls`) is still the program.
        command.insert(0, "run".to_string());
    }
    let timeout = match args.timeout {
        None if command.is_empty() || tty::is_terminal(libc::STDIN_FILENO) => None,
        None => Some(DEFAULT_PROGRAM_TIMEOUT),
        Some(0.0) => None,
        Some(s) => Some(
            Duration::try_from_secs_f64(s)
                .map_err(|_| format!("--timeout {s}: expected a number of seconds"))?,
        ),
    };
    Ok(run::Options {
        kernel: args.kernel.map(absolute).unwrap_or_else(|| build.join("kernel.elf")),
        manifest: args.manifest.map(absolute).unwrap_or_else(|| build.join("manifest.bin")),
        cue: CueContext {
            schema: repo.join("system-schema.cue"),
            bin_dirs: vec![repo.join("target/user/x86_64-unknown-capos/user"), build.join("ports/bin")],
        },
        mappings,
        program: command,
        program_file,
        env: args.env,
        timeout,
        log: args.log.map(absolute).unwrap_or_else(|| build.join("logs/capos-run.log")),
        work_root: build.join("capos-run"),
        accel: args.accel,
        memory_mib: args.memory,
        boot: args.boot,
        stdio: args.stdio,
        all_services: args.all_services,
        cmdline: args.cmdline.iter().flat_map(|w| w.split_whitespace()).map(str::to_string).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<run::Options, String> {
        let cli = Cli::try_parse_from(std::iter::once("capos").chain(args.iter().copied()))
            .map_err(|e| e.to_string())?;
        let Command::Run(run) = cli.command;
        options(cli.build_dir, run, Path::new("/work/dir"))
    }

    #[test]
    fn program_and_arguments_pass_through_untouched() {
        let o = parse(&["run", "--timeout", "5", "--", "sh", "-c", "echo hi | wc -c", "--timeout", "--"])
            .unwrap();
        assert_eq!(o.program, ["sh", "-c", "echo hi | wc -c", "--timeout", "--"]);
        assert_eq!(o.timeout, Some(Duration::from_secs(5)));
        // Without `--`, everything from the program on is its own.
        let o = parse(&["run", "probe", "--exit", "3"]).unwrap();
        assert_eq!(o.program, ["probe", "--exit", "3"]);
        // Later single-valued options win; repeatable ones add up.
        let o = parse(&[
            "run",
            "--timeout",
            "9",
            "--file",
            "a:/a",
            "--timeout",
            "3",
            "--file",
            "b:/b",
            "--",
            "x",
        ])
        .unwrap();
        assert_eq!(o.timeout, Some(Duration::from_secs(3)));
        assert_eq!(o.mappings.len(), 2);
    }

    #[test]
    fn options_and_defaults() {
        let o = parse(&[
            "run",
            "--file",
            "./README.md:/tmp/r",
            "--dir",
            "t:/t:rw",
            "--manifest",
            "/m/x.cue",
            "--log",
            "out.log",
            "--build-dir",
            "b",
            "--timeout",
            "0",
            "--",
            "wasm-host",
            "/t/prog.wasm",
        ])
        .unwrap();
        assert_eq!(o.mappings.len(), 2);
        assert_eq!(o.mappings[0].host, Path::new("/work/dir/./README.md"));
        assert_eq!((o.mappings[0].guest.as_str(), o.mappings[0].writable), ("/tmp/r", false));
        assert_eq!(o.mappings[1].host, Path::new("/work/dir/t"));
        assert!(o.mappings[1].writable);
        assert_eq!(o.manifest, Path::new("/m/x.cue"));
        assert_eq!(o.log, Path::new("/work/dir/out.log"));
        assert_eq!(o.kernel, Path::new("/work/dir/b/kernel.elf"));
        assert_eq!(o.work_root, Path::new("/work/dir/b/capos-run"));
        assert_eq!(o.timeout, None);
        assert_eq!(o.accel, Accel::Tcg);
        assert_eq!(o.boot, BootMethod::Direct);
        assert_eq!(o.stdio, SocketDevice::Virtio);
        assert_eq!(parse(&["run", "--stdio", "uart", "--", "p"]).unwrap().stdio, SocketDevice::Uart);
        assert!(o.cmdline.is_empty());
        assert_eq!(parse(&["run", "--boot", "iso", "--", "p"]).unwrap().boot, BootMethod::Iso);
        let o = parse(&["run", "--cmdline", "loglevel=debug  x=1", "--cmdline", "y", "--", "p"]).unwrap();
        assert_eq!(o.cmdline, ["loglevel=debug", "x=1", "y"]);

        let shell = parse(&["run"]).unwrap();
        assert!(shell.program.is_empty());
        assert_eq!(shell.timeout, None);
        assert!(shell.manifest.ends_with("build/manifest.bin"));
        assert!(shell.log.ends_with("build/logs/capos-run.log"));
    }

    #[test]
    fn bad_arguments_are_errors() {
        assert!(
            parse(&["run", "--file", "README.md", "--", "cat"]).unwrap_err().contains("expected HOST:/guest")
        );
        assert!(parse(&["run", "--dir", "x:rel", "--", "cat"]).unwrap_err().contains("not absolute"));
        assert!(parse(&["run", "--timeout", "-1", "--", "cat"]).unwrap_err().contains("--timeout"));
        assert!(parse(&["run", "--", ""]).unwrap_err().contains("empty"));
        assert!(parse(&["run", "--accel", "hvf"]).is_err());
        assert!(parse(&["run", "--boot", "floppy"]).is_err());
        assert!(parse(&["walk"]).is_err());
    }
}
