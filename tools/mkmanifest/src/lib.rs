//! `mkmanifest`: evaluates a capOS system description (`system.cue` with
//! `system-schema.cue`) with real CUE and writes the boot manifest, a Cap'n
//! Proto `SystemManifest` (`schema/capos.capnp`) that embeds the binaries
//! and files it names.
//!
//! The steps, each a public function so tests can run them alone:
//!
//! 1. [`CueExporter::export`]: `node tools/cue/cue-export.js FILE...` turns
//!    the CUE files into JSON; CUE's own errors (with file:line) come back
//!    as they are.
//! 2. [`SystemConfig::from_json`]: JSON onto the manifest model, every type
//!    checked and unknown fields rejected.
//! 3. [`build_manifest`]: validates the result
//!    ([`capos_config::manifest::SystemManifest::validate`]), then embeds
//!    the files and the binaries (found in `--bin-dir`s or given with
//!    `--bin NAME=PATH`; each must be an ELF64 file).
//! 4. [`capos_config::manifest::encode`] and an atomic write.
//!
//! Errors from steps 2 and 3 name the field path and, through [`locate()`],
//! the line of the `.cue` file that wrote it:
//! `system.cue:12: services.hello.caps.clock.source: unknown kernel cap "clok" (known: …)`.

pub mod config;
pub mod locate;

use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;

use capos_config::manifest::{NamedBinary, NamedFile, SystemManifest, path_key};

pub use config::{FileContent, FileSpec, SystemConfig};
pub use locate::{Location, Source, locate};

/// A failure, with the field path it concerns and, once located, the
/// source line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// The field path (`services.hello.binary`); empty when the error
    /// concerns no single field.
    pub path: String,
    /// What is wrong.
    pub message: String,
    /// Where the field is written, when known.
    pub location: Option<Location>,
}

impl Error {
    /// An error about the field at `path`.
    pub fn at(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self { path: path.into(), message: message.into(), location: None }
    }

