//! capOS's side of the POSIX rows: `bench/programs/*.c` built with
//! `sysroot/bin/capos-cc` and `bench/programs/posix_bench.c` run with
//! `./capos run` (one boot for every row and run), `hello` given as
//! `/bin/hello` for the fork+exec+wait row; then the shell rows (a dash
//! loop, `/bin/true` x500) timed by `timeit` running capOS's dash, and
//! the CPU-bound wasm row (`wasm-host` running `bench/c/wasm_cpu.c`'s
//! module, `wasm::cpu_row_script`), in a second boot. The Linux peer runs the same programs built with `gcc
//! -static` and the same scripts under Debian's dash (`linux.rs`).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::compare::Samples;
use crate::linux::{DASH_LOOP, TRUE_500, build_programs};

/// The programs built with capos-cc and the wasm module, ready to run.
pub struct Posix {
    programs: PathBuf,
    module: PathBuf,
}

impl Posix {
    /// Builds the programs with capos-cc and the wasm module.
    pub fn prepare(root: &Path, build: &Path) -> Result<Self, String> {
        let cc = root.join("sysroot/bin/capos-cc");
        if !cc.exists() {
            return Err("sysroot/bin/capos-cc is missing (make sysroot)".into());
        }
        let programs = build_programs(root, build, "capos", &cc, &[])?.dir;
        let module = crate::wasm::build_module(root, build, "wasm_cpu")?;
        Ok(Self { programs, module })
    }

    /// Runs every row `runs` times (two `./capos run` boots).
    pub fn run(&self, root: &Path, build: &Path, runs: usize) -> Result<Samples, String> {
        let (programs, module) = (&self.programs, &self.module);
        let file = |name: &str| {
            let mut spec =
                if name.ends_with(".wasm") { module.clone() } else { programs.join(name) }.into_os_string();
            spec.push(format!(":/bin/{name}"));
            spec
        };
        let wasm_cpu = crate::wasm::cpu_row_script("wasm-host", "/bin/wasm_cpu.wasm", &runs.to_string());
        let mut samples = Samples::default();
        let runs = runs.to_string();
        let posix_bench = programs.join("posix_bench").into_os_string();
        let rows: [(&str, Vec<std::ffi::OsString>, Vec<std::ffi::OsString>); 2] = [
            (
                "the POSIX benchmark",
                vec![file("hello")],
                vec![posix_bench, "/tmp".into(), "/bin/hello".into(), runs.clone().into()],
            ),
            (
                "the shell rows",
                vec![file("timeit"), file("true"), file("wasm_cpu.wasm")],
                vec![
                    "sh".into(),
                    "-c".into(),
                    format!(
                        "/bin/timeit dash-loop {runs} /bin/dash -c '{DASH_LOOP}' && \
                         /bin/timeit true-500 {runs} /bin/dash -c '{TRUE_500}' && {{ {wasm_cpu}; }} && \
                         echo 'bench: done'"
                    )
                    .into(),
                ],
            ),
        ];
        for (what, files, command) in rows {
            let mut run = Command::new(root.join("capos"));
            run.args(["run", "--timeout", "1800", "--log"]).arg(build.join("logs/bench-posix.log"));
            for spec in files {
                run.arg("--file").arg(spec);
            }
            let output = run
                .arg("--")
                .args(command)
                .current_dir(root)
                .stdin(Stdio::null())
                .output()
                .map_err(|e| format!("cannot start ./capos: {e}"))?;
            let stdout = String::from_utf8_lossy(&output.stdout);
            if !output.status.success()
                || !stdout.lines().any(|l| l == "bench: done")
                || stdout.lines().any(|l| l.starts_with("bench: error:"))
            {
                return Err(format!(
                    "{what} failed on capOS (status {:?}): {stdout}{}",
                    output.status.code(),
                    String::from_utf8_lossy(&output.stderr)
                ));
            }
            samples.parse(&stdout)?;
        }
        Ok(samples)
    }
}
