//! Building a bootable GRUB ISO (Multiboot2) for a kernel and its modules.
//!
//! The ISO is staged as
//!
//! ```text
//! boot/kernel.elf
//! boot/modules/<file name of each module>
//! boot/grub/grub.cfg
//! ```
//!
//! and packed with `grub-mkrescue` (which needs `xorriso`, GRUB's `i386-pc`
//! modules for BIOS boot and, when GRUB's EFI modules are installed, `mformat`
//! from mtools). A stamp file next to the ISO (`<iso>.stamp`) holds a hash of
//! the generated `grub.cfg` and of the inputs' sizes and modification times;
//! when it matches, the ISO is not rebuilt.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{RunnerError, find_in_path};

/// Where GRUB finds the kernel inside the ISO.
const KERNEL_PATH: &str = "/boot/kernel.elf";
/// Directory of the boot modules inside the ISO.
const MODULES_DIR: &str = "/boot/modules";
/// Bumped when the staging layout changes, so old stamps stop matching.
const STAGING_FORMAT: &str = "capos-iso-v1";

/// What goes into a boot ISO.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IsoSpec {
    /// The Multiboot2 kernel ELF.
    pub kernel: PathBuf,
    /// The kernel command line (split at whitespace into words; each word is
    /// passed to the kernel literally, quoted for GRUB as needed).
    pub cmdline: String,
    /// Multiboot2 modules, in the order GRUB loads them.
    pub modules: Vec<IsoModule>,
}

/// One Multiboot2 module: a file and the command line GRUB passes with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IsoModule {
    /// The file to load; it appears in the ISO as `/boot/modules/<file name>`.
    pub path: PathBuf,
    /// The module's command line (often just its name, so the kernel can find it).
    pub cmdline: String,
}

impl IsoSpec {
    /// A spec for `kernel` with `cmdline` and no modules.
    pub fn new(kernel: impl Into<PathBuf>, cmdline: impl Into<String>) -> Self {
        IsoSpec { kernel: kernel.into(), cmdline: cmdline.into(), modules: Vec::new() }
    }
}

impl IsoModule {
    /// A module whose command line is its file name (the convention the
    /// `qemu-runner` binary uses when no command line is given).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        let path = path.into();
        let cmdline = path.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
        IsoModule { path, cmdline }
    }

    /// A module with an explicit command line.
    pub fn with_cmdline(path: impl Into<PathBuf>, cmdline: impl Into<String>) -> Self {
        IsoModule { path: path.into(), cmdline: cmdline.into() }
    }

    /// The module's file name inside `/boot/modules`.
    fn iso_name(&self) -> Result<String, RunnerError> {
        self.path.file_name().and_then(|name| name.to_str()).map(str::to_owned).ok_or_else(|| {
            RunnerError::InvalidInput(format!("module path `{}` has no UTF-8 file name", self.path.display()))
        })
    }
}

/// The `grub.cfg` text for `spec`: no menu delay, one entry that loads the
/// kernel with `multiboot2` and each module with `module2`.
///
/// Fails if two modules have the same file name or a command line contains a
/// newline.
pub fn grub_cfg(spec: &IsoSpec) -> Result<String, RunnerError> {
    let mut cfg = String::new();
    cfg.push_str("set timeout=0\nset default=0\n\nmenuentry \"capOS\" {\n");
    let _ = writeln!(cfg, "    multiboot2 {KERNEL_PATH}{}", grub_args(&spec.cmdline, "kernel")?);
    let mut seen = HashSet::new();
    for module in &spec.modules {
        let name = module.iso_name()?;
        if !seen.insert(name.clone()) {
            return Err(RunnerError::InvalidInput(format!(
                "two modules are named `{name}`; module file names must be unique"
            )));
        }
        let _ = writeln!(
            cfg,
            "    module2 {}{}",
            grub_word(&format!("{MODULES_DIR}/{name}")),
            grub_args(&module.cmdline, "module")?
        );
    }
    cfg.push_str("    boot\n}\n");
    Ok(cfg)
}

/// ` word word ...` (with a leading space), or an empty string.
fn grub_args(cmdline: &str, what: &str) -> Result<String, RunnerError> {
    if cmdline.contains(['\n', '\r']) {
        return Err(RunnerError::InvalidInput(format!(
            "the {what} command line {cmdline:?} contains a line break"
        )));
    }
    Ok(cmdline.split_whitespace().map(|word| format!(" {}", grub_word(word))).collect())
}

