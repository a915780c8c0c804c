//! The boot manifest: which binaries and files the boot package carries and
//! which services init starts, with which capabilities.
//!
//! The wire form is the Cap'n Proto `SystemManifest` of
//! `schema/capos.capnp` (crate `capos-schema`); this module is the Rust
//! model of it. `tools/mkmanifest` builds one from `system.cue` and
//! [`encode`]s it; init [`decode`]s it (from `BootPackage.readManifest`),
//! [`SystemManifest::validate`]s it and starts the services in
//! [`SystemManifest::start_order`].
//!
//! [`decode`] takes untrusted bytes: it reads with a traversal limit tied to
//! the input size and a small nesting limit, checks every string is UTF-8
//! and every enum value known, and returns a [`ManifestError`] instead of
//! panicking on anything ([`fuzz_decode`] is the fuzzing entry point).
//!
//! Every error carries the path of the offending field in the CUE
//! spelling of `system.cue` (`services.hello.caps.clock.source`), so tools
//! can point at the line that caused it.

extern crate alloc;

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

use capnp::message::{Builder, ReaderOptions};
use capnp::serialize;
use capos_schema::capos_capnp as schema;

use crate::capset::{self, CapEntry, CapSetError, CapSetWriter, ProcessInfo};

/// Largest serialized manifest [`decode`] accepts (and [`encode`] writes).
pub const MAX_MANIFEST_SIZE: usize = 128 << 20;
/// Longest service, binary or export name in bytes.
pub const MAX_NAME_LEN: usize = 64;
/// Longest cap name in bytes (the CapSet's limit).
pub const MAX_CAP_NAME_LEN: usize = capset::MAX_NAME_LEN;
/// Most caps one service declares (the CapSet's limit).
pub const MAX_CAPS: usize = capset::MAX_CAPS;
/// Longest file path in bytes.
pub const MAX_PATH_LEN: usize = 255;
/// Deepest pointer nesting [`decode`] follows. A manifest needs 4
/// (root, service list, service, cap list); the rest is margin.
pub const NESTING_LIMIT: i32 = 16;

/// A capability the kernel serves, as a manifest names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum KernelCap {
    /// `Console`.
    Console,
    /// `Timer`.
    Timer,
    /// `WallClock`.
    WallClock,
    /// `EntropySource`.
    Entropy,
    /// `BootPackage`.
    BootPackage,
    /// `ProcessSpawner`.
    ProcessSpawner,
    /// `FrameAllocator`.
    FrameAllocator,
    /// `VirtualMemory` (of the service's own address space).
    VirtualMemory,
    /// `EndpointFactory`.
    EndpointFactory,
    /// `RevocationFactory`.
    RevocationFactory,
    /// `TerminalSession` (the terminal serial port).
    Terminal,
    /// `Console` for error output (the `stderr=` port, else the terminal).
    Stderr,
    /// `PipeFactory`.
    PipeFactory,
}

impl KernelCap {
    /// Every kernel cap, in schema order.
    pub const ALL: [KernelCap; 13] = [
        Self::Console,
        Self::Timer,
        Self::WallClock,
        Self::Entropy,
        Self::BootPackage,
        Self::ProcessSpawner,
        Self::FrameAllocator,
        Self::VirtualMemory,
        Self::EndpointFactory,
        Self::RevocationFactory,
        Self::Terminal,
        Self::Stderr,
        Self::PipeFactory,
    ];

    /// The name `system.cue` and the schema use (`wallClock`).
    pub const fn name(self) -> &'static str {
        match self {
            Self::Console => "console",
            Self::Timer => "timer",
            Self::WallClock => "wallClock",
            Self::Entropy => "entropy",
            Self::BootPackage => "bootPackage",
            Self::ProcessSpawner => "processSpawner",
            Self::FrameAllocator => "frameAllocator",
            Self::VirtualMemory => "virtualMemory",
            Self::EndpointFactory => "endpointFactory",
            Self::RevocationFactory => "revocationFactory",
            Self::Terminal => "terminal",
            Self::Stderr => "stderr",
            Self::PipeFactory => "pipeFactory",
        }
    }

    /// The cap called `name` (exact spelling of [`Self::name`]).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.name() == name)
    }

    /// The Cap'n Proto interface id of the cap's interface.
    pub const fn interface_id(self) -> u64 {
        use capos_schema::interface_id as id;
        match self {
            Self::Console => id::CONSOLE,
            Self::Timer => id::TIMER,
            Self::WallClock => id::WALL_CLOCK,
            Self::Entropy => id::ENTROPY_SOURCE,
            Self::BootPackage => id::BOOT_PACKAGE,
            Self::ProcessSpawner => id::PROCESS_SPAWNER,
            Self::FrameAllocator => id::FRAME_ALLOCATOR,
            Self::VirtualMemory => id::VIRTUAL_MEMORY,
            Self::EndpointFactory => id::ENDPOINT_FACTORY,
            Self::RevocationFactory => id::REVOCATION_FACTORY,
            Self::Terminal => id::TERMINAL_SESSION,
            Self::Stderr => id::CONSOLE,
            Self::PipeFactory => id::PIPE_FACTORY,
        }
    }

    fn from_schema(c: schema::KernelCap) -> Self {
        match c {
            schema::KernelCap::Console => Self::Console,
            schema::KernelCap::Timer => Self::Timer,
            schema::KernelCap::WallClock => Self::WallClock,
            schema::KernelCap::Entropy => Self::Entropy,
            schema::KernelCap::BootPackage => Self::BootPackage,
            schema::KernelCap::ProcessSpawner => Self::ProcessSpawner,
            schema::KernelCap::FrameAllocator => Self::FrameAllocator,
            schema::KernelCap::VirtualMemory => Self::VirtualMemory,
            schema::KernelCap::EndpointFactory => Self::EndpointFactory,
            schema::KernelCap::RevocationFactory => Self::RevocationFactory,
            schema::KernelCap::Terminal => Self::Terminal,
            schema::KernelCap::Stderr => Self::Stderr,
            schema::KernelCap::PipeFactory => Self::PipeFactory,
        }
    }

    fn to_schema(self) -> schema::KernelCap {
        match self {
            Self::Console => schema::KernelCap::Console,
            Self::Timer => schema::KernelCap::Timer,
            Self::WallClock => schema::KernelCap::WallClock,
            Self::Entropy => schema::KernelCap::Entropy,
            Self::BootPackage => schema::KernelCap::BootPackage,
            Self::ProcessSpawner => schema::KernelCap::ProcessSpawner,
            Self::FrameAllocator => schema::KernelCap::FrameAllocator,
            Self::VirtualMemory => schema::KernelCap::VirtualMemory,
            Self::EndpointFactory => schema::KernelCap::EndpointFactory,
            Self::RevocationFactory => schema::KernelCap::RevocationFactory,
            Self::Terminal => schema::KernelCap::Terminal,
            Self::Stderr => schema::KernelCap::Stderr,
            Self::PipeFactory => schema::KernelCap::PipeFactory,
        }
    }
}

impl fmt::Display for KernelCap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What init does when a service ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RestartPolicy {
    /// Leave it ended.
    #[default]
    Never,
    /// Start it again unless it exited with code 0.
    OnFailure,
    /// Start it again whenever it ends.
    Always,
}

impl RestartPolicy {
    /// Every policy, in schema order.
    pub const ALL: [RestartPolicy; 3] = [Self::Never, Self::OnFailure, Self::Always];

    /// The name `system.cue` and the schema use (`onFailure`).
    pub const fn name(self) -> &'static str {
        match self {
            Self::Never => "never",
            Self::OnFailure => "onFailure",
            Self::Always => "always",
        }
    }

    /// The policy called `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.name() == name)
    }
}

impl fmt::Display for RestartPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Where a declared capability comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CapSource {
    /// A capability the kernel serves.
    Kernel(KernelCap),
    /// A capability another service exports. Reserved for IPC: validated
    /// (the service must exist), but nothing serves it yet.
    Service {
        /// The exporting service.
        service: String,
        /// The export's name within that service.
        export: String,
    },
}

/// One capability a service starts with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapDecl {
    /// The name the service finds it under in its CapSet.
    pub name: String,
    /// Where it comes from.
    pub source: CapSource,
}

impl CapDecl {
    /// A kernel cap called `name`.
    pub fn kernel(name: &str, cap: KernelCap) -> Self {
        Self { name: name.to_string(), source: CapSource::Kernel(cap) }
    }
}

/// A process init starts at boot.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Service {
    /// Unique service name.
    pub name: String,
    /// The [`NamedBinary`] it runs.
    pub binary: String,
    /// Arguments after `argv[0]` (the binary name).
    pub args: Vec<String>,
    /// `KEY=VALUE` strings.
    pub env: Vec<String>,
    /// The capabilities it starts with.
    pub caps: Vec<CapDecl>,
    /// What to do when it ends.
    pub restart: RestartPolicy,
    /// Services that must be started first.
    pub depends_on: Vec<String>,
    /// Endpoints it serves.
    pub exports: Vec<Export>,
    /// The most memory it may use, in bytes (0: the spawner's default).
    pub memory_limit: u64,
    /// Its kernel-memory quota, in bytes (0: the spawner's default).
    pub kernel_memory_limit: u64,
}