    /// Fills in [`Self::location`] from the sources (see [`locate()`]).
    pub fn located(mut self, sources: &[Source]) -> Self {
        if self.location.is_none() && !self.path.is_empty() {
            self.location = locate(sources, &self.path);
        }
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(loc) = &self.location {
            write!(f, "{loc}: ")?;
        }
        if !self.path.is_empty() {
            write!(f, "{}: ", self.path)?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// How to run CUE: Node.js and the exporter script of `tools/cue`.
#[derive(Debug, Clone)]
pub struct CueExporter {
    /// The `node` executable.
    pub node: OsString,
    /// `tools/cue/cue-export.js`.
    pub script: PathBuf,
}

impl Default for CueExporter {
    fn default() -> Self {
        Self { node: "node".into(), script: Self::default_script() }
    }
}

impl CueExporter {
    /// `tools/cue/cue-export.js` of the source tree mkmanifest was built
    /// from.
    pub fn default_script() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../cue/cue-export.js")
    }

    /// Evaluates `files` together (`cue export`) and returns the JSON. On
    /// failure the error message is CUE's own report.
    pub fn export(&self, files: &[PathBuf]) -> Result<String, Error> {
        let output = Command::new(&self.node).arg(&self.script).args(files).output().map_err(|e| {
            Error::at(
                "",
                format!(
                    "cannot run {:?} (Node.js runs CUE; Debian package nodejs): {e}",
                    self.node.to_string_lossy()
                ),
            )
        })?;
        if output.status.success() {
            String::from_utf8(output.stdout).map_err(|_| Error::at("", "CUE's output is not UTF-8"))
        } else {
            let stderr = String::from_utf8_lossy(&output.stderr);
            Err(Error::at("", format!("CUE rejected the configuration:\n{}", stderr.trim_end())))
        }
    }
}

/// Where binaries come from: explicit `NAME=PATH` pairs first, then the
/// directories in order (`DIR/NAME`).
#[derive(Debug, Clone, Default)]
pub struct BinarySources {
    /// Directories searched for `DIR/NAME`.
    pub dirs: Vec<PathBuf>,
    /// Explicit `(NAME, PATH)` pairs.
    pub explicit: Vec<(String, PathBuf)>,
}

impl BinarySources {
    /// The file for binary `name`, or every path that was tried.
    pub fn resolve(&self, name: &str) -> Result<PathBuf, Vec<PathBuf>> {
        if let Some((_, path)) = self.explicit.iter().find(|(n, _)| n == name) {
            return Ok(path.clone());
        }
        let tried: Vec<PathBuf> = self.dirs.iter().map(|d| d.join(name)).collect();
        tried.iter().find(|p| p.is_file()).cloned().ok_or(tried)
    }
}

/// The ELF64 magic: `\x7fELF` and class 2.
fn is_elf64(data: &[u8]) -> bool {
    data.len() >= 5 && data[..4] == *b"\x7fELF" && data[4] == 2
}

/// Builds and validates the manifest of `config`: validation first (with
/// empty placeholders for contents), then the files (`source` relative to
/// `file_root`) and binaries are read in.
pub fn build_manifest(
    config: &SystemConfig,
    bins: &BinarySources,
    file_root: &Path,
) -> Result<SystemManifest, Error> {
    let names = config.binary_names();
    if let Some((name, _)) = bins.explicit.iter().find(|(n, _)| !names.iter().any(|(m, _)| m == n)) {
        return Err(Error::at(
            "",
            format!("--bin {name}=…: no service or binaries entry uses a binary {name:?}"),
        ));
    }
    let mut manifest = SystemManifest {
        binaries: names
            .iter()
            .map(|(name, _)| NamedBinary { name: name.clone(), data: Vec::new() })
            .collect(),
        files: config
            .files
            .iter()
            .map(|f| NamedFile {
                path: f.path.clone(),
                data: Vec::new(),
                writable: f.writable,
                symlink: match &f.content {
                    FileContent::Symlink(target) => target.clone(),
                    _ => String::new(),
                },
            })
            .collect(),
        services: config.services.clone(),
        status_from: config.status_from.clone(),
    };
    manifest.validate().map_err(|e| Error::at(e.path, e.kind.to_string()))?;

    for (spec, file) in config.files.iter().zip(&mut manifest.files) {
        file.data = match &spec.content {
            FileContent::Inline(text) => text.as_bytes().to_vec(),
            FileContent::Source(source) => {
                let host = file_root.join(source);
                std::fs::read(&host).map_err(|e| {
                    let at = format!("files{}.source", path_key(&spec.path));
                    Error::at(at, format!("cannot read {}: {e}", host.display()))
                })?
            }
            FileContent::Symlink(_) => Vec::new(),
            FileContent::Binary(name) => {
                let at = format!("files{}.binary", path_key(&spec.path));
                let host = bins
                    .resolve(name)
                    .map_err(|_| Error::at(&at, format!("binary {name:?} not found (--bin-dir, --bin)")))?;
                std::fs::read(&host)
                    .map_err(|e| Error::at(at, format!("cannot read {}: {e}", host.display())))?
            }
        };
    }
    for ((name, used_at), binary) in names.iter().zip(&mut manifest.binaries) {
        let path = bins.resolve(name).map_err(|tried| {
            let tried: Vec<String> = tried.iter().map(|p| p.display().to_string()).collect();
            let looked = if tried.is_empty() {
                "no --bin-dir or --bin given".to_string()
            } else {
                format!("looked for {}", tried.join(", "))
            };
            Error::at(used_at, format!("binary {name:?} not found ({looked})"))
        })?;
        binary.data = std::fs::read(&path).map_err(|e| {
            Error::at(used_at, format!("cannot read binary {name:?} at {}: {e}", path.display()))
        })?;
        if !is_elf64(&binary.data) {
            return Err(Error::at(
                used_at,
                format!("binary {name:?} at {} is not an ELF64 file", path.display()),
            ));
        }
    }
    Ok(manifest)
}

/// The host files [`build_manifest`] reads for `config`: the files'
/// `source`s and the binaries (those that resolve).
pub fn input_files(config: &SystemConfig, bins: &BinarySources, file_root: &Path) -> Vec<PathBuf> {
    let sources = config.files.iter().filter_map(|f| match &f.content {
        FileContent::Source(source) => Some(file_root.join(source)),
        FileContent::Binary(name) => bins.resolve(name).ok(),
        FileContent::Inline(_) | FileContent::Symlink(_) => None,
    });
    let binaries = config.binary_names().into_iter().filter_map(|(name, _)| bins.resolve(&name).ok());
    sources.chain(binaries).collect()
}

/// A make rule saying that `out` depends on `inputs` (a `.d` file, as
/// `gcc -MD` writes), with spaces and `#` escaped.
pub fn depfile_rule(out: &Path, inputs: &[PathBuf]) -> String {
    let escape = |p: &Path| p.display().to_string().replace('#', "\\#").replace(' ', "\\ ");
    let mut rule = format!("{}:", escape(out));
    for input in inputs {
        rule.push_str(" \\\n  ");
        rule.push_str(&escape(input));
    }
    rule.push('\n');
    // An empty rule per input, so a removed input is rebuilt, not an error.
    for input in inputs {
        rule.push_str(&format!("{}:\n", escape(input)));
    }
    rule
}

/// Writes `bytes` to `out` through a temporary file in the same directory,
/// so a failed run never leaves a partial manifest behind.
pub fn write_atomically(out: &Path, bytes: &[u8]) -> Result<(), Error> {
    let fail = |e: std::io::Error| Error::at("", format!("cannot write {}: {e}", out.display()));
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(fail)?;
    }
    let mut tmp = out.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, bytes).map_err(fail)?;
    std::fs::rename(&tmp, out).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        fail(e)
    })
}

