//! `wasm-host`: runs a `wasm32-wasi` program, like `wasmtime run`.
//!
//! ```text
//! wasm-host [--dir PATH[::GUEST]]… [--env K=V]… [--fuel N] [--max-memory BYTES] PROGRAM.wasm ARGS…
//! ```
//!
//! The module is read from PATH through the `fs` cap, validated, linked
//! with `wasi_snapshot_preview1` and its `_start` run with `argv` =
//! `PROGRAM.wasm ARGS…`. `--dir` preopens the file-service directory PATH
//! (named GUEST inside the module, PATH itself by default): the module
//! reaches no other file. `--env` sets one environment variable (the
//! module sees no other), `--fuel` stops it with a trap after N units of
//! fuel, `--max-memory` keeps its memory from growing past BYTES. Exit status: the module's (`proc_exit`, 0 when `_start` returns);
//! 134 after a trap (`wasm trap: …` on stderr, as wasmtime); 1 for a
//! module that cannot be read or is not valid; 2 for a bad option.
//!
//! Started by a POSIX program (`execve`, e.g. from dash), it takes over
//! that program's current directory (relative PATHs and PROGRAM are read
//! from it) and its fds 0–2 as the module's stdio, so wasm and native
//! programs mix in pipelines and redirections
//! (`capos_lib::fd_handover`).
#![no_std]
#![no_main]

extern crate alloc;

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use capos::prelude::*;
use capos_wasm::{Config, Failure, Preopen};

capos::entry_point!(main);

const USAGE: &str =
    "usage: wasm-host [--dir PATH[::GUEST]]... [--env K=V]... [--fuel N] PROGRAM.wasm ARGS...";

fn main(caps: Caps) -> i32 {
    let args: Vec<&str> = caps.args().collect();
    // The current directory of the POSIX program that exec'd this one.
    let cwd = caps.var("CAPOS_CWD").unwrap_or("/");
    let absolute = |path: &str| capos_wasm::join_path(cwd, path);
    let mut config = Config::default();
    let mut i = 1;
    while i < args.len() && args[i].starts_with("--") {
        let (option, value) = (args[i], args.get(i + 1).copied());
        let Some(value) = value else { return usage(&format!("{option} needs a value")) };
        match option {
            "--dir" => {
                let (path, guest) = value.split_once("::").unwrap_or((value, value));
                config.preopens.push(Preopen { path: absolute(path), guest: guest.into() });
            }
            "--env" => {
                if !value.contains('=') {
                    return usage(&format!("--env {value}: expected K=V"));
                }
                config.env.push(value.into());
            }
            "--max-memory" => match value.parse() {
                Ok(n) => config.max_memory = Some(n),
                Err(_) => return usage(&format!("--max-memory {value}: not a number of bytes")),
            },
            "--fuel" => match value.parse() {
                Ok(n) => config.fuel = Some(n),
                Err(_) => return usage(&format!("--fuel {value}: not a number")),
            },
            _ => return usage(&format!("unknown option {option}")),
        }
        i += 2;
    }
    let Some(program) = args.get(i) else { return usage("no program given") };
    config.args = args[i..].iter().map(|s| String::from(*s)).collect();
    let fs = Directory::from_caps(&caps, "fs").ok();
    let Some(root) = fs.as_ref() else {
        return error(&format!("{program}: no file system (no `fs` cap)"), 1);
    };
    let wasm = match root.read_file(&absolute(program)) {
        Ok(bytes) => bytes,
        Err(e) => return error(&format!("{program}: {e}"), 1),
    };
    match capos_wasm::run(&wasm, &config, Some(root)) {
        Ok(status) => status,
        Err(failure) => {
            let message = match &failure {
                Failure::Invalid(why) => format!("{program}: invalid module: {why}"),
                Failure::Setup(why) | Failure::Host(why) => format!("{program}: {why}"),
                Failure::Trap(why) => {
                    let _ = stderr().line(&format!("wasm trap: {why}"));
                    return failure.status();
                }
            };
            error(&message, failure.status())
        }
    }
}

fn error(message: &str, status: i32) -> i32 {
    let _ = stderr().line(&format!("error: {message}"));
    status
}

fn usage(problem: &str) -> i32 {
    let _ = stderr().line(&format!("wasm-host: {problem}"));
    let _ = stderr().line(USAGE);
    2
}