/// One endpoint a service serves (see `Service.exports` in the schema).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Export {
    /// Its name: the server side's cap name in the service, and what
    /// importers name in [`CapSource::Service`].
    pub name: String,
    /// The interface the endpoint serves.
    pub interface_id: u64,
}

/// A program in the boot package.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NamedBinary {
    /// Unique binary name.
    pub name: String,
    /// The ELF image.
    pub data: Vec<u8>,
}

/// A file provided at boot.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NamedFile {
    /// Unique absolute path.
    pub path: String,
    /// The contents.
    pub data: Vec<u8>,
    /// Whether processes may change it.
    pub writable: bool,
    /// When not empty: the file is a symbolic link to this target (`data`
    /// empty, `writable` false).
    pub symlink: String,
}

/// The whole boot-time system.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SystemManifest {
    /// The programs in the package.
    pub binaries: Vec<NamedBinary>,
    /// Files made available at boot.
    pub files: Vec<NamedFile>,
    /// The services init starts.
    pub services: Vec<Service>,
    /// The service whose exit status init exits with ("" for none).
    pub status_from: String,
}

/// What is wrong with a manifest (see [`ManifestError`] for where).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ManifestErrorKind {
    /// A service's memory limit is above what a spawner may grant
    /// (`ProcessSpawner.maxMemoryLimit`).
    MemoryLimitTooLarge(u64),
    /// The serialized manifest is larger than [`MAX_MANIFEST_SIZE`].
    TooLarge {
        /// Its size in bytes.
        size: usize,
    },
    /// The bytes are not a well-formed Cap'n Proto message of the expected
    /// shape (truncated, bad pointer, over the traversal or nesting limit).
    Malformed(String),
    /// A text field is not UTF-8.
    NotUtf8,
    /// An enum or union holds a value this schema does not know.
    UnknownEnumValue(u16),
    /// A cap declaration has no source.
    SourceUnset,
    /// A name or path is empty.
    EmptyName,
    /// A name has characters other than letters, digits, `-`, `_`, `.`, or
    /// is too long.
    InvalidName(String),
    /// A file path is not absolute, has an empty, `.` or `..` component,
    /// a NUL byte, or is too long.
    InvalidFilePath(String),
    /// Two services share this name.
    DuplicateService(String),
    /// Two binaries share this name.
    DuplicateBinary(String),
    /// Two files share this path.
    DuplicateFile(String),
    /// A symbolic link's target is longer than [`MAX_PATH_LEN`] or has a
    /// NUL byte, or the link also has contents or is writable (its path).
    InvalidSymlink(String),
    /// A service declares two caps with this name.
    DuplicateCap(String),
    /// A service lists this dependency twice.
    DuplicateDependency(String),
    /// A service runs a binary the manifest does not carry.
    UnknownBinary(String),
    /// `dependsOn` names a service the manifest does not have.
    UnknownDependency(String),
    /// `statusFrom` names a service the manifest does not have.
    UnknownStatusService(String),
    /// A service-sourced cap names a service the manifest does not have.
    UnknownSourceService(String),
    /// A service-sourced cap names an export its service does not have
    /// (service, export).
    UnknownExport(String, String),
    /// A service declares two exports with this name, or an export and a
    /// cap share it.
    DuplicateExport(String),
    /// An export's interface id is 0.
    ExportWithoutInterface(String),
    /// Services depend on each other in a circle (the names, the first
    /// repeated at the end).
    DependencyCycle(Vec<String>),
    /// A service declares more than [`MAX_CAPS`] caps.
    TooManyCaps(usize),
    /// An environment string is not `KEY=VALUE` with a non-empty key.
    InvalidEnv(String),
    /// An argument or environment string contains a NUL byte.
    NulByte,
    /// The service's caps, arguments and environment do not fit its
    /// bootstrap region ([`capset::MAX_BOOTSTRAP_SIZE`]); the bytes needed.
    BootstrapTooLarge(usize),
    /// More than [`capset::MAX_STRINGS`] arguments (with `argv[0]`) or
    /// environment strings; how many.
    TooManyStrings(usize),
}

impl fmt::Display for ManifestErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MemoryLimitTooLarge(limit) => write!(
                f,
                "memory limit of {limit} bytes is above the largest a service may have ({} bytes)",
                schema::process_spawner::MAX_MEMORY_LIMIT
            ),
            Self::TooLarge { size } => {
                write!(f, "manifest of {size} bytes is larger than the limit of {MAX_MANIFEST_SIZE}")
            }
            Self::Malformed(reason) => write!(f, "malformed manifest: {reason}"),
            Self::NotUtf8 => f.write_str("text is not UTF-8"),
            Self::UnknownEnumValue(v) => write!(f, "unknown enum value {v}"),
            Self::SourceUnset => f.write_str("cap has no source"),
            Self::EmptyName => f.write_str("empty name"),
            Self::InvalidName(n) => write!(
                f,
                "invalid name {n:?} (use letters, digits, '-', '_', '.'; at most {MAX_NAME_LEN} bytes, \
                 {MAX_CAP_NAME_LEN} for cap names)"
            ),
            Self::InvalidFilePath(p) => write!(
                f,
                "invalid file path {p:?} (absolute, no empty, '.' or '..' components, at most \
                 {MAX_PATH_LEN} bytes)"
            ),
            Self::DuplicateService(n) => write!(f, "duplicate service name {n:?}"),
            Self::DuplicateBinary(n) => write!(f, "duplicate binary name {n:?}"),
            Self::DuplicateFile(p) => write!(f, "duplicate file path {p:?}"),
            Self::InvalidSymlink(p) => write!(
                f,
                "symbolic link {p:?}: its target must be at most {MAX_PATH_LEN} bytes without NUL, \
                 and a link has no contents and is not writable"
            ),
            Self::DuplicateCap(n) => write!(f, "duplicate cap name {n:?}"),
            Self::DuplicateDependency(n) => write!(f, "dependency {n:?} listed twice"),
            Self::UnknownBinary(n) => write!(f, "unknown binary {n:?}"),
            Self::UnknownDependency(n) => write!(f, "depends on unknown service {n:?}"),
            Self::UnknownStatusService(n) => write!(f, "statusFrom names unknown service {n:?}"),
            Self::UnknownSourceService(n) => write!(f, "cap comes from unknown service {n:?}"),
            Self::UnknownExport(s, e) => write!(f, "service {s:?} has no export {e:?}"),
            Self::DuplicateExport(e) => write!(f, "export {e:?} declared twice, or also a cap name"),
            Self::ExportWithoutInterface(e) => write!(f, "export {e:?} has no interface id"),
            Self::DependencyCycle(cycle) => write!(f, "dependency cycle: {}", cycle.join(" -> ")),
            Self::TooManyCaps(n) => write!(f, "{n} caps declared, at most {MAX_CAPS} allowed"),
            Self::InvalidEnv(e) => write!(f, "environment entry {e:?} is not KEY=VALUE"),
            Self::NulByte => f.write_str("string contains a NUL byte"),
            Self::BootstrapTooLarge(n) => write!(
                f,
                "caps, arguments and environment need {n} bytes, more than the {} of a bootstrap region",
                capset::MAX_BOOTSTRAP_SIZE
            ),
            Self::TooManyStrings(n) => write!(
                f,
                "{n} arguments (with argv[0]) or environment strings, at most {} allowed",
                capset::MAX_STRINGS
            ),
        }
    }
}

/// Why a manifest could not be decoded or failed validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestError {
    /// Where: the field path in `system.cue` spelling
    /// (`services.hello.caps.clock.source`, `binaries[2].name`); empty for
    /// the whole manifest.
    pub path: String,
    /// What.
    pub kind: ManifestErrorKind,
}

impl ManifestError {
    fn new(path: impl Into<String>, kind: ManifestErrorKind) -> Self {
        Self { path: path.into(), kind }
    }
}

impl fmt::Display for ManifestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}", self.kind)
        } else {
            write!(f, "{}: {}", self.path, self.kind)
        }
    }
}

impl core::error::Error for ManifestError {}

/// `.key`, or `."key"` when `key` is not a plain identifier (CUE's
/// spelling of a field label).
pub fn path_key(key: &str) -> String {
    let ident = key.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ident { format!(".{key}") } else { format!(".{key:?}") }
}

/// `services.NAME` when the name is usable as a label, else `services[i]`.
fn service_path(i: usize, name: &str) -> String {
    if name.is_empty() { format!("services[{i}]") } else { format!("services{}", path_key(name)) }
}

