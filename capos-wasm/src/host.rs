//! The host state one module runs with: its arguments and environment,
//! its fd table (stdio and the preopens) and the caps behind clocks and
//! random bytes. Built from [`Config`] before the module starts.

use alloc::format;
use alloc::rc::Rc;
use alloc::string::String;
use alloc::vec::Vec;

use capos_rt::Borrowed;
use capos_rt::client::{EntropySource, Timer, WallClock};
use capos_rt::fs::{Directory, NodeKind};

use crate::fds::{DirFd, Entry, FdTable, Object, rights};

/// A directory the module may reach: `path` in the file service, named
/// `guest` inside the module (`--dir PATH[::GUEST]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preopen {
    /// The file-service path.
    pub path: String,
    /// The module's name for it.
    pub guest: String,
}

/// What a module runs with.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// `argv` (the first is the program's name).
    pub args: Vec<String>,
    /// `K=V` strings.
    pub env: Vec<String>,
    /// Preopened directories, fds 3, 4, … in order.
    pub preopens: Vec<Preopen>,
    /// Fuel for the whole run (`--fuel`), or no limit.
    pub fuel: Option<u64>,
    /// Most bytes a linear memory may grow to (`--max-memory`): a
    /// `memory.grow` past it returns -1.
    pub max_memory: Option<usize>,
}

/// The state every WASI function works on.
pub struct Host {
    /// `argv`.
    pub args: Vec<String>,
    /// `K=V` strings.
    pub env: Vec<String>,
    /// The fd table.
    pub fds: FdTable,
    /// `timer`: the monotonic clock and sleeps.
    pub timer: Option<Borrowed<'static, Timer>>,
    /// `wallClock`: the realtime clock.
    pub wall: Option<Borrowed<'static, WallClock>>,
    /// `entropy`: `random_get`.
    pub entropy: Option<Borrowed<'static, EntropySource>>,
    /// wasmi's resource limits (`--max-memory`).
    pub limits: wasmi::StoreLimits,
}

impl Host {
    /// The host state for `config`: opens each preopen below `fs` (an
    /// error names the one that failed).
    pub fn new(config: &Config, fs: Option<&Directory>) -> Result<Self, String> {
        let caps = capos_rt::entry::caps();
        let timer = caps.as_ref().and_then(|c| Timer::from_caps(c, "timer").ok());
        let wall = caps.as_ref().and_then(|c| WallClock::from_caps(c, "wallClock").ok());
        let entropy = caps.as_ref().and_then(|c| EntropySource::from_caps(c, "entropy").ok());
        let handover =
            caps.as_ref().and_then(|c| c.var("CAPOS_FDS")).and_then(capos_lib::fd_handover::Handover::parse);
        let mut fds = FdTable::with_stdio(handover.as_ref());
        for preopen in &config.preopens {
            let fs = fs.ok_or_else(|| format!("--dir {}: no file system (no `fs` cap)", preopen.path))?;
            let dir = open_preopen(fs, &preopen.path).map_err(|e| format!("--dir {}: {e}", preopen.path))?;
            let entry = Entry {
                object: Object::Dir(DirFd {
                    root: Rc::new(dir),
                    path: String::from("."),
                    preopen: Some(preopen.guest.clone()),
                    listing: Vec::new(),
                }),
                rights_base: rights::DIRECTORY,
                rights_inheriting: rights::ALL,
                flags: 0,
            };
            fds.insert(entry).map_err(|_| String::from("too many --dir"))?;
        }
        let mut limits = wasmi::StoreLimitsBuilder::new();
        if let Some(bytes) = config.max_memory {
            limits = limits.memory_size(bytes);
        }
        Ok(Self {
            args: config.args.clone(),
            env: config.env.clone(),
            fds,
            timer,
            wall,
            entropy,
            limits: limits.build(),
        })
    }
}

/// The preopen's own cap: writable when the file service allows it, else
/// read-only.
fn open_preopen(fs: &Directory, path: &str) -> Result<Directory, capos_abi::error::CapError> {
    match fs.stat(path)?.kind {
        NodeKind::Directory => {}
        NodeKind::File | NodeKind::Symlink => return Err(capos_abi::error::CapError::NotADirectory),
    }
    fs.open_dir(path, false).or_else(|_| fs.open_dir(path, true))
}
