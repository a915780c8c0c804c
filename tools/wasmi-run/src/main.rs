//! `wasmi-run`: runs a wasm32-wasi module on the host with the same wasmi
//! (version and features) as capOS's `wasm-host`, so `make bench` can put
//! one interpreter on two systems side by side (bench/src/wasm.rs).
//!
//! ```text
//! wasmi-run MODULE.wasm
//! ```
//!
//! It links only what a freestanding benchmark needs from
//! `wasi_snapshot_preview1`: `fd_write` to stdout and stderr,
//! `clock_time_get` (monotonic and realtime, from the host's clocks) and
//! `proc_exit`; a module importing anything else does not link. Exit
//! status: `proc_exit`'s code, 0 when `_start` returns, 134 after a trap,
//! 1 when the module cannot be loaded.

use std::io::Write;
use std::process::ExitCode;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use wasmi::{Caller, Engine, Extern, Linker, Module, Store};

/// The Preview 1 module name.
const WASI: &str = "wasi_snapshot_preview1";
/// WASI errno values used here.
const SUCCESS: i32 = 0;
const BADF: i32 = 8;
const FAULT: i32 = 21;
const INVAL: i32 = 28;

/// What the functions need: the instant the monotonic clock counts from.
struct Host {
    started: Instant,
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let [_, path] = &args[..] else {
        eprintln!("usage: wasmi-run MODULE.wasm");
        return ExitCode::from(2);
    };
    match run(path) {
        Ok(status) => ExitCode::from(status as u8),
        Err(message) => {
            eprintln!("wasmi-run: {path}: {message}");
            ExitCode::from(1)
        }
    }
}

fn run(path: &str) -> Result<i32, String> {
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    let engine = Engine::default();
    let module = Module::new(&engine, &bytes[..]).map_err(|e| format!("invalid module: {e}"))?;
    let mut store = Store::new(&engine, Host { started: Instant::now() });
    let mut linker = Linker::<Host>::new(&engine);
    link(&mut linker).map_err(|e| e.to_string())?;
    let instance = linker.instantiate_and_start(&mut store, &module).map_err(|e| e.to_string())?;
    let start = instance.get_typed_func::<(), ()>(&store, "_start").map_err(|e| e.to_string())?;
    match start.call(&mut store, ()) {
        Ok(()) => Ok(0),
        Err(e) => match (e.i32_exit_status(), e.as_trap_code()) {
            (Some(status), _) => Ok(status),
            (None, Some(code)) => {
                eprintln!("wasm trap: {code}");
                Ok(134)
            }
            (None, None) => Err(e.to_string()),
        },
    }
}

/// The module's memory, as bytes, with the host state.
fn memory<'a>(caller: &'a mut Caller<'_, Host>) -> Option<(&'a mut [u8], &'a mut Host)> {
    let memory = caller.get_export("memory").and_then(Extern::into_memory)?;
    Some(memory.data_and_store_mut(caller))
}

fn read_u32(data: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(data.get(at..at.checked_add(4)?)?.try_into().ok()?))
}

fn link(linker: &mut Linker<Host>) -> Result<(), wasmi::errors::LinkerError> {
    linker.func_wrap(WASI, "proc_exit", |code: i32| -> Result<(), wasmi::Error> {
        Err(wasmi::Error::i32_exit(code))
    })?;
    linker.func_wrap(
        WASI,
        "clock_time_get",
        |mut caller: Caller<'_, Host>, id: i32, _precision: i64, out: i32| -> i32 {
            let Some((data, host)) = memory(&mut caller) else { return FAULT };
            let nanos = match id {
                0 => SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64),
                1 => host.started.elapsed().as_nanos() as u64,
                _ => return INVAL,
            };
            let at = out as u32 as usize;
            match data.get_mut(at..at + 8) {
                Some(slot) => {
                    slot.copy_from_slice(&nanos.to_le_bytes());
                    SUCCESS
                }
                None => FAULT,
            }
        },
    )?;
    linker.func_wrap(
        WASI,
        "fd_write",
        |mut caller: Caller<'_, Host>, fd: i32, iovs: i32, count: i32, written: i32| -> i32 {
            let Some((data, _)) = memory(&mut caller) else { return FAULT };
            let mut bytes = Vec::new();
            for i in 0..count as u32 as usize {
                let entry = iovs as u32 as usize + i * 8;
                let (Some(base), Some(len)) = (read_u32(data, entry), read_u32(data, entry + 4)) else {
                    return FAULT;
                };
                let Some(chunk) = data.get(base as usize..base as usize + len as usize) else { return FAULT };
                bytes.extend_from_slice(chunk);
            }
            // One write of the host fd per call, as wasmtime makes (Rust's
            // stdout alone would buffer it until a newline).
            let result = match fd {
                1 => {
                    let mut out = std::io::stdout().lock();
                    out.write_all(&bytes).and_then(|()| out.flush())
                }
                2 => std::io::stderr().write_all(&bytes),
                _ => return BADF,
            };
            if result.is_err() {
                return BADF;
            }
            let at = written as u32 as usize;
            match data.get_mut(at..at + 4) {
                Some(slot) => {
                    slot.copy_from_slice(&(bytes.len() as u32).to_le_bytes());
                    SUCCESS
                }
                None => FAULT,
            }
        },
    )?;
    Ok(())
}