fn name_ok(name: &str, max: usize) -> bool {
    !name.is_empty()
        && name.len() <= max
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

fn check_name(path: impl FnOnce() -> String, name: &str, max: usize) -> Result<(), ManifestError> {
    if name.is_empty() {
        Err(ManifestError::new(path(), ManifestErrorKind::EmptyName))
    } else if !name_ok(name, max) {
        Err(ManifestError::new(path(), ManifestErrorKind::InvalidName(name.to_string())))
    } else {
        Ok(())
    }
}

fn file_path_ok(path: &str) -> bool {
    path.len() <= MAX_PATH_LEN
        && !path.contains('\0')
        && path
            .strip_prefix('/')
            .is_some_and(|rest| rest.split('/').all(|c| !c.is_empty() && c != "." && c != ".."))
}

/// A `KEY=VALUE` string with a non-empty key.
fn env_ok(entry: &str) -> bool {
    entry.split_once('=').is_some_and(|(key, _)| !key.is_empty())
}

impl SystemManifest {
    /// The binary called `name`.
    pub fn binary(&self, name: &str) -> Option<&NamedBinary> {
        self.binaries.iter().find(|b| b.name == name)
    }

    /// The service called `name`.
    pub fn service(&self, name: &str) -> Option<&Service> {
        self.services.iter().find(|s| s.name == name)
    }

    /// Checks everything a manifest must satisfy before init may act on
    /// it: names well-formed and unique (services, binaries, files, caps
    /// within a service, dependencies), every service's binary present,
    /// every dependency and cap-source service present, no dependency
    /// cycles, environment strings `KEY=VALUE`, no NUL bytes in arguments
    /// or environment, and each service's caps, arguments and environment
    /// fitting its bootstrap region. Returns the first problem found.
    pub fn validate(&self) -> Result<(), ManifestError> {
        use ManifestErrorKind as K;
        let mut binaries = BTreeSet::new();
        for (i, b) in self.binaries.iter().enumerate() {
            check_name(|| format!("binaries[{i}].name"), &b.name, MAX_NAME_LEN)?;
            if !binaries.insert(b.name.as_str()) {
                return Err(ManifestError::new(
                    format!("binaries{}", path_key(&b.name)),
                    K::DuplicateBinary(b.name.clone()),
                ));
            }
        }
        let mut files = BTreeSet::new();
        for (i, file) in self.files.iter().enumerate() {
            if file.path.is_empty() {
                return Err(ManifestError::new(format!("files[{i}].path"), K::EmptyName));
            }
            if !file_path_ok(&file.path) {
                return Err(ManifestError::new(
                    format!("files[{i}].path"),
                    K::InvalidFilePath(file.path.clone()),
                ));
            }
            if !files.insert(file.path.as_str()) {
                return Err(ManifestError::new(
                    format!("files{}", path_key(&file.path)),
                    K::DuplicateFile(file.path.clone()),
                ));
            }
            if !file.symlink.is_empty()
                && (file.symlink.len() > MAX_PATH_LEN
                    || file.symlink.contains('\0')
                    || !file.data.is_empty()
                    || file.writable)
            {
                return Err(ManifestError::new(
                    format!("files{}.symlink", path_key(&file.path)),
                    K::InvalidSymlink(file.path.clone()),
                ));
            }
        }
        let mut services = BTreeSet::new();
        for (i, s) in self.services.iter().enumerate() {
            check_name(|| format!("{}.name", service_path(i, &s.name)), &s.name, MAX_NAME_LEN)?;
            if !services.insert(s.name.as_str()) {
                return Err(ManifestError::new(
                    service_path(i, &s.name),
                    K::DuplicateService(s.name.clone()),
                ));
            }
        }
        for (i, s) in self.services.iter().enumerate() {
            self.validate_service(&service_path(i, &s.name), s, &binaries, &services)?;
        }
        if !self.status_from.is_empty() && !services.contains(self.status_from.as_str()) {
            return Err(ManifestError::new("statusFrom", K::UnknownStatusService(self.status_from.clone())));
        }
        // Exports: unique per service, not clashing with cap names, with an
        // interface; every service-sourced cap names one.
        for (i, s) in self.services.iter().enumerate() {
            let at = service_path(i, &s.name);
            let mut names = BTreeSet::new();
            for e in &s.exports {
                let e_at = format!("{at}.exports{}", path_key(&e.name));
                check_name(|| e_at.clone(), &e.name, MAX_CAP_NAME_LEN)?;
                if !names.insert(e.name.as_str()) || s.caps.iter().any(|c| c.name == e.name) {
                    return Err(ManifestError::new(e_at, K::DuplicateExport(e.name.clone())));
                }
                if e.interface_id == 0 {
                    return Err(ManifestError::new(e_at, K::ExportWithoutInterface(e.name.clone())));
                }
            }
        }
        for (i, s) in self.services.iter().enumerate() {
            for c in &s.caps {
                if let CapSource::Service { service, export } = &c.source {
                    let exported =
                        self.service(service).is_some_and(|x| x.exports.iter().any(|e| &e.name == export));
                    if !exported {
                        return Err(ManifestError::new(
                            format!("{}.caps{}.source", service_path(i, &s.name), path_key(&c.name)),
                            K::UnknownExport(service.clone(), export.clone()),
                        ));
                    }
                }
            }
        }
        self.start_order().map(|_| ())
    }

    fn validate_service(
        &self,
        at: &str,
        s: &Service,
        binaries: &BTreeSet<&str>,
        services: &BTreeSet<&str>,
    ) -> Result<(), ManifestError> {
        use ManifestErrorKind as K;
        let err = |suffix: String, kind| Err(ManifestError::new(format!("{at}{suffix}"), kind));
        check_name(|| format!("{at}.binary"), &s.binary, MAX_NAME_LEN)?;
        if !binaries.contains(s.binary.as_str()) {
            return err(".binary".into(), K::UnknownBinary(s.binary.clone()));
        }
        if s.memory_limit > schema::process_spawner::MAX_MEMORY_LIMIT {
            return err(".memoryLimit".into(), K::MemoryLimitTooLarge(s.memory_limit));
        }
        for (j, arg) in s.args.iter().enumerate() {
            if arg.contains('\0') {
                return err(format!(".args[{j}]"), K::NulByte);
            }
        }
        for (j, entry) in s.env.iter().enumerate() {
            if entry.contains('\0') {
                return err(format!(".env[{j}]"), K::NulByte);
            }
            if !env_ok(entry) {
                return err(format!(".env[{j}]"), K::InvalidEnv(entry.clone()));
            }
        }
        if s.caps.len() > MAX_CAPS {
            return err(".caps".into(), K::TooManyCaps(s.caps.len()));
        }
        let mut cap_names = BTreeSet::new();
        for (j, cap) in s.caps.iter().enumerate() {
            check_name(|| format!("{at}.caps[{j}].name"), &cap.name, MAX_CAP_NAME_LEN)?;
            let cap_at = format!("{at}.caps{}", path_key(&cap.name));
            if !cap_names.insert(cap.name.as_str()) {
                return Err(ManifestError::new(cap_at, K::DuplicateCap(cap.name.clone())));
            }
            if let CapSource::Service { service, export } = &cap.source {
                check_name(|| format!("{cap_at}.source.service"), service, MAX_NAME_LEN)?;
                check_name(|| format!("{cap_at}.source.export"), export, MAX_NAME_LEN)?;
                if !services.contains(service.as_str()) {
                    return Err(ManifestError::new(
                        format!("{cap_at}.source"),
                        K::UnknownSourceService(service.clone()),
                    ));
                }
            }
        }
        let mut deps = BTreeSet::new();
        for (j, dep) in s.depends_on.iter().enumerate() {
            check_name(|| format!("{at}.dependsOn[{j}]"), dep, MAX_NAME_LEN)?;
            if !services.contains(dep.as_str()) {
                return err(".dependsOn".into(), K::UnknownDependency(dep.clone()));
            }
            if !deps.insert(dep.as_str()) {
                return err(".dependsOn".into(), K::DuplicateDependency(dep.clone()));
            }
        }
        // The same check the kernel makes when it builds the region
        // (argv[0] is the binary name; cap ids are not known yet).
        let entries: Vec<CapEntry<'_>> = s
            .caps
            .iter()
            .map(|c| CapEntry {
                name: &c.name,
                cap_id: 0,
                interface_id: match c.source {
                    CapSource::Kernel(k) => k.interface_id(),
                    CapSource::Service { .. } => 0,
                },
            })
            .collect();
        let args: Vec<&str> =
            core::iter::once(s.binary.as_str()).chain(s.args.iter().map(String::as_str)).collect();
        let env: Vec<&str> = s.env.iter().map(String::as_str).collect();
        let writer = CapSetWriter::new(&entries, &args, &env, ProcessInfo::default());
        match writer.check() {
            Err(CapSetError::TooManyStrings) => {
                err(String::new(), K::TooManyStrings(args.len().max(env.len())))
            }
            Err(CapSetError::NoRoom) => err(String::new(), K::BootstrapTooLarge(writer.size())),
            // Names, counts and NULs were checked above with better errors.
            _ => Ok(()),
        }
    }

    /// Indices (into `services`) of the services `s` must wait for: its
    /// `dependsOn` and the services its caps come from. Unknown names are
    /// skipped ([`Self::validate`] reports them).
    fn prerequisites(&self, s: &Service, index: &BTreeMap<&str, usize>) -> Vec<usize> {
        let from_caps = s.caps.iter().filter_map(|c| match &c.source {
            CapSource::Service { service, .. } => Some(service),
            CapSource::Kernel(_) => None,
        });
        let mut out: Vec<usize> =
            s.depends_on.iter().chain(from_caps).filter_map(|n| index.get(n.as_str()).copied()).collect();
        out.dedup();
        out
    }

    /// The services in an order init can start them: every service after
    /// the services it depends on (its `dependsOn`, and the services its
    /// caps come from); otherwise in manifest order. Fails with
    /// [`ManifestErrorKind::DependencyCycle`] when there is no such order.
    pub fn start_order(&self) -> Result<Vec<&Service>, ManifestError> {
        #[derive(Clone, Copy, PartialEq)]
        enum Mark {
            New,
            Active,
            Done,
        }
        let mut index = BTreeMap::new();
        for (i, s) in self.services.iter().enumerate() {
            index.entry(s.name.as_str()).or_insert(i);
        }
        let prereqs: Vec<Vec<usize>> = self.services.iter().map(|s| self.prerequisites(s, &index)).collect();
        let mut mark = alloc::vec![Mark::New; self.services.len()];
        let mut order = Vec::with_capacity(self.services.len());
        // Iterative depth-first search: a stack of (service, next prerequisite).
        for root in 0..self.services.len() {
            if mark[root] != Mark::New {
                continue;
            }
            let mut stack: Vec<(usize, usize)> = alloc::vec![(root, 0)];
            mark[root] = Mark::Active;
            while let Some(&mut (node, ref mut next)) = stack.last_mut() {
                if let Some(&dep) = prereqs[node].get(*next) {
                    *next += 1;
                    match mark[dep] {
                        Mark::Done => {}
                        Mark::New => {
                            mark[dep] = Mark::Active;
                            stack.push((dep, 0));
                        }
                        Mark::Active => {
                            let from = stack.iter().position(|&(n, _)| n == dep).unwrap_or(0);
                            let mut cycle: Vec<String> =
                                stack[from..].iter().map(|&(n, _)| self.services[n].name.clone()).collect();
                            cycle.push(self.services[dep].name.clone());
                            return Err(ManifestError::new(
                                format!("{}.dependsOn", service_path(dep, &self.services[dep].name)),
                                ManifestErrorKind::DependencyCycle(cycle),
                            ));
                        }
                    }
                } else {
                    mark[node] = Mark::Done;
                    order.push(&self.services[node]);
                    stack.pop();
                }
            }
        }
        Ok(order)
    }
}

// ---------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------

fn malformed(path: &str, e: capnp::Error) -> ManifestError {
    ManifestError::new(path, ManifestErrorKind::Malformed(e.to_string()))
}

fn text(
    path: impl FnOnce() -> String,
    r: capnp::Result<capnp::text::Reader<'_>>,
) -> Result<String, ManifestError> {
    match r.map(|t| t.to_str()) {
        Ok(Ok(s)) => Ok(String::from(s)),
        Ok(Err(_)) => Err(ManifestError::new(path(), ManifestErrorKind::NotUtf8)),
        Err(e) => Err(malformed(&path(), e)),
    }
}

fn text_list(
    path: &str,
    r: capnp::Result<capnp::text_list::Reader<'_>>,
) -> Result<Vec<String>, ManifestError> {
    let list = r.map_err(|e| malformed(path, e))?;
    let mut out = Vec::with_capacity(list.len() as usize);
    for i in 0..list.len() {
        out.push(text(|| format!("{path}[{i}]"), list.get(i))?);
    }
    Ok(out)
}

fn unknown_enum(path: impl Into<String>, e: capnp::NotInSchema) -> ManifestError {
    ManifestError::new(path, ManifestErrorKind::UnknownEnumValue(e.0))
}

fn decode_service(i: usize, r: schema::service::Reader<'_>) -> Result<Service, ManifestError> {
    let name = text(|| format!("services[{i}].name"), r.get_name())?;
    let at = service_path(i, &name);
    let binary = text(|| format!("{at}.binary"), r.get_binary())?;
    let args = text_list(&format!("{at}.args"), r.get_args())?;
    let env = text_list(&format!("{at}.env"), r.get_env())?;
    let restart = match r.get_restart().map_err(|e| unknown_enum(format!("{at}.restart"), e))? {
        schema::RestartPolicy::Never => RestartPolicy::Never,
        schema::RestartPolicy::OnFailure => RestartPolicy::OnFailure,
        schema::RestartPolicy::Always => RestartPolicy::Always,
    };
    let depends_on = text_list(&format!("{at}.dependsOn"), r.get_depends_on())?;
    let export_list = r.get_exports().map_err(|e| malformed(&format!("{at}.exports"), e))?;
    let mut exports = Vec::with_capacity(export_list.len() as usize);
    for (j, e) in export_list.iter().enumerate() {
        let name = text(|| format!("{at}.exports[{j}].name"), e.get_name())?;
        exports.push(Export { name, interface_id: e.get_interface_id() });
    }
    let cap_list = r.get_caps().map_err(|e| malformed(&format!("{at}.caps"), e))?;
    let mut caps = Vec::with_capacity(cap_list.len() as usize);
    for (j, c) in cap_list.iter().enumerate() {
        let name = text(|| format!("{at}.caps[{j}].name"), c.get_name())?;
        let cap_at =
            if name.is_empty() { format!("{at}.caps[{j}]") } else { format!("{at}.caps{}", path_key(&name)) };
        let source_at = format!("{cap_at}.source");
        let source = c.get_source().map_err(|e| malformed(&source_at, e))?;
        let source = match source.which().map_err(|e| unknown_enum(source_at.as_str(), e))? {
            schema::cap_source::Unset(()) => {
                return Err(ManifestError::new(source_at, ManifestErrorKind::SourceUnset));
            }
            schema::cap_source::Kernel(k) => {
                CapSource::Kernel(KernelCap::from_schema(k.map_err(|e| unknown_enum(source_at.as_str(), e))?))
            }
            schema::cap_source::Service(g) => CapSource::Service {
                service: text(|| format!("{source_at}.service"), g.get_name())?,
                export: text(|| format!("{source_at}.export"), g.get_export())?,
            },
        };
        caps.push(CapDecl { name, source });
    }
    let memory_limit = r.get_memory_limit();
    let kernel_memory_limit = r.get_kernel_memory_limit();
    Ok(Service {
        name,
        binary,
        args,
        env,
        caps,
        restart,
        depends_on,
        exports,
        memory_limit,
        kernel_memory_limit,
    })
}

/// Whether [`decode_root`] copies the contents of binaries and files.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Contents {
    Copy,
    Skip,
}