/// Quote `word` for GRUB's script parser if it has special characters.
fn grub_word(word: &str) -> String {
    const SPECIAL: &[char] = &['"', '\'', '\\', '$', ';', '|', '&', '<', '>', '{', '}', '#', ' ', '\t'];
    if word.is_empty() || word.contains(SPECIAL) {
        format!("'{}'", word.replace('\'', r"'\''"))
    } else {
        word.to_owned()
    }
}

/// Build the ISO `out` for `spec` with `grub-mkrescue`, unless `out` and its
/// stamp show it is already up to date.
///
/// `grub-mkrescue`'s output is captured and only shown (in the error) when it
/// fails. Missing tools give [`RunnerError::ToolMissing`].
pub fn build_iso(spec: &IsoSpec, out: &Path) -> Result<(), RunnerError> {
    let cfg = grub_cfg(spec)?;
    if !spec.kernel.is_file() {
        return Err(RunnerError::MissingInput { what: "kernel", path: spec.kernel.clone() });
    }
    for module in &spec.modules {
        if !module.path.is_file() {
            return Err(RunnerError::MissingInput { what: "module", path: module.path.clone() });
        }
    }

    let stamp_path = stamp_path(out);
    let stamp = stamp(spec, &cfg)?;
    if out.is_file() && fs::read_to_string(&stamp_path).is_ok_and(|old| old == stamp) {
        return Ok(());
    }

    check_tools()?;
    let parent = out.parent().filter(|p| !p.as_os_str().is_empty());
    if let Some(parent) = parent {
        fs::create_dir_all(parent)
            .map_err(|e| RunnerError::io(format!("creating {}", parent.display()), e))?;
    }
    let stage = staging_dir(out);
    stage_files(spec, &cfg, &stage)?;

    // A failed build must not leave a matching stamp next to an old ISO.
    remove_if_exists(&stamp_path)?;
    let mut command = Command::new("grub-mkrescue");
    command.arg("-o").arg(out).arg(&stage);
    let output = command.output().map_err(|e| RunnerError::io("starting grub-mkrescue", e))?;
    if !output.status.success() {
        let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
        text.push_str(&String::from_utf8_lossy(&output.stderr));
        return Err(RunnerError::ToolFailed {
            command: format!("grub-mkrescue -o {} {}", out.display(), stage.display()),
            status: output.status,
            output: text,
        });
    }
    fs::write(&stamp_path, stamp)
        .map_err(|e| RunnerError::io(format!("writing {}", stamp_path.display()), e))?;
    let _ = fs::remove_dir_all(&stage);
    Ok(())
}

fn stamp_path(out: &Path) -> PathBuf {
    let mut name = out.as_os_str().to_owned();
    name.push(".stamp");
    PathBuf::from(name)
}

fn staging_dir(out: &Path) -> PathBuf {
    let mut name = out.as_os_str().to_owned();
    name.push(".staging");
    PathBuf::from(name)
}

/// The stamp text: a hash of the staging format, the cfg and every input's
/// path, size and modification time.
fn stamp(spec: &IsoSpec, cfg: &str) -> Result<String, RunnerError> {
    let mut hasher = Fnv64::new();
    hasher.write(STAGING_FORMAT.as_bytes());
    hasher.write(cfg.as_bytes());
    let inputs = std::iter::once(&spec.kernel).chain(spec.modules.iter().map(|m| &m.path));
    for path in inputs {
        let meta =
            fs::metadata(path).map_err(|e| RunnerError::io(format!("reading {}", path.display()), e))?;
        let mtime = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        hasher.write(path.as_os_str().as_encoded_bytes());
        hasher.write(&meta.len().to_le_bytes());
        hasher.write(&mtime.to_le_bytes());
    }
    Ok(format!("{:016x}\n", hasher.finish()))
}

