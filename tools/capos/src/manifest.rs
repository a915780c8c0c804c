//! The boot manifest of a `capos run`: loaded from a built `.bin` (or
//! compiled from a `.cue` system file), with the host files added and the
//! `shell` service told which program to run.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use capos_config::manifest::{self, CapSource, NamedFile, RestartPolicy, SystemManifest};
use capos_config::size;

/// The service that runs the program (`capos-shell --run PROGRAM ARGS…`).
pub const SHELL_SERVICE: &str = "shell";
/// The argument that tells the shell to run one program and exit with its
/// status.
pub const RUN_FLAG: &str = "--run";

/// Where a `.cue` system file finds what it needs.
#[derive(Clone, Debug)]
pub struct CueContext {
    /// `system-schema.cue`.
    pub schema: PathBuf,
    /// The directories of the built binaries: the userspace's and the
    /// ports' (`build/ports/bin`, dash as `sh`).
    pub bin_dirs: Vec<PathBuf>,
}

/// Reads the manifest `path`: a `.cue` system file is compiled with
/// mkmanifest (schema and binaries from `cue`), anything else is decoded
/// as a built manifest.
pub fn load(path: &Path, cue: &CueContext) -> Result<SystemManifest, String> {
    if path.extension().is_some_and(|e| e == "cue") {
        return compile(path, cue);
    }
    let bytes =
        std::fs::read(path).map_err(|e| format!("cannot read the manifest `{}`: {e}", path.display()))?;
    manifest::decode(&bytes).map_err(|e| format!("`{}` is not a boot manifest: {e}", path.display()))
}

fn compile(path: &Path, cue: &CueContext) -> Result<SystemManifest, String> {
    if !path.is_file() {
        return Err(format!("the system file `{}` does not exist", path.display()));
    }
    let files = [cue.schema.clone(), path.to_path_buf()];
    let located = |e: mkmanifest::Error, sources: &[mkmanifest::Source]| e.located(sources).to_string();
    let sources: Vec<mkmanifest::Source> = files
        .iter()
        .filter_map(|f| {
            Some(mkmanifest::Source { name: f.display().to_string(), text: std::fs::read_to_string(f).ok()? })
        })
        .collect();
    let json = mkmanifest::CueExporter::default().export(&files).map_err(|e| located(e, &sources))?;
    let config = mkmanifest::SystemConfig::from_json(&json).map_err(|e| located(e, &sources))?;
    let bins = mkmanifest::BinarySources { dirs: cue.bin_dirs.clone(), explicit: Vec::new() };
    let root = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    mkmanifest::build_manifest(&config, &bins, root)
        .map_err(|e| format!("{} (compiling `{}`)", located(e, &sources), path.display()))
}

/// Adds `files` to `m`, each replacing a file of the same path.
pub fn add_files(m: &mut SystemManifest, files: Vec<NamedFile>) {
    for file in files {
        m.files.retain(|f| f.path != file.path);
        m.files.push(file);
    }
}

/// Makes `m` run `program` (`[PROGRAM, ARGS…]`): the `shell` service gets
/// `--run PROGRAM ARGS…`, never restarts, and is the one whose exit status
/// init (and so the machine) reports. Unless `keep_all`, the services the
/// shell does not need (its `dependsOn` and the services its caps come
/// from, transitively) are dropped, so the machine powers off as soon as
/// the program is done.
pub fn set_program(m: &mut SystemManifest, program: &[String], keep_all: bool) -> Result<(), String> {
    let Some(shell) = m.services.iter_mut().find(|s| s.name == SHELL_SERVICE) else {
        let names: Vec<&str> = m.services.iter().map(|s| s.name.as_str()).collect();
        return Err(format!(
            "the manifest has no service named `{SHELL_SERVICE}` (capos run starts the program through it, \
             as `capos-shell {RUN_FLAG} PROGRAM ARGS…`); its services: {}",
            if names.is_empty() { "none".to_string() } else { names.join(", ") }
        ));
    };
    shell.args = std::iter::once(RUN_FLAG.to_string()).chain(program.iter().cloned()).collect();
    shell.restart = RestartPolicy::Never;
    m.status_from = SHELL_SERVICE.to_string();
    if !keep_all {
        let needed = closure(m, SHELL_SERVICE);
        m.services.retain(|s| needed.contains(&s.name));
    }
    Ok(())
}

