//! The shell's builtin commands. [`run`] returns `None` for a word that is
//! not a builtin (the shell then runs a boot binary of that name).

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use capos::schema::interface;

use crate::{STATUS_USAGE, Shell, files, invoke};

/// One line of `help` per command.
const HELP: &[(&str, &str)] = &[
    ("help", "this list"),
    ("caps", "the capabilities this shell holds: name, interface, id"),
    (
        "run [-c CAP,CAP...] PROGRAM [ARGS...]",
        "run a boot binary and wait (Ctrl-C kills it); -c: exactly these caps, -c '': none",
    ),
    ("PROGRAM [ARGS...]", "the same as `run PROGRAM ARGS...`, with the standard caps"),
    ("call CAP METHOD [ARGS...]", "call a method of a cap and print the results"),
    ("ls [PATH]", "list a directory"),
    ("cat PATH...", "print files"),
    ("write [-a] PATH TEXT...", "write the words and a newline to a file (-a: append)"),
    ("mkdir PATH", "make a directory"),
    ("rm PATH", "remove a file or an empty directory"),
    ("cd [PATH]", "change the current directory (default /)"),
    ("pwd", "print the current directory"),
    ("echo [WORDS...]", "print the words"),
    ("exit [STATUS]", "leave the shell (default: the last status)"),
];

/// Runs builtin `name` with `args`; `None` if there is no such builtin.
pub fn run(shell: &mut Shell, name: &str, args: &[&str]) -> Option<i32> {
    Some(match name {
        "help" => help(shell),
        "caps" => caps(shell),
        "run" => run_command(shell, args),
        "call" => invoke::call(shell, args),
        "ls" => files::ls(shell, args),
        "cat" => files::cat(shell, args),
        "write" => files::write(shell, args),
        "mkdir" => files::mkdir(shell, args),
        "rm" => files::rm(shell, args),
        "cd" => files::cd(shell, args),
        "pwd" => {
            let _ = shell.out.line(&shell.cwd);
            0
        }
        "echo" => {
            let _ = shell.out.line(&args.join(" "));
            0
        }
        "exit" => exit(shell, args),
        _ => return None,
    })
}

fn help(shell: &Shell) -> i32 {
    let width = HELP.iter().map(|(c, _)| c.len()).max().unwrap_or(0);
    let mut text = String::new();
    for (command, what) in HELP {
        text.push_str(&format!("  {command:width$}  {what}\n"));
    }
    let _ = shell.out.print(&text);
    0
}

fn caps(shell: &Shell) -> i32 {
    let mut text = String::new();
    for entry in shell.caps.iter() {
        let iface = interface(entry.interface_id).map_or("?", |i| i.name);
        text.push_str(&format!("  {:<16} {:<18} id {:#x}\n", entry.name, iface, entry.cap_id));
    }
    let _ = shell.out.print(&text);
    0
}

/// `run [-c CAP,CAP...] PROGRAM [ARGS...]`: `-c` names exactly the caps
/// to give (an empty list, `-c ''`, gives none).
fn run_command(shell: &mut Shell, args: &[&str]) -> i32 {
    let (chosen, rest): (Option<Vec<&str>>, &[&str]) = match args {
        ["-c", list, rest @ ..] => (Some(list.split(',').filter(|c| !c.is_empty()).collect()), rest),
        _ => (None, args),
    };
    let Some((program, program_args)) = rest.split_first() else {
        shell.error("usage: run [-c CAP,CAP...] PROGRAM [ARGS...] (-c '': no caps)");
        return STATUS_USAGE;
    };
    crate::run::program(shell, chosen.as_deref(), program, program_args)
}

fn exit(shell: &mut Shell, args: &[&str]) -> i32 {
    let code = match args {
        [] => shell.status,
        [n] => match n.parse() {
            Ok(n) => n,
            Err(_) => {
                shell.error(&format!("exit: bad status {n:?}"));
                return STATUS_USAGE;
            }
        },
        _ => {
            shell.error("usage: exit [STATUS]");
            return STATUS_USAGE;
        }
    };
    shell.exit = Some(code);
    code
}
