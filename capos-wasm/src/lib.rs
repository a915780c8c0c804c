//! capOS's WebAssembly host: runs a `wasm32-wasi` (WASI Preview 1) module
//! on [`wasmi`] with every function of `wasi_snapshot_preview1` served over
//! capOS caps. `apps/wasm-host` is its command line; `docs/wasi.md` lists
//! each WASI function (implemented, partial, or `ENOSYS`).
//!
//! - [`host`]: the module's [`Config`] and the [`Host`] state;
//! - [`fds`]: the fd table, preopens and the path sandbox;
//! - [`guest`]: checked access to the module's memory;
//! - [`errno`]: WASI errno, and `CapError` → errno in one function;
//! - [`wasi`]: the functions; [`link`]: linking them.
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

pub mod errno;
pub mod fds;
pub mod guest;
pub mod host;
pub mod link;
pub mod wasi;

use alloc::format;
use alloc::string::{String, ToString};

use capos_rt::fs::Directory;
use wasmi::{Engine, Linker, Module, Store, TrapCode};

pub use capos_fs::path::join as join_path;
pub use host::{Config, Host, Preopen};

/// Why a run ended without an exit status of the module's own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The bytes are not a valid module (or it cannot be linked): status 1.
    Invalid(String),
    /// The host could not set the run up (a `--dir` that cannot be
    /// opened): status 1.
    Setup(String),
    /// The module trapped (wasmtime's wording of the trap): status 134,
    /// as wasmtime exits after a trap (128 + SIGABRT).
    Trap(String),
    /// A WASI call ended the run (a pointer outside memory): status 1.
    Host(String),
}

impl Failure {
    /// The exit status of a run that failed this way.
    pub fn status(&self) -> i32 {
        match self {
            Failure::Invalid(_) | Failure::Setup(_) | Failure::Host(_) => 1,
            Failure::Trap(_) => 134,
        }
    }
}

/// wasmtime's message for a trap, so both runtimes say the same.
fn trap_message(code: TrapCode) -> &'static str {
    match code {
        TrapCode::UnreachableCodeReached => "wasm `unreachable` instruction executed",
        TrapCode::MemoryOutOfBounds => "out of bounds memory access",
        TrapCode::TableOutOfBounds => "undefined element: out of bounds table access",
        TrapCode::IndirectCallToNull => "uninitialized element",
        TrapCode::IntegerDivisionByZero => "integer divide by zero",
        TrapCode::IntegerOverflow => "integer overflow",
        TrapCode::BadConversionToInteger => "invalid conversion to integer",
        TrapCode::StackOverflow => "call stack exhausted",
        TrapCode::BadSignature => "indirect call type mismatch",
        TrapCode::OutOfFuel => "all fuel consumed by WebAssembly",
        TrapCode::GrowthOperationLimited => "growth operation limited",
        _ => "unknown trap",
    }
}

/// Runs module `wasm` (`_start`) with `config`, its preopens found below
/// `fs`. Returns the module's exit status: `proc_exit`'s code, or 0 when
/// `_start` returns.
pub fn run(wasm: &[u8], config: &Config, fs: Option<&Directory>) -> Result<i32, Failure> {
    let mut engine_config = wasmi::Config::default();
    engine_config.consume_fuel(config.fuel.is_some());
    let engine = Engine::new(&engine_config);
    let module = Module::new(&engine, wasm).map_err(|e| Failure::Invalid(e.to_string()))?;
    let host = Host::new(config, fs).map_err(Failure::Setup)?;
    let mut store = Store::new(&engine, host);
    store.limiter(|host| &mut host.limits);
    if let Some(fuel) = config.fuel {
        store.set_fuel(fuel).map_err(|e| Failure::Setup(e.to_string()))?;
    }
    let mut linker = Linker::new(&engine);
    link::link(&mut linker).map_err(|e| Failure::Setup(e.to_string()))?;
    let has_start = module.exports().any(|export| export.name() == "_start");
    if !has_start {
        return Err(Failure::Invalid(String::from("the module exports no `_start` function")));
    }
    // Linking (an import this host lacks, a type that differs) fails
    // before anything runs: an invalid module. A start function that
    // traps or exits is the module's own doing.
    let instance = match linker.instantiate_and_start(&mut store, &module) {
        Ok(instance) => instance,
        Err(e) if e.i32_exit_status().is_some() || e.as_trap_code().is_some() => return ended(&e),
        Err(e) => return Err(Failure::Invalid(e.to_string())),
    };
    let start = instance.get_typed_func::<(), ()>(&store, "_start").map_err(|_| {
        Failure::Invalid(String::from("`_start` is not a function without parameters or results"))
    })?;
    match start.call(&mut store, ()) {
        Ok(()) => Ok(0),
        Err(e) => ended(&e),
    }
}

/// How a run that stopped with `e` ends: `proc_exit`'s status, or a trap.
fn ended(e: &wasmi::Error) -> Result<i32, Failure> {
    if let Some(status) = e.i32_exit_status() {
        return Ok(status);
    }
    match e.as_trap_code() {
        Some(code) => Err(Failure::Trap(trap_message(code).into())),
        None => Err(Failure::Host(format!("{e}"))),
    }
}