/// Adds (or replaces) boot binary `name` with the ELF image `data`.
pub fn add_binary(m: &mut SystemManifest, name: &str, data: Vec<u8>) {
    m.binaries.retain(|b| b.name != name);
    m.binaries.push(manifest::NamedBinary { name: name.to_string(), data });
}

/// Adds `KEY=VALUE` words to the shell's environment (it passes its
/// environment to the programs it runs); a key given again replaces the
/// old value.
pub fn add_env(m: &mut SystemManifest, vars: &[String]) {
    let Some(shell) = m.services.iter_mut().find(|s| s.name == SHELL_SERVICE) else { return };
    for var in vars {
        let key = var.split_once('=').map_or(var.as_str(), |(k, _)| k);
        shell.env.retain(|e| e.split_once('=').map_or(e.as_str(), |(k, _)| k) != key);
        shell.env.push(var.clone());
    }
}

/// `start` and every service it depends on or takes caps from, transitively.
fn closure(m: &SystemManifest, start: &str) -> BTreeSet<String> {
    let mut needed = BTreeSet::new();
    let mut todo = vec![start.to_string()];
    while let Some(name) = todo.pop() {
        if !needed.insert(name.clone()) {
            continue;
        }
        let Some(service) = m.service(&name) else { continue };
        todo.extend(service.depends_on.iter().cloned());
        todo.extend(service.caps.iter().filter_map(|c| match &c.source {
            CapSource::Service { service, .. } => Some(service.clone()),
            CapSource::Kernel(_) => None,
        }));
    }
    needed
}

/// The binary of the file service: services running it serve the boot
/// files, so they must have room for the files a run carries in.
pub const FS_BINARY: &str = "fs";
/// The file service's byte quota when its arguments name none (`apps/fs`).
const FS_DEFAULT_QUOTA: u64 = 16 << 20;
/// The file service's option that sets its byte quota.
const FS_QUOTA_OPTION: &str = "--quota-bytes";
/// Memory a file service needs besides the file data (code, heap, tree).
const FS_MEMORY_HEADROOM: u64 = 32 << 20;
/// A process's memory limit when its service names none (the kernel's).
const DEFAULT_MEMORY_LIMIT: u64 = 64 << 20;
/// Guest memory the kernel and init need besides the manifest and the
/// services' memory limits, on top of room for the kernel heap (1/16 of
/// the guest's memory): the kernel image and tables, and init itself.
const BASE_GUEST_MEMORY: u64 = 24 << 20;
/// The lowest memory limit [`fit_shell`] gives the shell.
const SHELL_MEMORY_FLOOR: u64 = 64 << 20;

/// Makes room for `added` bytes of carried-in files in every file service
/// of `m`: its byte quota grows by `added` and its memory limit to at least
/// the quota plus [`FS_MEMORY_HEADROOM`].
pub fn make_room(m: &mut SystemManifest, added: u64) -> Result<(), String> {
    if added == 0 {
        return Ok(());
    }
    for s in m.services.iter_mut().filter(|s| s.binary == FS_BINARY) {
        let quota = match s.args.iter().position(|a| a == FS_QUOTA_OPTION) {
            Some(i) => {
                let value = s.args.get(i + 1).map(String::as_str).unwrap_or_default();
                let old = size::parse_size(value).ok_or_else(|| {
                    format!("service {}: cannot read its {FS_QUOTA_OPTION} {value:?}", s.name)
                })?;
                let quota = old.saturating_add(added);
                s.args[i + 1] = quota.to_string();
                quota
            }
            None => {
                let quota = FS_DEFAULT_QUOTA.saturating_add(added);
                s.args.extend([FS_QUOTA_OPTION.to_string(), quota.to_string()]);
                quota
            }
        };
        let current = if s.memory_limit == 0 { DEFAULT_MEMORY_LIMIT } else { s.memory_limit };
        s.memory_limit = current.max(quota.saturating_add(FS_MEMORY_HEADROOM).next_multiple_of(4096));
    }
    Ok(())
}

/// Roughly how much guest memory (of `memory` bytes) a run of `m`
/// (encoded in `manifest_len` bytes) needs: the manifest, which stays in
/// memory, the kernel heap, a base for the kernel and init, and every
/// service's memory limit (the kernel carves each out of init's, which is
/// the memory free at boot: they must all fit).
pub fn guest_memory_needed(m: &SystemManifest, manifest_len: usize, memory: u64) -> u64 {
    let limits: u64 = m.services.iter().map(limit_of).sum();
    (manifest_len as u64).saturating_add(limits).saturating_add(kernel_reserve(memory))
}

