//! The one place in capOS that builds boot ISOs and starts QEMU.
//!
//! Every QEMU and GRUB invocation of the project goes through this crate:
//! `make run` and `make iso` use the `qemu-runner` binary, the QEMU scenarios
//! in `tests/qemu` (and later benchmarks) use the library. No other file in
//! the repository spells a QEMU or GRUB flag.
//!
//! - [`prepare_boot`] makes an [`IsoSpec`] (kernel, command line, modules)
//!   bootable: QEMU's direct kernel boot (PVH, the default) or a GRUB
//!   (Multiboot2) ISO staged by [`build_iso`].
//! - [`QemuConfig::command`] is the single function that builds a QEMU
//!   command line, for an interactive ([`Mode::Interactive`]) or a captured
//!   ([`Mode::Captured`]) run.
//! - [`Session`] drives a captured run: it reads the serial console line by
//!   line, lets a test wait for lines ([`Session::expect`]) or for QEMU's exit
//!   ([`Session::wait_exit`]), and detects kernel panics, exception dumps,
//!   resets and timeouts while waiting (see [`Failure`]).
//!
//! The kernel's side of the contract is `docs/serial-protocol.md`; the fixed
//! markers and exit codes come from [`capos_abi`].
//!
//! Relative paths: the binary and [`resolve`] interpret relative paths
//! against the repository root, which is found at compile time from
//! `CARGO_MANIFEST_DIR` (see [`repo_root`]), so `cargo run -p qemu-runner`
//! behaves the same from any directory of the checkout.

mod boot;
mod error;
mod failure;
mod iso;
mod lines;
mod qemu;
mod session;

pub use boot::{Boot, BootMethod, prepare_boot};
pub use error::RunnerError;
pub use failure::{ExitKind, Failure, FailureKind, REPORT_LINES, classify};
pub use iso::{IsoModule, IsoSpec, build_iso, grub_cfg};
pub use lines::LineSplitter;
pub use qemu::{
    Accel, INTERACTIVE_KILL_GRACE, Mode, QEMU_BINARY, QemuConfig, SocketDevice, run_interactive,
    run_interactive_for,
};
pub use regex::{self, Regex};
pub use session::{Line, Match, Session};

use std::path::{Path, PathBuf};

/// The repository root (the directory holding the workspace `Cargo.toml`).
///
/// It is computed at compile time from this crate's `CARGO_MANIFEST_DIR`
/// (`<root>/tools/qemu-runner`). If that directory no longer exists (the
/// binary was copied elsewhere), the current directory is used instead.
pub fn repo_root() -> PathBuf {
    let compiled = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    match compiled.canonicalize() {
        Ok(root) => root,
        Err(_) => std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
    }
}

/// Resolve `path` against [`repo_root`] if it is relative; absolute paths are
/// returned unchanged.
pub fn resolve(path: impl AsRef<Path>) -> PathBuf {
    let path = path.as_ref();
    if path.is_absolute() { path.to_path_buf() } else { repo_root().join(path) }
}

/// Look `program` up on `PATH` like a shell would; `None` if it is not there.
///
/// A name with a `/` in it is checked as a path.
pub fn find_in_path(program: &Path) -> Option<PathBuf> {
    if program.components().count() > 1 {
        return program.is_file().then(|| program.to_path_buf());
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|dir| dir.join(program)).find(|candidate| candidate.is_file())
}

/// Serialises the unit tests that write executables or spawn processes, so
/// no fork inherits a freshly written script's open descriptor (ETXTBSY).
#[cfg(test)]
pub(crate) static TEST_SPAWN_LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