fn decode_root(
    r: schema::system_manifest::Reader<'_>,
    contents: Contents,
) -> Result<SystemManifest, ManifestError> {
    let mut m = SystemManifest::default();
    let data = |at: &dyn Fn() -> String, d: capnp::Result<capnp::data::Reader<'_>>| match contents {
        Contents::Copy => d.map(<[u8]>::to_vec).map_err(|e| malformed(&at(), e)),
        Contents::Skip => Ok(Vec::new()),
    };
    let binaries = r.get_binaries().map_err(|e| malformed("binaries", e))?;
    for (i, b) in binaries.iter().enumerate() {
        let name = text(|| format!("binaries[{i}].name"), b.get_name())?;
        let data = data(&|| format!("binaries[{i}].data"), b.get_data())?;
        m.binaries.push(NamedBinary { name, data });
    }
    let files = r.get_files().map_err(|e| malformed("files", e))?;
    for (i, f) in files.iter().enumerate() {
        let path = text(|| format!("files[{i}].path"), f.get_path())?;
        let data = data(&|| format!("files[{i}].data"), f.get_data())?;
        let symlink = text(|| format!("files[{i}].symlink"), f.get_symlink())?;
        m.files.push(NamedFile { path, data, writable: f.get_writable(), symlink });
    }
    let services = r.get_services().map_err(|e| malformed("services", e))?;
    for (i, s) in services.iter().enumerate() {
        m.services.push(decode_service(i, s)?);
    }
    m.status_from = text(|| "statusFrom".into(), r.get_status_from())?;
    Ok(m)
}

/// Reader limits for a serialized manifest of `len` bytes: a traversal
/// limit of twice its words (plus slack), so crafted pointers that make
/// the reader visit the same data over and over fail instead of running
/// long, and [`NESTING_LIMIT`].
pub fn reader_options(len: usize) -> ReaderOptions {
    let mut options = ReaderOptions::new();
    options.traversal_limit_in_words(Some((len / 8).saturating_mul(2).saturating_add(1024)));
    options.nesting_limit(NESTING_LIMIT);
    options
}

/// Decodes a serialized `SystemManifest` (Cap'n Proto standard framing,
/// unpacked). Does not validate it: call [`SystemManifest::validate`].
/// Never panics, whatever the bytes.
pub fn decode(bytes: &[u8]) -> Result<SystemManifest, ManifestError> {
    if bytes.len() > MAX_MANIFEST_SIZE {
        return Err(ManifestError::new("", ManifestErrorKind::TooLarge { size: bytes.len() }));
    }
    let mut input = bytes;
    let message =
        serialize::read_message(&mut input, reader_options(bytes.len())).map_err(|e| malformed("", e))?;
    let root = message.get_root::<schema::system_manifest::Reader<'_>>().map_err(|e| malformed("", e))?;
    decode_root(root, Contents::Copy)
}

