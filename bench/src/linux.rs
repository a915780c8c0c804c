//! The Linux peer: Debian's bookworm kernel booted in the same QEMU as
//! capOS (the same `QemuConfig`: binary, machine, memory, CPU count and
//! model, accelerator) with an initramfs made here: busybox (static),
//! Debian's dash (dynamic, with the host's glibc loader and libc.so.6
//! beside it), `bench/programs/*.c` built with the host's
//! `gcc -static`, and for the wasm row `tools/wasmi-run` (static) with
//! `bench/c/wasm_cpu.c`'s module. `tools/linux-peer.sh` fetches the packages (pinned in
//! `vendor/linux-peer.toml`) into `build/linux-peer/`.
//!
//! The guest's `/init` prints markers the host timestamps from QEMU's
//! start (boot to the first process, boot to dash's prompt), runs the
//! benchmark programs, which print `row: KEY VALUE UNIT` lines on the
//! serial console, and powers off with `poweroff -f`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use qemu_runner::{Accel, Boot, ExitKind, QemuConfig, Regex, Session};

use crate::compare::Samples;
use crate::cpio::{Entry, Writer};

/// The longest a Linux boot with every row may take (TCG, a busy host).
const FULL_BOOT: Duration = Duration::from_secs(900);
/// The longest a boot-only run may take.
const SHORT_BOOT: Duration = Duration::from_secs(120);

/// The marker `/init` prints first.
pub const FIRST_PROCESS: &str = "capos-bench: first process";
/// dash's prompt (`PS1`), a whole line so it is timestamped on arrival.
pub const PROMPT: &str = "capos-bench: prompt";

/// The dash loop of the shell rows: 10 000 iterations of arithmetic and
/// builtins.
pub const DASH_LOOP: &str = "i=0; while [ $i -lt 10000 ]; do i=$((i+1)); x=$((i*7%13)); done";
/// The `/bin/true` x500 row's script.
pub const TRUE_500: &str = "i=0; while [ $i -lt 500 ]; do /bin/true; i=$((i+1)); done";

/// The benchmark programs built for one guest.
pub struct Programs {
    /// `posix_bench`, `hello`, `true`, `timeit` by name.
    pub dir: PathBuf,
}

/// The programs of `bench/programs/` that are built.
pub const PROGRAMS: [&str; 4] = ["posix_bench", "hello", "true", "timeit"];

/// Builds `bench/programs/*.c` with `compiler` (and `extra` flags) into
/// `build/bench/<side>/`.
pub fn build_programs(
    root: &Path,
    build: &Path,
    side: &str,
    compiler: &Path,
    extra: &[&str],
) -> Result<Programs, String> {
    let dir = build.join("bench").join(side);
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for name in PROGRAMS {
        let source = root.join("bench/programs").join(format!("{name}.c"));
        let status = Command::new(compiler)
            .args(["-O2"])
            .args(extra)
            .arg("-o")
            .arg(dir.join(name))
            .arg(&source)
            .status()
            .map_err(|e| format!("cannot run {}: {e}", compiler.display()))?;
        if !status.success() {
            return Err(format!("{} could not build {}", compiler.display(), source.display()));
        }
    }
    Ok(Programs { dir })
}