fn limit_of(s: &manifest::Service) -> u64 {
    if s.memory_limit == 0 { DEFAULT_MEMORY_LIMIT } else { s.memory_limit }
}

/// Room for the kernel heap (1/16 of the guest's memory, 1 to 64 MiB: it
/// starts at 1/32 and grows on demand) and the base.
fn kernel_reserve(memory: u64) -> u64 {
    (memory / 16).clamp(1 << 20, 64 << 20).saturating_add(BASE_GUEST_MEMORY)
}

/// The kernel heap's limit for `memory` bytes of guest memory (the
/// kernel's `mem::heap::limit`: a quarter, 4 MiB to 1 GiB), which backs
/// every kernel-memory quota together.
fn kernel_heap_limit(memory: u64) -> u64 {
    (memory / 4).clamp(4 << 20, 1 << 30)
}

/// Lowers the shell's memory limit (not below 64 MiB) so that every
/// service fits in `memory` bytes of guest memory with a manifest of
/// `manifest_len` bytes (the file service's grows with the files carried
/// in, and the programs the shell runs get their memory out of the
/// shell's), and its kernel-memory quota to at most a quarter of the
/// kernel heap's limit (init's quota is that limit less a reserve; a
/// larger `kernelMemoryLimit` would keep the shell from starting in a
/// small guest). Returns whether it changed anything.
pub fn fit_shell(m: &mut SystemManifest, manifest_len: usize, memory: u64) -> bool {
    let needed = guest_memory_needed(m, manifest_len, memory);
    let Some(shell) = m.services.iter_mut().find(|s| s.name == SHELL_SERVICE) else { return false };
    let kernel_share = kernel_heap_limit(memory) / 4;
    let kernel_fitted = shell.kernel_memory_limit > kernel_share;
    if kernel_fitted {
        shell.kernel_memory_limit = kernel_share;
    }
    let current = limit_of(shell);
    if needed <= memory || current <= SHELL_MEMORY_FLOOR {
        return kernel_fitted;
    }
    let fitted = current.saturating_sub(needed - memory).max(SHELL_MEMORY_FLOOR) & !((1 << 20) - 1);
    shell.memory_limit = fitted;
    true
}