/// The config of a serialized manifest (`BootPackage.readConfig`): the
/// same manifest with every binary's and file's `data` left empty, names,
/// paths, flags, services and `statusFrom` kept. Its size follows the
/// manifest's structure, not what the files and binaries weigh.
pub fn config(bytes: &[u8]) -> Result<Vec<u8>, ManifestError> {
    if bytes.len() > MAX_MANIFEST_SIZE {
        return Err(ManifestError::new("", ManifestErrorKind::TooLarge { size: bytes.len() }));
    }
    fn strip<S: capnp::message::ReaderSegments>(
        message: capnp::message::Reader<S>,
    ) -> Result<Vec<u8>, ManifestError> {
        let root = message.get_root::<schema::system_manifest::Reader<'_>>().map_err(|e| malformed("", e))?;
        encode(&decode_root(root, Contents::Skip)?)
    }
    let options = reader_options(bytes.len());
    let mut input = bytes;
    // Read in place when the bytes are word-aligned (the kernel's boot
    // module is): the manifest may be far larger than the memory at hand.
    if bytes.as_ptr().align_offset(8) == 0 {
        strip(serialize::read_message_from_flat_slice(&mut input, options).map_err(|e| malformed("", e))?)
    } else {
        strip(serialize::read_message(&mut input, options).map_err(|e| malformed("", e))?)
    }
}

/// [`decode`] then [`SystemManifest::validate`].
pub fn decode_validated(bytes: &[u8]) -> Result<SystemManifest, ManifestError> {
    let manifest = decode(bytes)?;
    manifest.validate()?;
    Ok(manifest)
}

// ---------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------

/// Bytes the blobs and strings of `m` take (a lower bound of its size).
fn content_size(m: &SystemManifest) -> usize {
    let strings = |v: &[String]| v.iter().map(String::len).sum::<usize>();
    let b: usize = m.binaries.iter().map(|b| b.name.len() + b.data.len()).sum();
    let f: usize = m.files.iter().map(|f| f.path.len() + f.data.len() + f.symlink.len()).sum();
    let s: usize = m
        .services
        .iter()
        .map(|s| {
            s.name.len()
                + s.binary.len()
                + strings(&s.args)
                + strings(&s.env)
                + strings(&s.depends_on)
                + s.caps.iter().map(|c| c.name.len() + 64).sum::<usize>()
                + s.exports.iter().map(|e| e.name.len() + 16).sum::<usize>()
        })
        .sum();
    b.saturating_add(f).saturating_add(s)
}

/// `len` as a capnp list length; callers have bounded the whole manifest
/// by [`MAX_MANIFEST_SIZE`], so this cannot fail for a manifest that got
/// here.
fn len32(len: usize) -> u32 {
    u32::try_from(len).unwrap_or(u32::MAX)
}

fn set_texts(mut list: capnp::text_list::Builder<'_>, items: &[String]) {
    for (i, item) in items.iter().enumerate() {
        list.set(len32(i), item.as_str());
    }
}

/// Serializes a manifest (Cap'n Proto standard framing, unpacked). Does
/// not validate it. Fails only with [`ManifestErrorKind::TooLarge`] when
/// the result would exceed [`MAX_MANIFEST_SIZE`].
pub fn encode(m: &SystemManifest) -> Result<Vec<u8>, ManifestError> {
    let too_large = |size| ManifestError::new("", ManifestErrorKind::TooLarge { size });
    let estimate = content_size(m);
    if estimate > MAX_MANIFEST_SIZE {
        return Err(too_large(estimate));
    }
    let mut message = Builder::new_default();
    {
        let mut root = message.init_root::<schema::system_manifest::Builder<'_>>();
        let mut binaries = root.reborrow().init_binaries(len32(m.binaries.len()));
        for (i, b) in m.binaries.iter().enumerate() {
            let mut out = binaries.reborrow().get(len32(i));
            out.set_name(b.name.as_str());
            out.set_data(&b.data[..]);
        }
        let mut files = root.reborrow().init_files(len32(m.files.len()));
        for (i, f) in m.files.iter().enumerate() {
            let mut out = files.reborrow().get(len32(i));
            out.set_path(f.path.as_str());
            out.set_data(&f.data[..]);
            out.set_writable(f.writable);
            if !f.symlink.is_empty() {
                out.set_symlink(f.symlink.as_str());
            }
        }
        root.set_status_from(m.status_from.as_str());
        let mut services = root.init_services(len32(m.services.len()));
        for (i, s) in m.services.iter().enumerate() {
            let mut out = services.reborrow().get(len32(i));
            out.set_name(s.name.as_str());
            out.set_binary(s.binary.as_str());
            set_texts(out.reborrow().init_args(len32(s.args.len())), &s.args);
            set_texts(out.reborrow().init_env(len32(s.env.len())), &s.env);
            out.set_restart(match s.restart {
                RestartPolicy::Never => schema::RestartPolicy::Never,
                RestartPolicy::OnFailure => schema::RestartPolicy::OnFailure,
                RestartPolicy::Always => schema::RestartPolicy::Always,
            });
            set_texts(out.reborrow().init_depends_on(len32(s.depends_on.len())), &s.depends_on);
            out.set_memory_limit(s.memory_limit);
            out.set_kernel_memory_limit(s.kernel_memory_limit);
            let mut exports = out.reborrow().init_exports(len32(s.exports.len()));
            for (j, e) in s.exports.iter().enumerate() {
                let mut x = exports.reborrow().get(len32(j));
                x.set_name(e.name.as_str());
                x.set_interface_id(e.interface_id);
            }
            let mut caps = out.init_caps(len32(s.caps.len()));
            for (j, c) in s.caps.iter().enumerate() {
                let mut cap = caps.reborrow().get(len32(j));
                cap.set_name(c.name.as_str());
                let mut source = cap.init_source();
                match &c.source {
                    CapSource::Kernel(k) => source.set_kernel(k.to_schema()),
                    CapSource::Service { service, export } => {
                        let mut g = source.init_service();
                        g.set_name(service.as_str());
                        g.set_export(export.as_str());
                    }
                }
            }
        }
    }
    let bytes = serialize::write_message_to_words(&message);
    if bytes.len() > MAX_MANIFEST_SIZE {
        return Err(too_large(bytes.len()));
    }
    Ok(bytes)
}