/// Where the configuration comes from.
#[derive(Debug, Clone)]
pub enum Input {
    /// CUE files, evaluated together.
    Cue(Vec<PathBuf>),
    /// JSON already exported by CUE.
    Json(PathBuf),
}

/// Everything one run needs (the command line, parsed).
#[derive(Debug, Clone)]
pub struct Options {
    /// The configuration.
    pub input: Input,
    /// Where binaries come from.
    pub bins: BinarySources,
    /// Base of files' `source` paths; default: the directory of the last
    /// CUE (or JSON) file.
    pub file_root: Option<PathBuf>,
    /// The manifest to write.
    pub out: PathBuf,
    /// How to run CUE.
    pub cue: CueExporter,
    /// Where to write a make rule listing every input file (`--depfile`).
    pub depfile: Option<PathBuf>,
}

/// What [`run`] produced.
#[derive(Debug)]
pub struct Summary {
    /// The manifest written.
    pub manifest: SystemManifest,
    /// Its serialized size in bytes.
    pub size: usize,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = &self.manifest;
        let order: Vec<&str> = m.start_order().unwrap_or_default().iter().map(|s| s.name.as_str()).collect();
        write!(
            f,
            "{} services (start order: {}), {} binaries, {} files, {} bytes",
            m.services.len(),
            order.join(", "),
            m.binaries.len(),
            m.files.len(),
            self.size
        )
    }
}

