//! Standard input and output for programs run from a shell or `capos run`,
//! by the cap names the shell grants: `terminal` (a `TerminalSession`:
//! input, and output unless there is none) and `stderr` (a `Console` for
//! error output). A program without them falls back to its `console`.

use alloc::vec::Vec;
use capos_abi::error::CapError;

use crate::client::{Console, TerminalSession};
use crate::handle::Borrowed;

/// Where output goes (bootstrap caps, borrowed: never released).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// The terminal.
    Terminal(Borrowed<'static, TerminalSession>),
    /// A console (`stderr`, or the kernel console).
    Console(Borrowed<'static, Console>),
    /// Nowhere: the program has neither.
    Discard,
}

impl Output {
    /// Writes bytes.
    pub fn write(&self, data: &[u8]) -> Result<(), CapError> {
        match self {
            Output::Terminal(t) => t.write(data),
            Output::Console(c) => c.write_bytes(data),
            Output::Discard => Ok(()),
        }
    }

    /// Writes text.
    pub fn print(&self, text: &str) -> Result<(), CapError> {
        self.write(text.as_bytes())
    }

    /// Writes a line (text and `\n`) in one write.
    pub fn line(&self, text: &str) -> Result<(), CapError> {
        let mut bytes = Vec::with_capacity(text.len() + 1);
        bytes.extend_from_slice(text.as_bytes());
        bytes.push(b'\n');
        self.write(&bytes)
    }
}

/// The terminal, if the process has one (standard input).
pub fn stdin() -> Option<Borrowed<'static, TerminalSession>> {
    crate::entry::caps().and_then(|caps| TerminalSession::from_caps(&caps, "terminal").ok())
}

/// Standard output: the terminal, else the console.
pub fn stdout() -> Output {
    if let Some(t) = stdin() {
        return Output::Terminal(t);
    }
    crate::entry::console().map_or(Output::Discard, Output::Console)
}

/// Standard error: `stderr`, else standard output.
pub fn stderr() -> Output {
    crate::entry::caps()
        .and_then(|caps| Console::from_caps(&caps, "stderr").ok())
        .map_or_else(stdout, Output::Console)
}

/// Prints `PROGRAM: error: MESSAGE` on standard error (PROGRAM is
/// `argv[0]`) and returns 1, the status of a program that failed:
/// `Err(e) => return capos::stdio::fail(e)`. With a [`crate::Error`] or
/// [`crate::CapLookupError`], the message names the missing cap.
pub fn fail(message: impl core::fmt::Display) -> i32 {
    let program = crate::entry::caps().and_then(|caps| caps.args().next()).unwrap_or("program");
    let _ = stderr().line(&alloc::format!("{program}: error: {message}"));
    1
}