fn check_tools() -> Result<(), RunnerError> {
    const PURPOSE: &str = "to build the boot ISO";
    for tool in ["grub-mkrescue", "xorriso"] {
        if find_in_path(Path::new(tool)).is_none() {
            return Err(RunnerError::ToolMissing { tool: tool.to_owned(), purpose: PURPOSE });
        }
    }
    let grub_lib = ["/usr/lib/grub", "/usr/local/lib/grub"];
    if !grub_lib.iter().any(|dir| Path::new(dir).join("i386-pc").is_dir()) {
        return Err(RunnerError::ToolMissing {
            tool: "grub-pc-bin (GRUB's i386-pc modules)".to_owned(),
            purpose: "to make the ISO bootable by QEMU's BIOS",
        });
    }
    let has_efi = grub_lib.iter().any(|dir| Path::new(dir).join("x86_64-efi").is_dir());
    if has_efi && find_in_path(Path::new("mformat")).is_none() {
        return Err(RunnerError::ToolMissing {
            tool: "mformat (mtools)".to_owned(),
            purpose: "by grub-mkrescue for the EFI boot image",
        });
    }
    Ok(())
}

fn stage_files(spec: &IsoSpec, cfg: &str, stage: &Path) -> Result<(), RunnerError> {
    if stage.exists() {
        fs::remove_dir_all(stage).map_err(|e| RunnerError::io(format!("clearing {}", stage.display()), e))?;
    }
    let grub_dir = stage.join("boot/grub");
    let modules_dir = stage.join("boot/modules");
    for dir in [&grub_dir, &modules_dir] {
        fs::create_dir_all(dir).map_err(|e| RunnerError::io(format!("creating {}", dir.display()), e))?;
    }
    copy(&spec.kernel, &stage.join("boot/kernel.elf"))?;
    for module in &spec.modules {
        copy(&module.path, &modules_dir.join(module.iso_name()?))?;
    }
    let cfg_path = grub_dir.join("grub.cfg");
    fs::write(&cfg_path, cfg).map_err(|e| RunnerError::io(format!("writing {}", cfg_path.display()), e))
}

fn copy(from: &Path, to: &Path) -> Result<(), RunnerError> {
    fs::copy(from, to)
        .map(drop)
        .map_err(|e| RunnerError::io(format!("copying {} to {}", from.display(), to.display()), e))
}

fn remove_if_exists(path: &Path) -> Result<(), RunnerError> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(RunnerError::io(format!("removing {}", path.display()), e))
        }
        _ => Ok(()),
    }
}

/// FNV-1a, 64 bit: stable across Rust versions, unlike `DefaultHasher`.
struct Fnv64(u64);

impl Fnv64 {
    fn new() -> Self {
        Fnv64(0xcbf2_9ce4_8422_2325)
    }

