//! `call CAP METHOD [ARGS...]`: a typed call of one method of one of the
//! shell's caps, with the results printed as `field = value` lines.
//!
//! The arguments are the method's scalar and text params, in schema order
//! (numbers in decimal). Methods that take or return caps, or structured
//! params, are refused with a message: `call` is for looking at things.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use capos::client::{Echo, TerminalMode};
use capos::prelude::*;
use capos::schema::{interface, interface_id as id};

use crate::{STATUS_USAGE, Shell};

fn parse<T: core::str::FromStr>(shell: &Shell, what: &str, text: Option<&&str>) -> Result<T, i32> {
    let Some(text) = text else {
        shell.error(&format!("call: missing argument {what}"));
        return Err(STATUS_USAGE);
    };
    text.parse().map_err(|_| {
        shell.error(&format!("call: {what} must be a number, not {text:?}"));
        STATUS_USAGE
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Runs `call` with `args` (CAP METHOD ARGS...).
pub fn call(shell: &mut Shell, args: &[&str]) -> i32 {
    let [cap_name, method, rest @ ..] = args else {
        shell.error("usage: call CAP METHOD [ARGS...] (see `caps` for the caps)");
        return STATUS_USAGE;
    };
    let Some(entry) = shell.caps.entry(cap_name) else {
        shell.error(&format!("call: this shell holds no cap {cap_name:?} (see `caps`)"));
        return STATUS_USAGE;
    };
    let Some(info) = interface(entry.interface_id) else {
        shell.error(&format!("call: {cap_name} has an interface this shell does not know"));
        return STATUS_USAGE;
    };
    if !info.methods.contains(method) {
        shell.error(&format!(
            "call: {} has no method {method:?} (methods: {})",
            info.name,
            info.methods.join(", ")
        ));
        return STATUS_USAGE;
    }
    match invoke(shell, entry.interface_id, entry.cap_id, method, rest) {
        Ok(Ok(lines)) => {
            let mut text = String::new();
            for line in lines {
                text.push_str(&line);
                text.push('\n');
            }
            let _ = shell.out.print(&text);
            0
        }
        Ok(Err(e)) => {
            shell.error(&format!("call: {}.{method}: {e}", info.name));
            1
        }
        Err(status) => status,
    }
}

type Lines = Result<Vec<String>, CapError>;

/// Makes the call; the outer `Err` is a usage problem (already reported).
fn invoke(shell: &Shell, iface: u64, cap: u32, method: &str, args: &[&str]) -> Result<Lines, i32> {
    let none = Ok(Vec::new());
    Ok(match (iface, method) {
        (id::TIMER, "now") => {
            Borrowed::<Timer>::from_id(cap).now().map(|ns| alloc::vec![format!("ns = {ns}")])
        }
        (id::TIMER, "sleep") => {
            let ns: u64 = parse(shell, "ns", args.first())?;
            Borrowed::<Timer>::from_id(cap).sleep(ns).and(none)
        }
        (id::WALL_CLOCK, "now") => Borrowed::<WallClock>::from_id(cap).now().map(|t| {
            alloc::vec![
                format!("seconds = {}", t.seconds),
                format!("nanos = {}", t.nanos),
                format!("provenance = {:?}", t.provenance),
            ]
        }),
        (id::ENTROPY_SOURCE, "getBytes") => {
            let count: u32 = parse(shell, "count", args.first())?;
            Borrowed::<EntropySource>::from_id(cap)
                .get_bytes(count)
                .map(|b| alloc::vec![format!("bytes = {}", hex(&b))])
        }
        (id::CONSOLE, "write") => Borrowed::<Console>::from_id(cap).write(&args.join(" ")).and(none),
        (id::CONSOLE, "writeBytes") => {
            let mut text = args.join(" ");
            text.push('\n');
            Borrowed::<Console>::from_id(cap).write_bytes(text.as_bytes()).and(none)
        }
        (id::BOOT_PACKAGE, "manifestSize") => {
            Borrowed::<BootPackage>::from_id(cap).manifest_size().map(|n| alloc::vec![format!("size = {n}")])
        }
        (id::BOOT_PACKAGE, "listBinaries") => Borrowed::<BootPackage>::from_id(cap)
            .list_binaries()
            .map(|names| names.into_iter().map(|n| format!("names = {n}")).collect()),
        (id::BOOT_PACKAGE, "binarySize") => {
            let Some(name) = args.first() else {
                shell.error("call: missing argument name");
                return Err(STATUS_USAGE);
            };
            Borrowed::<BootPackage>::from_id(cap)
                .binary_size(name)
                .map(|n| alloc::vec![format!("size = {n}")])
        }
        (id::TERMINAL_SESSION, "windowSize") => Borrowed::<TerminalSession>::from_id(cap)
            .window_size()
            .map(|(r, c)| alloc::vec![format!("rows = {r}"), format!("cols = {c}")]),
        (id::TERMINAL_SESSION, "setWindowSize") => {
            let rows: u16 = parse(shell, "rows", args.first())?;
            let cols: u16 = parse(shell, "cols", args.get(1))?;
            Borrowed::<TerminalSession>::from_id(cap).set_window_size(rows, cols).and(none)
        }
        (id::TERMINAL_SESSION, "interrupts") => Borrowed::<TerminalSession>::from_id(cap)
            .interrupts()
            .map(|n| alloc::vec![format!("count = {n}")]),
        (id::TERMINAL_SESSION, "getMode") => {
            Borrowed::<TerminalSession>::from_id(cap).mode().map(|m: TerminalMode| {
                alloc::vec![
                    format!("canonical = {}", m.canonical),
                    format!("echo = {}", m.echo),
                    format!("signals = {}", m.signals),
                ]
            })
        }
        (id::TERMINAL_SESSION, "write") => {
            let mut text = args.join(" ");
            text.push('\n');
            Borrowed::<TerminalSession>::from_id(cap).write(text.as_bytes()).and(none)
        }
        (id::DIRECTORY, "list" | "stat") => return crate::files::call(shell, cap, method, args),
        (id::ECHO, "echo") => {
            Borrowed::<Echo>::from_id(cap).echo(&args.join(" ")).map(|t| alloc::vec![format!("text = {t}")])
        }
        (id::PROCESS_HANDLE, "pid") => {
            Borrowed::<ProcessHandle>::from_id(cap).pid().map(|p| alloc::vec![format!("pid = {p}")])
        }
        _ => {
            shell.error(&format!(
                "call: {method} takes or returns caps or structured values; `call` does not make such calls"
            ));
            return Err(STATUS_USAGE);
        }
    })
}