/// The `/init` script; `bench.runs=N` on the kernel command line (0 in a
/// boot-only run) says how often each row is measured.
fn init_script() -> String {
    let wasm_cpu = crate::wasm::cpu_row_script("/bin/wasmi-run", "/bin/wasm_cpu.wasm", "\"$runs\"");
    format!(
        r#"#!/bin/sh
export PATH=/bin
echo "{FIRST_PROCESS}"
mount -t proc proc /proc
mount -t devtmpfs dev /dev
mount -t tmpfs tmp /tmp
echo exit | PS1='{PROMPT}
' /bin/dash -i
runs=0
for word in $(cat /proc/cmdline); do
  case $word in bench.runs=*) runs=${{word#bench.runs=}} ;; esac
done
if [ "$runs" -gt 0 ]; then
  /bin/posix_bench /tmp /bin/hello "$runs"
  /bin/timeit dash-loop "$runs" /bin/dash -c '{DASH_LOOP}'
  /bin/timeit true-500 "$runs" /bin/dash -c '{TRUE_500}'
  {wasm_cpu}
fi
echo "capos-bench: end"
poweroff -f
"#
    )
}

/// Writes `build/linux-peer/initramfs.cpio`; `wasm` is the static
/// `wasmi-run` and the CPU-bound module (`/bin/wasmi-run`,
/// `/bin/wasm_cpu.wasm`).
fn initramfs(peer: &Path, programs: &Programs, wasm: [&Path; 2]) -> Result<PathBuf, String> {
    let read = |path: &Path| std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()));
    let busybox = read(&peer.join("pkg/busybox-static/bin/busybox"))?;
    let dash = read(&peer.join("pkg/dash/bin/dash"))?;
    // dash is Debian's dynamic build: its loader and C library are the
    // host's (bookworm's glibc), at the paths dash names.
    let loader = read(Path::new("/lib64/ld-linux-x86-64.so.2"))?;
    let libc = read(Path::new("/lib/x86_64-linux-gnu/libc.so.6"))?;
    let init = init_script();
    let mut binaries = Vec::new();
    for name in PROGRAMS {
        binaries.push((format!("bin/{name}"), read(&programs.dir.join(name))?));
    }
    binaries.push(("bin/wasmi-run".into(), read(wasm[0])?));
    binaries.push(("bin/wasm_cpu.wasm".into(), read(wasm[1])?));
    let mut writer = Writer::new(Vec::new());
    let io = |e: std::io::Error| format!("initramfs: {e}");
    for dir in ["bin", "dev", "proc", "tmp", "lib", "lib64", "lib/x86_64-linux-gnu"] {
        writer.add(&Entry::Dir { path: dir }).map_err(io)?;
    }
    writer.add(&Entry::CharDev { path: "dev/console", major: 5, minor: 1 }).map_err(io)?;
    writer.add(&Entry::File { path: "init", mode: 0o755, data: init.as_bytes() }).map_err(io)?;
    writer.add(&Entry::File { path: "bin/busybox", mode: 0o755, data: &busybox }).map_err(io)?;
    for applet in ["sh", "mount", "cat", "poweroff", "sed"] {
        writer.add(&Entry::Symlink { path: &format!("bin/{applet}"), target: "busybox" }).map_err(io)?;
    }
    writer.add(&Entry::File { path: "bin/dash", mode: 0o755, data: &dash }).map_err(io)?;
    writer
        .add(&Entry::File { path: "lib64/ld-linux-x86-64.so.2", mode: 0o755, data: &loader })
        .map_err(io)?;
    writer
        .add(&Entry::File { path: "lib/x86_64-linux-gnu/libc.so.6", mode: 0o755, data: &libc })
        .map_err(io)?;
    for (path, data) in &binaries {
        writer.add(&Entry::File { path, mode: 0o755, data }).map_err(io)?;
    }
    let archive = writer.finish().map_err(io)?;
    let out = peer.join("initramfs.cpio");
    std::fs::write(&out, archive).map_err(|e| format!("{}: {e}", out.display()))?;
    Ok(out)
}