/// Runs mkmanifest: export, map, build, validate, encode, write.
pub fn run(options: &Options) -> Result<Summary, Error> {
    let (json, sources, last, mut inputs) = match &options.input {
        Input::Cue(files) => {
            let json = options.cue.export(files)?;
            let sources: Vec<Source> = files
                .iter()
                .filter_map(|f| {
                    let text = std::fs::read_to_string(f).ok()?;
                    Some(Source { name: f.display().to_string(), text })
                })
                .collect();
            (json, sources, files.last().cloned(), files.clone())
        }
        Input::Json(file) => {
            let json = std::fs::read_to_string(file)
                .map_err(|e| Error::at("", format!("cannot read {}: {e}", file.display())))?;
            (json, Vec::new(), Some(file.clone()), vec![file.clone()])
        }
    };
    let config = SystemConfig::from_json(&json).map_err(|e| e.located(&sources))?;
    let file_root = options.file_root.clone().unwrap_or_else(|| {
        last.and_then(|l| l.parent().map(Path::to_path_buf)).unwrap_or_else(|| PathBuf::from("."))
    });
    let manifest = build_manifest(&config, &options.bins, &file_root).map_err(|e| e.located(&sources))?;
    let bytes =
        capos_config::manifest::encode(&manifest).map_err(|e| Error::at(e.path, e.kind.to_string()))?;
    write_atomically(&options.out, &bytes)?;
    if let Some(depfile) = &options.depfile {
        inputs.extend(input_files(&config, &options.bins, &file_root));
        write_atomically(depfile, depfile_rule(&options.out, &inputs).as_bytes())?;
    }
    Ok(Summary { manifest, size: bytes.len() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use capos_config::manifest::{CapSource, KernelCap, decode_validated};

    const ELF: &[u8] = b"\x7fELF\x02\x01\x01\0dummy";

    fn config(json: &str) -> SystemConfig {
        SystemConfig::from_json(json).unwrap()
    }

    fn bin_dir(names: &[&str]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for n in names {
            std::fs::write(dir.path().join(n), ELF).unwrap();
        }
        dir
    }

    fn build(json: &str, dir: &tempfile::TempDir) -> Result<SystemManifest, Error> {
        let bins = BinarySources { dirs: vec![dir.path().to_path_buf()], explicit: Vec::new() };
        build_manifest(&config(json), &bins, dir.path())
    }

    #[test]
    fn builds_and_embeds_everything() {
        let dir = bin_dir(&["hello", "clockd", "extra"]);
        std::fs::write(dir.path().join("motd.txt"), b"from a file").unwrap();
        let m = build(
            r#"{"services": {
                    "hello": {"caps": {"console": {"source": "console"}}},
                    "clock": {"binary": "clockd", "dependsOn": ["hello"]}},
                "binaries": ["extra"],
                "files": {"/etc/motd": {"source": "motd.txt"}, "/etc/inline": {"content": "x", "writable": true}}}"#,
            &dir,
        )
        .unwrap();
        assert_eq!(
            m.binaries.iter().map(|b| b.name.as_str()).collect::<Vec<_>>(),
            ["hello", "clockd", "extra"]
        );
        assert!(m.binaries.iter().all(|b| b.data == ELF));
        assert_eq!(m.files[0].data, b"from a file");
        assert_eq!((m.files[1].data.as_slice(), m.files[1].writable), (&b"x"[..], true));
        assert_eq!(m.services[0].caps[0].source, CapSource::Kernel(KernelCap::Console));
        let bytes = capos_config::manifest::encode(&m).unwrap();
        assert_eq!(decode_validated(&bytes).unwrap(), m);
    }

    #[test]
    fn a_file_may_be_a_binary() {
        let dir = bin_dir(&["hello", "sh"]);
        let m = build(
            r#"{"services": {"hello": {}}, "binaries": ["sh"], "files": {"/bin/sh": {"binary": "sh"}}}"#,
            &dir,
        )
        .unwrap();
        assert_eq!((m.files[0].path.as_str(), m.files[0].data.as_slice()), ("/bin/sh", ELF));
        let bins = BinarySources { dirs: vec![dir.path().to_path_buf()], explicit: Vec::new() };
        let json = r#"{"services": {"hello": {}}, "files": {"/bin/sh": {"binary": "sh"}}}"#;
        assert!(input_files(&config(json), &bins, dir.path()).contains(&dir.path().join("sh")));
        let e = build(r#"{"services": {"hello": {}}, "files": {"/bin/x": {"binary": "nope"}}}"#, &dir)
            .unwrap_err();
        assert_eq!(e.to_string(), "files.\"/bin/x\".binary: binary \"nope\" not found (--bin-dir, --bin)");
    }

    #[test]
    fn explicit_binaries_win_over_directories() {
        let dir = bin_dir(&["hello"]);
        let other = tempfile::tempdir().unwrap();
        let special = other.path().join("hello-debug.elf");
        std::fs::write(&special, b"\x7fELF\x02special").unwrap();
        let bins = BinarySources { dirs: vec![dir.path().into()], explicit: vec![("hello".into(), special)] };
        let m = build_manifest(&config(r#"{"services": {"hello": {}}}"#), &bins, dir.path()).unwrap();
        assert_eq!(m.binaries[0].data, b"\x7fELF\x02special");

        let bins =
            BinarySources { dirs: vec![dir.path().into()], explicit: vec![("helo".into(), "x".into())] };
        let e = build_manifest(&config(r#"{"services": {"hello": {}}}"#), &bins, dir.path()).unwrap_err();
        assert_eq!(e.to_string(), "--bin helo=…: no service or binaries entry uses a binary \"helo\"");
    }

    #[test]
    fn missing_and_bad_binaries() {
        let dir = bin_dir(&["hello"]);
        let e = build(r#"{"services": {"hello": {}, "clock": {}}}"#, &dir).unwrap_err();
        assert_eq!(e.path, "services.clock.binary");
        assert_eq!(
            e.message,
            format!("binary \"clock\" not found (looked for {})", dir.path().join("clock").display())
        );
        let e =
            build_manifest(&config(r#"{"services": {"hello": {}}}"#), &BinarySources::default(), dir.path())
                .unwrap_err();
        assert_eq!(
            e.to_string(),
            "services.hello.binary: binary \"hello\" not found (no --bin-dir or --bin given)"
        );

        std::fs::write(dir.path().join("script"), b"#!/bin/sh\n").unwrap();
        let e = build(r#"{"services": {"hello": {}}, "binaries": ["script"]}"#, &dir).unwrap_err();
        assert_eq!(e.path, "binaries[0]");
        assert!(e.message.ends_with("is not an ELF64 file"), "{e}");
    }

    #[test]
    fn validation_errors_keep_their_paths() {
        let dir = bin_dir(&["a", "b"]);
        let cases = [
            (
                r#"{"services": {"a": {"dependsOn": ["c"]}}}"#,
                "services.a.dependsOn: depends on unknown service \"c\"",
            ),
            (
                r#"{"services": {"a": {"dependsOn": ["b"]}, "b": {"dependsOn": ["a"]}}}"#,
                "services.a.dependsOn: dependency cycle: a -> b -> a",
            ),
            (
                r#"{"services": {"a": {"caps": {"x": {"source": {"service": "nope", "export": "e"}}}}}}"#,
                "services.a.caps.x.source: cap comes from unknown service \"nope\"",
            ),
            (r#"{"services": {"a b": {"binary": "a"}}}"#, "services.\"a b\".name: invalid name \"a b\""),
            (
                r#"{"services": {"a": {"env": {"": "x"}}}}"#,
                "services.a.env[0]: environment entry \"=x\" is not KEY=VALUE",
            ),
            (r#"{"files": {"etc/x": {"content": ""}}}"#, "files[0].path: invalid file path \"etc/x\""),
        ];
        for (json, want) in cases {
            let e = build(json, &dir).unwrap_err().to_string();
            assert!(e.starts_with(want), "{e}\n  does not start with\n{want}");
        }
        let e = build(r#"{"files": {"/x": {"source": "missing.txt"}}}"#, &dir).unwrap_err();
        assert_eq!(e.path, "files.\"/x\".source");
        assert!(e.message.starts_with("cannot read "), "{e}");
    }

    #[test]
    fn errors_are_located_in_the_sources() {
        let sources = [Source {
            name: "system.cue".into(),
            text: "services: {\n\thello: caps: clock: source: \"clok\"\n}\n".into(),
        }];
        let e =
            SystemConfig::from_json(r#"{"services": {"hello": {"caps": {"clock": {"source": "clok"}}}}}"#)
                .unwrap_err()
                .located(&sources);
        assert_eq!(e.location, Some(Location { file: "system.cue".into(), line: 2 }));
        assert!(
            e.to_string()
                .starts_with("system.cue:2: services.hello.caps.clock.source: unknown kernel cap \"clok\"")
        );
        // No path, no location.
        assert_eq!(Error::at("", "x").located(&sources).to_string(), "x");
    }

    #[test]
    fn writes_atomically_and_creates_directories() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("sub/manifest.bin");
        write_atomically(&out, b"abc").unwrap();
        assert_eq!(std::fs::read(&out).unwrap(), b"abc");
        assert!(!dir.path().join("sub/manifest.bin.tmp").exists());
        let e = write_atomically(&dir.path().join("sub/manifest.bin/x"), b"abc").unwrap_err();
        assert!(e.message.starts_with("cannot write "), "{e}");
    }

    #[test]
    fn depfile_rules_list_and_escape_every_input() {
        let rule = depfile_rule(
            Path::new("build/m.bin"),
            &[PathBuf::from("system.cue"), PathBuf::from("my dir/a#1.txt")],
        );
        assert_eq!(
            rule,
            "build/m.bin: \\\n  system.cue \\\n  my\\ dir/a\\#1.txt\nsystem.cue:\nmy\\ dir/a\\#1.txt:\n"
        );
        assert_eq!(depfile_rule(Path::new("o"), &[]), "o:\n");
    }

    #[test]
    fn input_files_are_sources_and_resolved_binaries() {
        let dir = bin_dir(&["hello"]);
        let config = config(
            r#"{"services": {"hello": {}}, "binaries": ["missing"],
                "files": {"/a": {"source": "a.txt"}, "/b": {"content": "inline"}}}"#,
        );
        let bins = BinarySources { dirs: vec![dir.path().to_path_buf()], explicit: Vec::new() };
        assert_eq!(
            input_files(&config, &bins, Path::new("/root")),
            [PathBuf::from("/root/a.txt"), dir.path().join("hello")]
        );
    }

    #[test]
    fn run_from_json_and_summary() {
        let dir = bin_dir(&["hello"]);
        let json = dir.path().join("system.json");
        std::fs::write(&json, r#"{"services": {"hello": {"caps": {"console": {"source": "console"}}}}}"#)
            .unwrap();
        let out = dir.path().join("manifest.bin");
        let options = Options {
            input: Input::Json(json),
            bins: BinarySources { dirs: vec![dir.path().into()], explicit: Vec::new() },
            file_root: None,
            out: out.clone(),
            cue: CueExporter::default(),
            depfile: Some(dir.path().join("manifest.bin.d")),
        };
        let summary = run(&options).unwrap();
        let rule = std::fs::read_to_string(dir.path().join("manifest.bin.d")).unwrap();
        assert_eq!(
            rule,
            depfile_rule(&out, &[dir.path().join("system.json"), dir.path().join("hello")]),
            "the inputs are the JSON and the binary"
        );
        assert_eq!(summary.size, std::fs::read(&out).unwrap().len());
        assert_eq!(
            summary.to_string(),
            format!("1 services (start order: hello), 1 binaries, 0 files, {} bytes", summary.size)
        );
        assert_eq!(decode_validated(&std::fs::read(&out).unwrap()).unwrap(), summary.manifest);
    }

    #[test]
    fn missing_node_is_a_clear_error() {
        let cue = CueExporter { node: "/nonexistent/node".into(), script: CueExporter::default_script() };
        let e = cue.export(&[PathBuf::from("system.cue")]).unwrap_err();
        assert!(e.message.starts_with("cannot run \"/nonexistent/node\""), "{e}");
    }
}