/// The fuzzing entry point: decodes `bytes` (which must never panic), and
/// when that succeeds, checks that validation terminates and that the
/// manifest survives an encode/decode round trip unchanged. Panics only
/// when that round-trip property is broken, i.e. on a bug.
pub fn fuzz_decode(bytes: &[u8]) {
    let Ok(manifest) = decode(bytes) else { return };
    let _ = manifest.validate();
    let _ = manifest.start_order();
    if let Ok(again) = encode(&manifest) {
        assert_eq!(decode(&again).as_ref(), Ok(&manifest), "manifest changed in an encode/decode round trip");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ManifestErrorKind as K;

    fn bin(name: &str) -> NamedBinary {
        NamedBinary { name: name.into(), data: alloc::vec![0x7f, b'E', b'L', b'F', name.len() as u8] }
    }

    /// Gives service `service` of `m` an export `name`.
    fn export(m: &mut SystemManifest, service: &str, name: &str) {
        let s = m.services.iter_mut().find(|s| s.name == service).expect("the sample has it");
        s.exports.push(Export { name: name.into(), interface_id: 0x1234 });
    }

    fn svc(name: &str, caps: &[(&str, KernelCap)]) -> Service {
        Service {
            name: name.into(),
            binary: name.into(),
            caps: caps.iter().map(|&(n, k)| CapDecl::kernel(n, k)).collect(),
            ..Service::default()
        }
    }

    /// The default system of `system.cue`, by hand.
    fn sample() -> SystemManifest {
        let mut clock = svc(
            "clock",
            &[("console", KernelCap::Console), ("timer", KernelCap::Timer), ("clock", KernelCap::WallClock)],
        );
        clock.restart = RestartPolicy::OnFailure;
        clock.args = alloc::vec!["--ticks".into(), "3".into()];
        clock.env = alloc::vec!["TZ=UTC".into(), "EMPTY=".into()];
        let mut spawner = svc(
            "spawner",
            &[
                ("console", KernelCap::Console),
                ("spawner", KernelCap::ProcessSpawner),
                ("boot", KernelCap::BootPackage),
            ],
        );
        spawner.depends_on = alloc::vec!["hello".into()];
        SystemManifest {
            binaries: ["hello", "clock", "spawner", "stranger", "faulter"].iter().map(|n| bin(n)).collect(),
            files: alloc::vec![NamedFile {
                path: "/etc/motd".into(),
                data: b"hi\n".to_vec(),
                ..NamedFile::default()
            }],
            services: alloc::vec![
                svc("hello", &[("console", KernelCap::Console)]),
                clock,
                spawner,
                svc("stranger", &[]),
                svc("faulter", &[("console", KernelCap::Console)]),
            ],
            status_from: "spawner".into(),
        }
    }

    #[test]
    fn status_from_must_name_a_service() {
        let mut m = sample();
        m.status_from = "nobody".into();
        let e = err(&m);
        assert_eq!(e.path, "statusFrom");
        assert_eq!(e.kind, ManifestErrorKind::UnknownStatusService("nobody".into()));
        m.status_from.clear();
        assert!(m.validate().is_ok());
    }

    fn err(m: &SystemManifest) -> ManifestError {
        m.validate().expect_err("manifest should be invalid")
    }

    #[test]
    fn exports_are_checked() {
        let import = |m: &mut SystemManifest, export: &str| {
            m.services[0].caps.push(CapDecl {
                name: "svc".into(),
                source: CapSource::Service { service: "clock".into(), export: export.into() },
            });
        };
        let mut m = sample();
        import(&mut m, "socket");
        assert_eq!(
            m.validate().unwrap_err().kind,
            ManifestErrorKind::UnknownExport("clock".into(), "socket".into())
        );
        export(&mut m, "clock", "socket");
        assert_eq!(m.validate(), Ok(()));
        export(&mut m, "clock", "socket");
        assert_eq!(m.validate().unwrap_err().kind, ManifestErrorKind::DuplicateExport("socket".into()));
        let mut m = sample();
        import(&mut m, "timer");
        export(&mut m, "clock", "timer");
        assert_eq!(
            m.validate().unwrap_err().kind,
            ManifestErrorKind::DuplicateExport("timer".into()),
            "clashes with a cap"
        );
        let mut m = sample();
        m.services[1].exports.push(Export { name: "raw".into(), interface_id: 0 });
        assert_eq!(m.validate().unwrap_err().kind, ManifestErrorKind::ExportWithoutInterface("raw".into()));
    }

    #[test]
    fn too_many_arguments_are_rejected_before_boot() {
        let mut m = SystemManifest::default();
        m.binaries.push(NamedBinary { name: "app".into(), data: alloc::vec![0x7f] });
        m.services.push(Service {
            name: "app".into(),
            binary: "app".into(),
            args: (0..capset::MAX_STRINGS).map(|i| alloc::format!("a{i}")).collect(),
            ..Service::default()
        });
        let e = m.validate().unwrap_err();
        assert_eq!(e.kind, ManifestErrorKind::TooManyStrings(capset::MAX_STRINGS + 1), "{e}");
        m.services[0].args.pop();
        m.validate().unwrap();
    }

    #[test]
    fn round_trip() {
        let mut m = sample();
        export(&mut m, "clock", "socket");
        m.services[0].caps.push(CapDecl {
            name: "net".into(),
            source: CapSource::Service { service: "clock".into(), export: "socket".into() },
        });
        m.services[3].restart = RestartPolicy::Always;
        m.services[2].memory_limit = 256 << 20;
        m.files.push(NamedFile { path: "/var/log".into(), writable: true, ..NamedFile::default() });
        m.files.push(NamedFile {
            path: "/bin/cat".into(),
            symlink: "busybox".into(),
            ..NamedFile::default()
        });
        let bytes = encode(&m).unwrap();
        assert_eq!(bytes.len() % 8, 0);
        assert_eq!(decode(&bytes).unwrap(), m);
        assert_eq!(decode_validated(&bytes).unwrap(), m);
        fuzz_decode(&bytes);
    }

    #[test]
    fn config_keeps_everything_but_contents() {
        let mut m = sample();
        m.files.push(NamedFile {
            path: "/big".into(),
            data: alloc::vec![7; 1 << 20],
            writable: true,
            ..NamedFile::default()
        });
        m.files.push(NamedFile { path: "/motd".into(), symlink: "/etc/motd".into(), ..NamedFile::default() });
        m.services[1].memory_limit = 1 << 30;
        let bytes = encode(&m).unwrap();
        let config_bytes = config(&bytes).unwrap();
        assert!(config_bytes.len() < 64 * 1024, "{} bytes", config_bytes.len());
        let mut expected = m.clone();
        expected.binaries.iter_mut().for_each(|b| b.data.clear());
        expected.files.iter_mut().for_each(|f| f.data.clear());
        assert_eq!(decode_validated(&config_bytes).unwrap(), expected);
        // Bytes that are not word-aligned are read through a copy.
        let mut shifted = alloc::vec![0u8; bytes.len() + 1];
        shifted[1..].copy_from_slice(&bytes);
        assert_eq!(config(&shifted[1..]).unwrap(), config_bytes);
        assert!(config(&bytes[..bytes.len() / 2]).is_err());
        assert!(config(b"not a manifest").is_err());
    }

    #[test]
    fn memory_limits_above_the_spawners_maximum_are_refused() {
        let mut m = sample();
        m.services[0].memory_limit = schema::process_spawner::MAX_MEMORY_LIMIT;
        assert_eq!(m.validate(), Ok(()));
        m.services[0].memory_limit += 1;
        let e = m.validate().unwrap_err();
        assert_eq!(
            e.kind,
            ManifestErrorKind::MemoryLimitTooLarge(schema::process_spawner::MAX_MEMORY_LIMIT + 1)
        );
        assert!(e.path.ends_with(".memoryLimit"), "{}", e.path);
    }

    #[test]
    fn empty_manifest_round_trips() {
        let m = SystemManifest::default();
        let bytes = encode(&m).unwrap();
        assert_eq!(decode(&bytes).unwrap(), m);
        assert_eq!(m.validate(), Ok(()));
        assert!(m.start_order().unwrap().is_empty());
    }

    #[test]
    fn sample_is_valid_and_lookups_work() {
        let m = sample();
        assert_eq!(m.validate(), Ok(()));
        assert_eq!(m.binary("faulter").unwrap().data[4], 7);
        assert!(m.binary("nope").is_none());
        assert_eq!(m.service("clock").unwrap().caps.len(), 3);
        assert!(m.service("nope").is_none());
    }

    #[test]
    fn names_and_interface_ids() {
        for cap in KernelCap::ALL {
            assert_eq!(KernelCap::from_name(cap.name()), Some(cap));
            assert_eq!(KernelCap::from_schema(cap.to_schema()), cap);
            assert_eq!(
                cap.to_schema() as u16 as usize,
                KernelCap::ALL.iter().position(|&c| c == cap).unwrap()
            );
            assert_eq!(alloc::format!("{cap}"), cap.name());
        }
        assert_eq!(KernelCap::from_name("clok"), None);
        assert_eq!(KernelCap::WallClock.interface_id(), capos_schema::interface_id::WALL_CLOCK);
        assert_eq!(KernelCap::Entropy.interface_id(), capos_schema::interface_id::ENTROPY_SOURCE);
        // Distinct interfaces, except that `stderr` is a second Console.
        let ids: BTreeSet<u64> = KernelCap::ALL.iter().map(|c| c.interface_id()).collect();
        assert_eq!(ids.len(), KernelCap::ALL.len() - 1);
        assert_eq!(KernelCap::Stderr.interface_id(), KernelCap::Console.interface_id());
        for p in RestartPolicy::ALL {
            assert_eq!(RestartPolicy::from_name(p.name()), Some(p));
        }
        assert_eq!(RestartPolicy::from_name("sometimes"), None);
        assert_eq!(RestartPolicy::default(), RestartPolicy::Never);
        assert_eq!(alloc::format!("{}", RestartPolicy::OnFailure), "onFailure");
    }

    #[test]
    fn encode_refuses_oversized_manifests() {
        let mut m = sample();
        m.binaries[0].data = alloc::vec![0; MAX_MANIFEST_SIZE];
        let e = encode(&m).unwrap_err();
        assert!(matches!(e.kind, K::TooLarge { size } if size > MAX_MANIFEST_SIZE), "{e}");
        assert!(e.path.is_empty());
        assert!(e.to_string().starts_with("manifest of "), "{e}");
    }

    #[test]
    fn every_error_kind_displays() {
        let kinds = [
            K::TooLarge { size: 1 },
            K::Malformed("x".into()),
            K::NotUtf8,
            K::UnknownEnumValue(3),
            K::SourceUnset,
            K::EmptyName,
            K::InvalidName("a b".into()),
            K::InvalidFilePath("x".into()),
            K::DuplicateService("s".into()),
            K::DuplicateBinary("b".into()),
            K::DuplicateFile("/f".into()),
            K::DuplicateCap("c".into()),
            K::DuplicateDependency("d".into()),
            K::UnknownBinary("b".into()),
            K::UnknownDependency("d".into()),
            K::UnknownSourceService("s".into()),
            K::DependencyCycle(alloc::vec!["a".into(), "a".into()]),
            K::TooManyCaps(65),
            K::InvalidEnv("e".into()),
            K::NulByte,
            K::BootstrapTooLarge(70000),
            K::TooManyStrings(300),
            K::UnknownExport("s".into(), "e".into()),
            K::DuplicateExport("e".into()),
            K::ExportWithoutInterface("e".into()),
        ];
        let texts: BTreeSet<String> = kinds.iter().map(|k| k.to_string()).collect();
        assert_eq!(texts.len(), kinds.len(), "every kind has its own message");
        assert_eq!(ManifestError::new("", K::NotUtf8).to_string(), "text is not UTF-8");
        assert_eq!(
            ManifestError::new("files[0].path", K::EmptyName).to_string(),
            "files[0].path: empty name"
        );
    }

    #[test]
    fn path_keys() {
        assert_eq!(path_key("hello"), ".hello");
        assert_eq!(path_key("_a1"), "._a1");
        assert_eq!(path_key("my-svc"), ".\"my-svc\"");
        assert_eq!(path_key("/etc/motd"), ".\"/etc/motd\"");
        assert_eq!(path_key("1x"), ".\"1x\"");
        assert_eq!(path_key(""), ".\"\"");
    }

    #[test]
    fn start_order_respects_dependencies_and_manifest_order() {
        let m = sample();
        let order: Vec<&str> = m.start_order().unwrap().iter().map(|s| s.name.as_str()).collect();
        assert_eq!(order, ["hello", "clock", "spawner", "stranger", "faulter"]);

        let mut m = sample();
        m.services[0].depends_on = alloc::vec!["faulter".into(), "clock".into()];
        m.services[1].depends_on = alloc::vec!["stranger".into()];
        let order: Vec<&str> = m.start_order().unwrap().iter().map(|s| s.name.as_str()).collect();
        assert_eq!(order, ["faulter", "stranger", "clock", "hello", "spawner"]);

        // A cap that comes from a service orders like a dependency.
        let mut m = sample();
        export(&mut m, "faulter", "log");
        m.services[0].caps.push(CapDecl {
            name: "log".into(),
            source: CapSource::Service { service: "faulter".into(), export: "log".into() },
        });
        let order: Vec<&str> = m.start_order().unwrap().iter().map(|s| s.name.as_str()).collect();
        assert_eq!(order, ["faulter", "hello", "clock", "spawner", "stranger"]);
        assert_eq!(m.validate(), Ok(()));
    }

    #[test]
    fn dependency_cycles() {
        let mut m = sample();
        m.services[0].depends_on = alloc::vec!["clock".into()];
        m.services[1].depends_on = alloc::vec!["spawner".into()];
        // spawner already depends on hello: hello -> clock -> spawner -> hello.
        let e = err(&m);
        assert_eq!(
            e.kind,
            K::DependencyCycle(alloc::vec!["hello".into(), "clock".into(), "spawner".into(), "hello".into()])
        );
        assert_eq!(e.path, "services.hello.dependsOn");
        assert_eq!(
            e.to_string(),
            "services.hello.dependsOn: dependency cycle: hello -> clock -> spawner -> hello"
        );
        assert_eq!(m.start_order().unwrap_err(), e);

        let mut m = sample();
        m.services[3].depends_on = alloc::vec!["stranger".into()];
        assert_eq!(err(&m).kind, K::DependencyCycle(alloc::vec!["stranger".into(), "stranger".into()]));

        // Through a service-sourced cap.
        let mut m = sample();
        export(&mut m, "stranger", "x");
        m.services[3].caps.push(CapDecl {
            name: "y".into(),
            source: CapSource::Service { service: "stranger".into(), export: "x".into() },
        });
        assert_eq!(err(&m).kind, K::DependencyCycle(alloc::vec!["stranger".into(), "stranger".into()]));
    }

    #[test]
    fn long_dependency_chain_does_not_recurse() {
        let n = 5000;
        let mut m = SystemManifest { binaries: alloc::vec![bin("b")], ..SystemManifest::default() };
        for i in 0..n {
            let mut s = svc(&format!("s{i}"), &[]);
            s.binary = "b".into();
            if i + 1 < n {
                s.depends_on = alloc::vec![format!("s{}", i + 1)];
            }
            m.services.push(s);
        }
        assert_eq!(m.validate(), Ok(()));
        let order = m.start_order().unwrap();
        assert_eq!(order[0].name, format!("s{}", n - 1));
        assert_eq!(order[n - 1].name, "s0");
        m.services[n - 1].depends_on = alloc::vec!["s0".into()];
        assert!(matches!(err(&m).kind, K::DependencyCycle(c) if c.len() == n + 1));
    }

    #[test]
    fn duplicate_names() {
        let mut m = sample();
        m.services[4].name = "hello".into();
        m.binaries.push(bin("hello2"));
        let e = err(&m);
        assert_eq!(e, ManifestError::new("services.hello", K::DuplicateService("hello".into())));
        assert_eq!(e.to_string(), "services.hello: duplicate service name \"hello\"");

        let mut m = sample();
        m.binaries.push(bin("clock"));
        assert_eq!(err(&m), ManifestError::new("binaries.clock", K::DuplicateBinary("clock".into())));

        let mut m = sample();
        m.files.push(NamedFile { path: "/etc/motd".into(), ..NamedFile::default() });
        assert_eq!(err(&m), ManifestError::new("files.\"/etc/motd\"", K::DuplicateFile("/etc/motd".into())));

        // A symbolic link has a short target without NUL, no contents and
        // is not writable.
        let link =
            |target: &str| NamedFile { path: "/l".into(), symlink: target.into(), ..NamedFile::default() };
        let bad_link = ManifestError::new("files.\"/l\".symlink", K::InvalidSymlink("/l".into()));
        for file in [
            link(&"x".repeat(MAX_PATH_LEN + 1)),
            link("a\0b"),
            NamedFile { data: b"x".to_vec(), ..link("t") },
            NamedFile { writable: true, ..link("t") },
        ] {
            let mut m = sample();
            m.files.push(file);
            assert_eq!(err(&m), bad_link);
        }
        let mut m = sample();
        m.files.push(link(&"x".repeat(MAX_PATH_LEN)));
        assert!(m.validate().is_ok());

        let mut m = sample();
        m.services[1].caps.push(CapDecl::kernel("timer", KernelCap::Entropy));
        let e = err(&m);
        assert_eq!(e, ManifestError::new("services.clock.caps.timer", K::DuplicateCap("timer".into())));
        assert_eq!(e.to_string(), "services.clock.caps.timer: duplicate cap name \"timer\"");

        let mut m = sample();
        m.services[2].depends_on.push("hello".into());
        assert_eq!(
            err(&m),
            ManifestError::new("services.spawner.dependsOn", K::DuplicateDependency("hello".into()))
        );
    }

    #[test]
    fn unknown_references() {
        let mut m = sample();
        m.services[0].binary = "helo".into();
        let e = err(&m);
        assert_eq!(e, ManifestError::new("services.hello.binary", K::UnknownBinary("helo".into())));
        assert_eq!(e.to_string(), "services.hello.binary: unknown binary \"helo\"");

        let mut m = sample();
        m.services[2].depends_on = alloc::vec!["hallo".into()];
        let e = err(&m);
        assert_eq!(e, ManifestError::new("services.spawner.dependsOn", K::UnknownDependency("hallo".into())));
        assert_eq!(e.to_string(), "services.spawner.dependsOn: depends on unknown service \"hallo\"");

        let mut m = sample();
        m.services[0].caps.push(CapDecl {
            name: "net".into(),
            source: CapSource::Service { service: "network".into(), export: "socket".into() },
        });
        let e = err(&m);
        assert_eq!(
            e,
            ManifestError::new("services.hello.caps.net.source", K::UnknownSourceService("network".into()))
        );
        assert_eq!(
            e.to_string(),
            "services.hello.caps.net.source: cap comes from unknown service \"network\""
        );
    }

    #[test]
    fn empty_and_invalid_names() {
        type Case = (fn(&mut SystemManifest), &'static str, K);
        let cases: Vec<Case> = alloc::vec![
            (|m| m.services[1].name.clear(), "services[1].name", K::EmptyName),
            (|m| m.services[1].name = "a b".into(), "services.\"a b\".name", K::InvalidName("a b".into())),
            (|m| m.services[1].binary.clear(), "services.clock.binary", K::EmptyName),
            (|m| m.binaries[0].name.clear(), "binaries[0].name", K::EmptyName),
            (|m| m.binaries[0].name = "x/y".into(), "binaries[0].name", K::InvalidName("x/y".into())),
            (|m| m.services[1].caps[0].name.clear(), "services.clock.caps[0].name", K::EmptyName),
            (
                |m| m.services[1].caps[0].name = "c".repeat(MAX_CAP_NAME_LEN + 1),
                "services.clock.caps[0].name",
                K::InvalidName("c".repeat(MAX_CAP_NAME_LEN + 1)),
            ),
            (|m| m.services[2].depends_on[0].clear(), "services.spawner.dependsOn[0]", K::EmptyName),
            (
                |m| {
                    m.services[0].caps[0].source =
                        CapSource::Service { service: String::new(), export: "x".into() }
                },
                "services.hello.caps.console.source.service",
                K::EmptyName,
            ),
            (
                |m| {
                    m.services[0].caps[0].source =
                        CapSource::Service { service: "clock".into(), export: String::new() }
                },
                "services.hello.caps.console.source.export",
                K::EmptyName,
            ),
            (|m| m.files[0].path.clear(), "files[0].path", K::EmptyName),
        ];
        for (break_it, path, kind) in cases {
            let mut m = sample();
            break_it(&mut m);
            assert_eq!(err(&m), ManifestError::new(path, kind));
        }
        // The longest allowed names pass.
        let mut m = sample();
        m.services[1].caps[0].name = "c".repeat(MAX_CAP_NAME_LEN);
        m.services[3].name = "s".repeat(MAX_NAME_LEN);
        assert_eq!(m.validate(), Ok(()));
        m.services[3].name.push('s');
        assert!(matches!(err(&m).kind, K::InvalidName(_)));
    }

    #[test]
    fn file_paths() {
        for bad in ["etc/motd", "/", "/etc//motd", "/etc/./motd", "/etc/../motd", "/etc/", "/a\0b"] {
            let mut m = sample();
            m.files[0].path = bad.into();
            assert_eq!(
                err(&m),
                ManifestError::new("files[0].path", K::InvalidFilePath(bad.into())),
                "{bad:?}"
            );
        }
        let mut m = sample();
        m.files[0].path = alloc::format!("/{}", "a".repeat(MAX_PATH_LEN));
        assert!(matches!(err(&m).kind, K::InvalidFilePath(_)));
        m.files[0].path = "/a/b.c/.hidden/d..e".into();
        assert_eq!(m.validate(), Ok(()));
    }

    #[test]
    fn args_env_and_limits() {
        let mut m = sample();
        m.services[1].args.push("a\0b".into());
        assert_eq!(err(&m), ManifestError::new("services.clock.args[2]", K::NulByte));

        let mut m = sample();
        m.services[1].env.push("NOVALUE".into());
        let e = err(&m);
        assert_eq!(e, ManifestError::new("services.clock.env[2]", K::InvalidEnv("NOVALUE".into())));
        assert_eq!(e.to_string(), "services.clock.env[2]: environment entry \"NOVALUE\" is not KEY=VALUE");

        let mut m = sample();
        m.services[1].env.push("=x".into());
        assert_eq!(err(&m).kind, K::InvalidEnv("=x".into()));

        let mut m = sample();
        m.services[1].env.push("A=\0".into());
        assert_eq!(err(&m).kind, K::NulByte);

        let mut m = sample();
        m.services[3].caps =
            (0..=MAX_CAPS).map(|i| CapDecl::kernel(&format!("c{i}"), KernelCap::Timer)).collect();
        assert_eq!(err(&m), ManifestError::new("services.stranger.caps", K::TooManyCaps(MAX_CAPS + 1)));
        m.services[3].caps.pop();
        assert_eq!(m.validate(), Ok(()));

        let mut m = sample();
        m.services[3].args = alloc::vec!["x".repeat(capset::MAX_BOOTSTRAP_SIZE)];
        let e = err(&m);
        assert_eq!(e.path, "services.stranger");
        assert!(matches!(e.kind, K::BootstrapTooLarge(n) if n > capset::MAX_BOOTSTRAP_SIZE), "{e}");
    }

    #[test]
    fn decode_rejects_garbage_cleanly() {
        assert!(matches!(decode(&[]).unwrap_err().kind, K::Malformed(_)));
        assert!(matches!(decode(&[0; 7]).unwrap_err().kind, K::Malformed(_)));
        // A segment table promising more than is there.
        let mut truncated = encode(&sample()).unwrap();
        truncated.truncate(truncated.len() / 2);
        assert!(matches!(decode(&truncated).unwrap_err().kind, K::Malformed(_)));
        // Every truncation and every single-byte corruption of a valid
        // manifest either decodes or fails with an error.
        let good = encode(&sample()).unwrap();
        for len in 0..good.len() {
            let _ = decode(&good[..len]);
        }
        for at in 0..good.len() {
            for v in [0x00, 0xff, 0x41, 0x80] {
                let mut bad = good.clone();
                bad[at] = v;
                fuzz_decode(&bad);
            }
        }
        let huge = alloc::vec![0u8; MAX_MANIFEST_SIZE + 1];
        assert_eq!(decode(&huge).unwrap_err().kind, K::TooLarge { size: MAX_MANIFEST_SIZE + 1 });
    }

    /// A manifest message built with the raw schema, to reach states the
    /// model cannot express.
    fn raw_manifest(build: impl FnOnce(schema::system_manifest::Builder<'_>)) -> Vec<u8> {
        let mut message = Builder::new_default();
        build(message.init_root());
        serialize::write_message_to_words(&message)
    }

    #[test]
    fn decode_rejects_unset_source_bad_utf8_and_unknown_enums() {
        let bytes = raw_manifest(|r| {
            let mut s = r.init_services(1).get(0);
            s.set_name("hello");
            s.reborrow().init_caps(1).get(0).set_name("console");
        });
        let e = decode(&bytes).unwrap_err();
        assert_eq!(e, ManifestError::new("services.hello.caps.console.source", K::SourceUnset));
        assert_eq!(e.to_string(), "services.hello.caps.console.source: cap has no source");

        let bytes = raw_manifest(|r| {
            let mut s = r.init_services(1).get(0);
            s.set_name("hello");
            s.set_binary(capnp::text::Reader::from(&[0xff, 0xfe][..]));
        });
        assert_eq!(decode(&bytes).unwrap_err(), ManifestError::new("services.hello.binary", K::NotUtf8));

        // A restart value this schema does not know: the restart field is
        // the one byte where a message with `always` differs from one with
        // `never`.
        let with = |policy| raw_manifest(|r| r.init_services(1).get(0).set_restart(policy));
        let (never, mut bytes) = (with(schema::RestartPolicy::Never), with(schema::RestartPolicy::Always));
        let at = (0..bytes.len()).find(|&i| bytes[i] != never[i]).unwrap();
        bytes[at] = 9;
        let e = decode(&bytes).unwrap_err();
        assert_eq!(e, ManifestError::new("services[0].restart", K::UnknownEnumValue(9)));
    }

    /// A hand-built message: one binary list of `count` elements whose
    /// data pointers all point at the same blob of `blob_words` words.
    fn aliased_blobs(count: u32, blob_words: u32) -> Vec<u8> {
        let mut words: Vec<u64> = Vec::new();
        let list_words = count * 2;
        // Root pointer: struct at offset 0, 0 data words, 3 pointers.
        words.push(3 << 48);
        // Root pointers: binaries -> tag at word 4 (offset 2), composite.
        words.push((2 << 2) | 1 | (u64::from((list_words << 3) | 7) << 32));
        words.push(0);
        words.push(0);
        // Tag: `count` elements of 0 data words and 2 pointers.
        words.push(u64::from(count << 2) | (2 << 48));
        let blob = 5 + u64::from(list_words);
        for i in 0..u64::from(count) {
            let ptr_word = 5 + 2 * i + 1;
            let offset = blob - (ptr_word + 1);
            words.push(0); // name: null (empty)
            words.push((offset << 2) | 1 | (u64::from((blob_words * 64) | 2) << 32)); // data: bytes
        }
        words.extend(core::iter::repeat_n(0x4141_4141_4141_4141, blob_words as usize));
        let mut bytes = Vec::new();
        bytes.extend_from_slice(&0u32.to_le_bytes());
        bytes.extend_from_slice(&(words.len() as u32).to_le_bytes());
        for w in words {
            bytes.extend_from_slice(&w.to_le_bytes());
        }
        bytes
    }

    #[test]
    fn decode_enforces_traversal_limit() {
        let opts = reader_options(64);
        assert_eq!(opts.traversal_limit_in_words, Some(1024 + 16));
        assert_eq!(opts.nesting_limit, NESTING_LIMIT);
        // One pointer to the blob: fine.
        let m = decode(&aliased_blobs(1, 1024)).unwrap();
        assert_eq!(m.binaries.len(), 1);
        assert_eq!(m.binaries[0].data, alloc::vec![0x41; 8192]);
        assert_eq!(m.binaries[0].name, "");
        // 64 pointers to the same 8 KiB: 512 KiB of reads from a 9 KiB
        // message. The traversal limit stops it.
        let e = decode(&aliased_blobs(64, 1024)).unwrap_err();
        assert!(matches!(&e.kind, K::Malformed(r) if r.contains("limit")), "{e}");
        assert!(e.path.starts_with("binaries["), "{e}");
    }

    #[test]
    fn decode_rejects_out_of_bounds_lists() {
        let bytes = raw_manifest(|r| {
            r.init_services(1);
        });
        let mut bad = bytes.clone();
        // Inflate the services list's word count (its pointer's upper 29
        // bits) without adding data. It is the only list pointer (low bits
        // 01) of the message.
        let list_ptr = bad.chunks(8).rposition(|w| w[0] & 3 == 1).unwrap();
        let at = list_ptr * 8 + 4;
        bad[at..at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(matches!(decode(&bad).unwrap_err().kind, K::Malformed(_)));
        assert!(decode(&bytes).is_ok());
    }
}
