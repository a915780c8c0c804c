//! `capos-shell`, the native capability shell.
//!
//! ```text
//! capos-shell                     interactive: prompt, read, run, repeat
//! capos-shell -c 'LINE'           run one command line and exit with its status
//! capos-shell --run PROGRAM ARGS  run one command with exactly these words
//!                                 (what `capos run` uses) and exit with its status
//! ```
//!
//! It reads lines from its `terminal` (a `TerminalSession`) and writes
//! output there, errors to `stderr`. Builtins ([`builtins`]): `help`,
//! `caps`, `run`, `call`, `ls`, `cat`, `write`, `mkdir`, `rm`, `cd`, `pwd`,
//! `echo`, `exit`; any other word names a boot binary to run with the
//! standard caps ([`run`]). The prompt shows the last command's exit
//! status. Ctrl-C at the prompt discards the line; while a program runs
//! it kills the program (status 130), or in `--run` mode sends it `SIGINT`
//! (see [`run`]).
#![no_std]
#![no_main]

extern crate alloc;

mod builtins;
mod files;
mod invoke;
mod run;

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use capos::prelude::*;
use capos::stdio::Output;
use capos_lib::shell_words::split_words;

capos::entry_point!(main);

/// Exit status of a command line that could not be parsed or run.
pub const STATUS_USAGE: i32 = 2;
/// Exit status of a program that was interrupted with Ctrl-C.
pub const STATUS_INTERRUPTED: i32 = 130;

/// The shell's state.
pub struct Shell {
    /// Its caps.
    pub caps: Caps,
    /// Standard output.
    pub out: Output,
    /// Standard error.
    pub err: Output,
    /// The terminal, if it has one.
    pub terminal: Option<Borrowed<'static, TerminalSession>>,
    /// The current directory, absolute ("/" at the start).
    pub cwd: String,
    /// Exit status of the last command.
    pub status: i32,
    /// Set by `exit`.
    pub exit: Option<i32>,
    /// A pending `waitInterrupt` and the count it waits past.
    pub interrupt: Option<(capos::call::PendingCall, u64)>,
}

impl Shell {
    /// Prints an error line on stderr, prefixed with the shell's name.
    pub fn error(&self, text: &str) {
        let _ = self.err.line(&format!("capos-shell: {text}"));
    }

    /// Runs one command (its words), returning its exit status.
    pub fn execute(&mut self, words: &[String]) -> i32 {
        let Some(first) = words.first() else { return self.status };
        let args: Vec<&str> = words[1..].iter().map(String::as_str).collect();
        match builtins::run(self, first, &args) {
            Some(status) => status,
            None => run::program(self, None, first, &args),
        }
    }

    /// Runs one command line.
    pub fn execute_line(&mut self, line: &str) -> i32 {
        match split_words(line) {
            Ok(words) if words.is_empty() => self.status,
            Ok(words) => self.execute(&words),
            Err(e) => {
                self.error(&format!("{e}"));
                STATUS_USAGE
            }
        }
    }

    fn prompt(&self) -> String {
        format!("[{}] capos:{}> ", self.status, self.cwd)
    }

    /// The interactive loop: until end of input or `exit`.
    fn interactive(&mut self, terminal: &TerminalSession) -> i32 {
        let _ = self.out.line("capos-shell: the capOS capability shell; `help` lists the commands.");
        loop {
            let _ = self.out.print(&self.prompt());
            match terminal.read(4096) {
                Ok(line) if line.is_empty() => {
                    let _ = self.out.line("");
                    return self.status;
                }
                Ok(line) => {
                    let line = String::from_utf8_lossy(&line);
                    self.status = self.execute_line(&line);
                    if let Some(code) = self.exit {
                        return code;
                    }
                }
                Err(CapError::Interrupted) => self.status = STATUS_INTERRUPTED,
                Err(e) => {
                    self.error(&format!("cannot read the terminal: {e}"));
                    return 1;
                }
            }
        }
    }
}

fn main(caps: Caps) -> i32 {
    let terminal = TerminalSession::from_caps(&caps, "terminal").ok();
    // The directory to start in: `PWD` when it is absolute (a POSIX shell
    // that runs /bin/capos-shell passes its own), else the root.
    let cwd = caps.var("PWD").filter(|p| p.starts_with('/')).unwrap_or("/");
    let mut shell = Shell {
        caps,
        out: stdout(),
        err: stderr(),
        terminal: terminal.clone(),
        cwd: String::from(cwd),
        status: 0,
        exit: None,
        interrupt: None,
    };
    let args: Vec<&str> = caps.args().collect();
    match args.get(1).copied() {
        Some("--run") => {
            let words: Vec<String> = args[2..].iter().map(|s| String::from(*s)).collect();
            if words.is_empty() {
                shell.error("--run needs a program");
                return STATUS_USAGE;
            }
            let status = shell.execute(&words);
            shell.exit.unwrap_or(status)
        }
        Some("-c") => match args.get(2) {
            Some(line) => {
                let status = shell.execute_line(line);
                shell.exit.unwrap_or(status)
            }
            None => {
                shell.error("-c needs a command line");
                STATUS_USAGE
            }
        },
        Some(other) => {
            shell.error(&format!("unknown option {other:?} (use -c LINE or --run PROGRAM ARGS)"));
            STATUS_USAGE
        }
        None => match terminal {
            Some(t) => shell.interactive(&t),
            None => {
                shell.error("no terminal cap: nothing to read commands from");
                1
            }
        },
    }
}