/// Validates and encodes `m`.
pub fn finish(m: &SystemManifest) -> Result<Vec<u8>, String> {
    m.validate()
        .map_err(|e| format!("the manifest is not valid after adding the files and the program: {e}"))?;
    manifest::encode(m).map_err(|e| match e.kind {
        manifest::ManifestErrorKind::TooLarge { size } => format!(
            "the files carried in make the boot manifest {} MiB, over its limit of {} MiB",
            size.div_ceil(1 << 20),
            manifest::MAX_MANIFEST_SIZE >> 20
        ),
        _ => format!("cannot encode the manifest: {e}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use capos_config::manifest::{CapDecl, KernelCap, NamedBinary, Service};

    fn service(name: &str, binary: &str) -> Service {
        Service {
            name: name.into(),
            binary: binary.into(),
            caps: vec![CapDecl::kernel("console", KernelCap::Console)],
            ..Service::default()
        }
    }

    fn sample() -> SystemManifest {
        let elf = b"\x7fELF\x02".to_vec();
        let mut shell = service("shell", "capos-shell");
        shell.restart = RestartPolicy::OnFailure;
        shell.args = vec!["--login".into()];
        shell.depends_on = vec!["fs".into()];
        shell.caps.push(CapDecl {
            name: "root".into(),
            source: CapSource::Service { service: "files".into(), export: "root".into() },
        });
        let mut files = service("files", "capos-fs");
        files.exports = vec![manifest::Export { name: "root".into(), interface_id: 0x1234 }];
        let mut fs = service("fs", "capos-fs");
        fs.depends_on = vec!["disk".into()];
        SystemManifest {
            binaries: ["capos-shell", "capos-fs", "hello"]
                .iter()
                .map(|n| NamedBinary { name: (*n).into(), data: elf.clone() })
                .collect(),
            files: vec![NamedFile {
                path: "/etc/motd".into(),
                data: b"old".to_vec(),
                ..NamedFile::default()
            }],
            services: vec![shell, files, fs, service("disk", "hello"), service("hello", "hello")],
            status_from: String::new(),
        }
    }

    #[test]
    fn fit_shell_lowers_the_shell_to_fit() {
        let mut m = sample();
        m.services.iter_mut().find(|s| s.name == "shell").unwrap().memory_limit = 320 << 20;
        let memory = 512 << 20;
        // 1 MiB manifest, shell 320, files, fs, disk, hello at 64 each, 56 reserve: 633 MiB.
        assert!(fit_shell(&mut m, 1 << 20, memory));
        assert_eq!(m.service("shell").unwrap().memory_limit, 199 << 20);
        assert!(guest_memory_needed(&m, 1 << 20, memory) <= memory);
        assert!(!fit_shell(&mut m, 1 << 20, memory), "it fits now");
        m.services.iter_mut().find(|s| s.name == "shell").unwrap().memory_limit = 320 << 20;
        assert!(fit_shell(&mut m, 400 << 20, memory));
        assert_eq!(m.service("shell").unwrap().memory_limit, SHELL_MEMORY_FLOOR, "never below the floor");
    }

    #[test]
    fn fit_shell_lowers_the_shells_kernel_memory_to_a_quarter_of_the_heap_limit() {
        let mut m = sample();
        m.services.iter_mut().find(|s| s.name == "shell").unwrap().kernel_memory_limit = 32 << 20;
        assert!(!fit_shell(&mut m, 1000, 512 << 20), "32 MiB fits a 128 MiB heap limit");
        assert!(fit_shell(&mut m, 1000, 128 << 20));
        assert_eq!(m.service("shell").unwrap().kernel_memory_limit, 8 << 20);
        m.services.iter_mut().find(|s| s.name == "shell").unwrap().kernel_memory_limit = 0;
        assert!(!fit_shell(&mut m, 1000, 128 << 20), "the default stays");
    }

    fn names(m: &SystemManifest) -> Vec<&str> {
        m.services.iter().map(|s| s.name.as_str()).collect()
    }

    #[test]
    fn patched_manifest_round_trips() {
        let mut m = sample();
        m.validate().unwrap();
        add_files(
            &mut m,
            vec![
                NamedFile {
                    path: "/etc/motd".into(),
                    data: b"new".to_vec(),
                    writable: true,
                    ..NamedFile::default()
                },
                NamedFile { path: "/t/prog".into(), data: vec![0, 1, 2, 0x04], ..NamedFile::default() },
            ],
        );
        let program = ["cat".to_string(), "/t/prog".to_string(), "--".to_string()];
        set_program(&mut m, &program, false).unwrap();
        let bytes = finish(&m).unwrap();
        let back = manifest::decode_validated(&bytes).unwrap();
        assert_eq!(back, m);
        let shell = back.service("shell").unwrap();
        assert_eq!(shell.args, ["--run", "cat", "/t/prog", "--"]);
        assert_eq!(shell.restart, RestartPolicy::Never);
        assert_eq!(back.status_from, "shell");
        // The shell's dependencies and cap sources stay (transitively); the
        // unrelated service goes; every binary stays.
        assert_eq!(names(&back), ["shell", "files", "fs", "disk"]);
        assert_eq!(back.binaries.len(), 3);
        let motd: Vec<_> = back.files.iter().filter(|f| f.path == "/etc/motd").collect();
        assert_eq!(motd.len(), 1);
        assert_eq!((motd[0].data.as_slice(), motd[0].writable), (&b"new"[..], true));
        assert_eq!(back.files.iter().find(|f| f.path == "/t/prog").unwrap().data, [0, 1, 2, 4]);
    }

    #[test]
    fn file_services_make_room_for_the_files_carried_in() {
        let mut m = sample();
        let mut quoted = service("fs2", FS_BINARY);
        quoted.args = vec!["--quota-bytes".into(), "24M".into(), "--writable".into(), "/tmp".into()];
        let mut bare = service("fs3", FS_BINARY);
        bare.memory_limit = 1 << 30;
        m.services.extend([quoted, bare]);
        m.binaries.push(NamedBinary { name: FS_BINARY.into(), data: b"\x7fELF\x02".to_vec() });
        let before = m.clone();
        make_room(&mut m, 0).unwrap();
        assert_eq!(m, before, "nothing carried in, nothing changes");

        make_room(&mut m, 100 << 20).unwrap();
        let fs2 = m.service("fs2").unwrap();
        assert_eq!(fs2.args, ["--quota-bytes", &((124u64 << 20).to_string()), "--writable", "/tmp"]);
        assert_eq!(fs2.memory_limit, (124 << 20) + FS_MEMORY_HEADROOM);
        let fs3 = m.service("fs3").unwrap();
        assert_eq!(fs3.args, ["--quota-bytes", &((116u64 << 20).to_string())]);
        assert_eq!(fs3.memory_limit, 1 << 30, "a larger limit stays");
        assert_eq!(
            m.service("files").unwrap(),
            before.service("files").unwrap(),
            "not the file service's binary"
        );
        m.validate().unwrap();
        // fs2, fs3, and five services at the default limit.
        let services = (124 << 20) + FS_MEMORY_HEADROOM + (1 << 30) + 5 * DEFAULT_MEMORY_LIMIT;
        assert_eq!(
            guest_memory_needed(&m, 1000, 512 << 20),
            1000 + services + (32 << 20) + BASE_GUEST_MEMORY
        );

        let mut bad = service("fs4", FS_BINARY);
        bad.args = vec!["--quota-bytes".into(), "lots".into()];
        m.services.push(bad);
        assert!(make_room(&mut m, 1).unwrap_err().contains("fs4"));
    }

    #[test]
    fn keep_all_keeps_every_service() {
        let mut m = sample();
        set_program(&mut m, &["probe".to_string()], true).unwrap();
        assert_eq!(names(&m), ["shell", "files", "fs", "disk", "hello"]);
    }

    #[test]
    fn a_manifest_without_a_shell_is_refused() {
        let mut m = sample();
        m.services.retain(|s| s.name != "shell");
        let error = set_program(&mut m, &["x".to_string()], false).unwrap_err();
        assert!(
            error.contains("no service named `shell`") && error.contains("files, fs, disk, hello"),
            "{error}"
        );
    }

    #[test]
    fn invalid_results_are_refused() {
        let mut m = sample();
        set_program(&mut m, &["bad\0arg".to_string()], false).unwrap();
        assert!(finish(&m).unwrap_err().contains("not valid"));
        let mut m = sample();
        add_files(
            &mut m,
            vec![NamedFile {
                path: "/x".into(),
                data: vec![0; manifest::MAX_MANIFEST_SIZE + 1],
                ..NamedFile::default()
            }],
        );
        let error = finish(&m).unwrap_err();
        assert!(error.contains("over its limit of 128 MiB"), "{error}");
    }

    #[test]
    fn compiles_cue_system_files() {
        // Real CUE (Node.js and tools/cue, like mkmanifest's own tests).
        let tmp = tempfile::tempdir().unwrap();
        let bins = tmp.path().join("bin");
        std::fs::create_dir(&bins).unwrap();
        std::fs::write(bins.join("capos-shell"), b"\x7fELF\x02 shell").unwrap();
        let system = tmp.path().join("system-x.cue");
        std::fs::write(
            &system,
            "package capos\n\nservices: shell: {\n\tbinary: \"capos-shell\"\n\tcaps: console: source: \"console\"\n}\n\
             files: \"/etc/x\": content: \"x\\n\"\n",
        )
        .unwrap();
        let cue =
            CueContext { schema: qemu_runner::repo_root().join("system-schema.cue"), bin_dirs: vec![bins] };
        let m = load(&system, &cue).unwrap();
        assert_eq!(m.service("shell").unwrap().binary, "capos-shell");
        assert_eq!(m.binary("capos-shell").unwrap().data, b"\x7fELF\x02 shell");
        assert_eq!(m.files[0].data, b"x\n");
        std::fs::write(&system, "package capos\n\nservices: shell: {binary: \"nope\"}\n").unwrap();
        let error = load(&system, &cue).unwrap_err();
        assert!(error.contains("\"nope\" not found"), "{error}");
    }

    #[test]
    fn loads_built_manifests_and_reports_bad_ones() {
        let tmp = tempfile::tempdir().unwrap();
        let good = tmp.path().join("m.bin");
        std::fs::write(&good, manifest::encode(&sample()).unwrap()).unwrap();
        let cue = CueContext { schema: "unused".into(), bin_dirs: vec!["unused".into()] };
        assert_eq!(load(&good, &cue).unwrap(), sample());
        let bad = tmp.path().join("bad.bin");
        std::fs::write(&bad, b"not a manifest").unwrap();
        assert!(load(&bad, &cue).unwrap_err().contains("is not a boot manifest"));
        assert!(load(&tmp.path().join("none.bin"), &cue).unwrap_err().contains("cannot read the manifest"));
        assert!(load(&tmp.path().join("none.cue"), &cue).unwrap_err().contains("does not exist"));
    }
}