/// One boot of the peer with `runs` runs of every row (0: only the boot
/// markers): its rows, with `boot-first-process` and `boot-prompt` in ms.
fn boot(peer: &Path, initrd: &Path, accel: Accel, log_dir: &Path, runs: usize) -> Result<Samples, String> {
    let boot = Boot::Direct {
        kernel: peer.join("vmlinux"),
        initrd: Some(initrd.to_path_buf()),
        cmdline: format!("console=ttyS0 quiet loglevel=1 panic=-1 bench.runs={runs}"),
    };
    let mut config = QemuConfig::new(boot);
    config.accel = accel;
    config.log_dir = log_dir.to_path_buf();
    let mut session = Session::start("linux-peer", &config).map_err(|e| e.to_string())?;
    let limit = if runs > 0 { FULL_BOOT } else { SHORT_BOOT };
    let regex = |s: &str| Regex::new(s).map_err(|e| e.to_string());
    let fail = |what: &str, session: &Session, e: qemu_runner::Failure| {
        format!("the Linux peer, waiting for {what}: {e}\n{}", session.tail(20).join("\n"))
    };
    let mut samples = Samples::default();
    let first = session
        .expect(&regex(&format!("^{FIRST_PROCESS}$"))?, limit)
        .map_err(|e| fail("its first process", &session, e))?;
    samples.add("boot-first-process", "ms", first.elapsed_since_start.as_secs_f64() * 1e3);
    let prompt = session.expect(&regex(PROMPT)?, limit).map_err(|e| fail("dash's prompt", &session, e))?;
    samples.add("boot-prompt", "ms", prompt.elapsed_since_start.as_secs_f64() * 1e3);
    let row = regex(r"^row: (\S+) ([0-9.]+) (\S+)$|^bench: error: (.*)$|^capos-bench: end$")?;
    loop {
        let found = session.expect(&row, limit).map_err(|e| fail("its rows", &session, e))?;
        if let Some(error) = found.get(4) {
            return Err(format!("the Linux peer's benchmark failed: {error}"));
        }
        let (Some(key), Some(value), Some(unit)) = (found.get(1), found.get(2), found.get(3)) else { break };
        samples.add(key, unit, value.parse().map_err(|e| format!("row {key}: {e}"))?);
    }
    // `poweroff -f`: QEMU exits with status 0, which the runner reads as a
    // reset (capOS powers off through isa-debug-exit instead).
    match session.wait_exit(SHORT_BOOT) {
        Ok(_) => {}
        Err(e) if e.exit() == Some(ExitKind::Reset) => {}
        Err(e) => return Err(fail("its power-off", &session, e)),
    }
    Ok(samples)
}

/// The peer fetched and its initramfs built, ready to boot.
pub struct Peer {
    peer: PathBuf,
    initrd: PathBuf,
    log_dir: PathBuf,
    accel: Accel,
}

impl Peer {
    /// Fetches the peer and builds its programs and initramfs.
    pub fn prepare(root: &Path, build: &Path, accel: Accel) -> Result<Self, String> {
        let status = Command::new(root.join("tools/linux-peer.sh"))
            .status()
            .map_err(|e| format!("cannot run tools/linux-peer.sh: {e}"))?;
        if !status.success() {
            return Err("tools/linux-peer.sh could not fetch the Linux peer".into());
        }
        let peer = build.join("linux-peer");
        let programs = build_programs(root, build, "linux", Path::new("gcc"), &["-static"])?;
        let runner = crate::wasm::static_runner(root, build)?;
        let module = crate::wasm::build_module(root, build, "wasm_cpu")?;
        let initrd = initramfs(&peer, &programs, [&runner, &module])?;
        Ok(Self { peer, initrd, log_dir: build.join("logs"), accel })
    }

    /// One boot with `runs` runs of every row (0: only the boot markers).
    pub fn boot(&self, runs: usize) -> Result<Samples, String> {
        boot(&self.peer, &self.initrd, self.accel, &self.log_dir, runs)
    }
}

/// Fetches and builds the peer, then boots it `boots` times: the first
/// boot measures every row `runs` times, the others only the boot
/// markers, so those get `boots` samples (`capos-bench --linux-only`;
/// `make bench` boots it once per run between capOS's, `main.rs`).
pub fn measure(
    root: &Path,
    build: &Path,
    accel: Accel,
    runs: usize,
    boots: usize,
) -> Result<Samples, String> {
    let peer = Peer::prepare(root, build, accel)?;
    let mut samples = peer.boot(runs)?;
    for _ in 1..boots {
        samples.merge(peer.boot(0)?);
    }
    Ok(samples)
}