    fn write(&mut self, bytes: &[u8]) {
        // A length prefix keeps ("ab", "c") and ("a", "bc") apart.
        for &byte in (bytes.len() as u64).to_le_bytes().iter().chain(bytes) {
            self.0 ^= u64::from(byte);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cfg_without_cmdline_or_modules() {
        let spec = IsoSpec::new("build/kernel.elf", "");
        assert_eq!(
            grub_cfg(&spec).unwrap(),
            "set timeout=0\nset default=0\n\nmenuentry \"capOS\" {\n    \
             multiboot2 /boot/kernel.elf\n    boot\n}\n"
        );
    }

    #[test]
    fn cfg_with_cmdline_and_modules() {
        let mut spec = IsoSpec::new("k.elf", "ktest  ktest.trigger=page-fault");
        spec.modules.push(IsoModule::new("target/init"));
        spec.modules.push(IsoModule::with_cmdline("x/shell.wasm", "shell --verbose"));
        let cfg = grub_cfg(&spec).unwrap();
        let lines: Vec<&str> = cfg.lines().map(str::trim).collect();
        assert_eq!(
            lines,
            [
                "set timeout=0",
                "set default=0",
                "",
                "menuentry \"capOS\" {",
                "multiboot2 /boot/kernel.elf ktest ktest.trigger=page-fault",
                "module2 /boot/modules/init init",
                "module2 /boot/modules/shell.wasm shell --verbose",
                "boot",
                "}",
            ]
        );
    }

    #[test]
    fn cfg_quotes_special_words() {
        let spec = IsoSpec::new("k", "a=$x it's");
        let cfg = grub_cfg(&spec).unwrap();
        assert!(cfg.contains(r"multiboot2 /boot/kernel.elf 'a=$x' 'it'\''s'"), "{cfg}");
    }

    #[test]
    fn cfg_rejects_duplicate_module_names_and_newlines() {
        let mut spec = IsoSpec::new("k", "");
        spec.modules.push(IsoModule::new("a/init"));
        spec.modules.push(IsoModule::new("b/init"));
        assert!(matches!(grub_cfg(&spec), Err(RunnerError::InvalidInput(_))));
        let spec = IsoSpec::new("k", "a\nb");
        assert!(matches!(grub_cfg(&spec), Err(RunnerError::InvalidInput(_))));
    }

    #[test]
    fn missing_kernel_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let spec = IsoSpec::new(dir.path().join("nope.elf"), "");
        let err = build_iso(&spec, &dir.path().join("x.iso")).unwrap_err();
        assert!(matches!(err, RunnerError::MissingInput { what: "kernel", .. }));
        assert!(err.to_string().contains("nope.elf"), "{err}");
    }

    #[test]
    fn stamp_tracks_cfg_and_inputs() {
        let dir = tempfile::tempdir().unwrap();
        let kernel = dir.path().join("kernel.elf");
        fs::write(&kernel, b"elf").unwrap();
        let spec = IsoSpec::new(&kernel, "");
        let a = stamp(&spec, &grub_cfg(&spec).unwrap()).unwrap();
        assert_eq!(a, stamp(&spec, &grub_cfg(&spec).unwrap()).unwrap());
        let other = IsoSpec::new(&kernel, "ktest");
        assert_ne!(a, stamp(&other, &grub_cfg(&other).unwrap()).unwrap());
        fs::write(&kernel, b"elf64").unwrap();
        assert_ne!(a, stamp(&spec, &grub_cfg(&spec).unwrap()).unwrap());
    }

    #[test]
    fn up_to_date_iso_is_not_rebuilt() {
        // With a matching stamp, build_iso must return without running
        // grub-mkrescue (so this passes even where GRUB is not installed).
        let dir = tempfile::tempdir().unwrap();
        let kernel = dir.path().join("kernel.elf");
        fs::write(&kernel, b"elf").unwrap();
        let spec = IsoSpec::new(&kernel, "");
        let out = dir.path().join("out.iso");
        fs::write(&out, b"old iso").unwrap();
        fs::write(stamp_path(&out), stamp(&spec, &grub_cfg(&spec).unwrap()).unwrap()).unwrap();
        build_iso(&spec, &out).unwrap();
        assert_eq!(fs::read(&out).unwrap(), b"old iso");
    }

    #[test]
    fn builds_a_real_iso_and_skips_rebuilds() {
        let _guard = crate::TEST_SPAWN_LOCK.lock().unwrap_or_else(|e| e.into_inner());
        if let Err(missing) = check_tools() {
            eprintln!("skipping: {missing}");
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let kernel = dir.path().join("kernel.elf");
        let module = dir.path().join("init");
        fs::write(&kernel, b"not an ELF, GRUB only copies it").unwrap();
        fs::write(&module, b"module").unwrap();
        let mut spec = IsoSpec::new(&kernel, "ktest");
        spec.modules.push(IsoModule::new(&module));
        let out = dir.path().join("iso/test.iso");
        build_iso(&spec, &out).unwrap();
        assert!(out.is_file());
        assert!(!staging_dir(&out).exists());
        let built = fs::metadata(&out).unwrap().modified().unwrap();

        // The ISO holds the staged layout and our grub.cfg.
        let listing = Command::new("xorriso")
            .args(["-indev"])
            .arg(&out)
            .args(["-find", "/boot", "-type", "f"])
            .output()
            .unwrap();
        let listing = String::from_utf8_lossy(&listing.stdout);
        for file in ["/boot/kernel.elf", "/boot/modules/init", "/boot/grub/grub.cfg"] {
            assert!(listing.contains(file), "{file} missing from:\n{listing}");
        }

        build_iso(&spec, &out).unwrap();
        assert_eq!(fs::metadata(&out).unwrap().modified().unwrap(), built);
        spec.cmdline = "other".into();
        build_iso(&spec, &out).unwrap();
        assert_ne!(fs::metadata(&out).unwrap().modified().unwrap(), built);
    }
}
