//! How QEMU boots capOS: QEMU's direct kernel boot (the kernel's PVH entry,
//! `-kernel`/`-initrd`/`-append`; no firmware boot menu, no image to make)
//! or a GRUB ISO (Multiboot2; what real machines and `make iso` use).
//!
//! Both boot the same [`IsoSpec`] (a kernel, its command line and its
//! modules): [`prepare_boot`] makes the [`Boot`] a [`crate::QemuConfig`]
//! starts, building the ISO only for [`BootMethod::Iso`]. Direct boot
//! carries one module (QEMU's `-initrd`), which is all capOS uses: the boot
//! manifest.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use crate::{IsoSpec, RunnerError, build_iso};

/// How to boot: the choice a caller makes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum BootMethod {
    /// QEMU loads the kernel ELF itself and enters its PVH entry point.
    #[default]
    Direct,
    /// Through GRUB on a boot ISO (Multiboot2).
    Iso,
}

impl BootMethod {
    /// The name [`FromStr`] takes.
    pub fn as_str(self) -> &'static str {
        match self {
            BootMethod::Direct => "direct",
            BootMethod::Iso => "iso",
        }
    }
}

impl fmt::Display for BootMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for BootMethod {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "direct" => Ok(BootMethod::Direct),
            "iso" => Ok(BootMethod::Iso),
            other => Err(format!("unknown boot method `{other}` (use direct or iso)")),
        }
    }
}

/// What QEMU boots.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Boot {
    /// A GRUB boot ISO (from [`build_iso`]).
    Iso(PathBuf),
    /// QEMU's direct kernel boot.
    Direct {
        /// The kernel ELF (with the PVH entry note).
        kernel: PathBuf,
        /// The one boot module, if any (`-initrd`).
        initrd: Option<PathBuf>,
        /// The kernel command line (`-append`).
        cmdline: String,
    },
}

impl Boot {
    /// The files QEMU reads, each with what it is (for error messages).
    pub(crate) fn inputs(&self) -> Vec<(&'static str, &Path)> {
        match self {
            Boot::Iso(iso) => vec![("boot ISO", iso.as_path())],
            Boot::Direct { kernel, initrd, .. } => {
                let mut files = vec![("kernel", kernel.as_path())];
                files.extend(initrd.as_deref().map(|m| ("boot module", m)));
                files
            }
        }
    }
}

/// Makes `spec` bootable by `method`: for [`BootMethod::Iso`] builds the
/// ISO at `iso` (reused when its inputs have not changed); for
/// [`BootMethod::Direct`] checks that `spec` has at most one module (the
/// modules' own command lines are not passed: capOS does not read them).
pub fn prepare_boot(spec: &IsoSpec, method: BootMethod, iso: &Path) -> Result<Boot, RunnerError> {
    match method {
        BootMethod::Iso => {
            build_iso(spec, iso)?;
            Ok(Boot::Iso(iso.to_path_buf()))
        }
        BootMethod::Direct => {
            if spec.modules.len() > 1 {
                return Err(RunnerError::InvalidInput(format!(
                    "direct kernel boot carries one module, not {} (boot an ISO for more)",
                    spec.modules.len()
                )));
            }
            Ok(Boot::Direct {
                kernel: spec.kernel.clone(),
                initrd: spec.modules.first().map(|m| m.path.clone()),
                cmdline: spec.cmdline.clone(),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::IsoModule;

    #[test]
    fn methods_parse_and_print() {
        for method in [BootMethod::Direct, BootMethod::Iso] {
            assert_eq!(method.as_str().parse::<BootMethod>(), Ok(method));
        }
        assert!("grub".parse::<BootMethod>().is_err());
        assert_eq!(BootMethod::default(), BootMethod::Direct);
    }

    #[test]
    fn direct_boot_takes_the_kernel_one_module_and_the_cmdline() {
        let mut spec = IsoSpec::new("k.elf", "poweroff loglevel=warn");
        let none = prepare_boot(&spec, BootMethod::Direct, Path::new("unused.iso")).unwrap();
        assert_eq!(
            none,
            Boot::Direct { kernel: "k.elf".into(), initrd: None, cmdline: "poweroff loglevel=warn".into() }
        );
        spec.modules.push(IsoModule::new("m.bin"));
        let one = prepare_boot(&spec, BootMethod::Direct, Path::new("unused.iso")).unwrap();
        assert_eq!(one.inputs(), [("kernel", Path::new("k.elf")), ("boot module", Path::new("m.bin"))]);
        spec.modules.push(IsoModule::new("n.bin"));
        let two = prepare_boot(&spec, BootMethod::Direct, Path::new("unused.iso"));
        assert!(matches!(two, Err(RunnerError::InvalidInput(m)) if m.contains("one module")));
        assert!(!Path::new("unused.iso").exists());
    }
}
