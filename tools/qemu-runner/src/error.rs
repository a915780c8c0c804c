//! Errors of the runner itself (missing tools, I/O, bad input), as opposed to
//! a kernel run that went wrong, which is a [`crate::Failure`].

use std::fmt;
use std::io;
use std::path::PathBuf;
use std::process::ExitStatus;

/// Something kept the runner from building an ISO or starting QEMU.
#[derive(Debug)]
pub enum RunnerError {
    /// A host tool the runner needs is not installed.
    ToolMissing {
        /// The tool (program name or package) that is missing.
        tool: String,
        /// What it is needed for.
        purpose: &'static str,
    },
    /// An input file does not exist.
    MissingInput {
        /// What the file is (e.g. "kernel").
        what: &'static str,
        /// The path that was looked for.
        path: PathBuf,
    },
    /// A host tool ran and failed.
    ToolFailed {
        /// The command that failed, as it would be typed.
        command: String,
        /// Its exit status.
        status: ExitStatus,
        /// Its captured stdout and stderr.
        output: String,
    },
    /// The request itself is invalid (e.g. two modules with the same name).
    InvalidInput(String),
    /// An I/O operation failed.
    Io {
        /// What the runner was doing.
        context: String,
        /// The underlying error.
        source: io::Error,
    },
}

impl RunnerError {
    /// Wrap an I/O error with a description of what was being done.
    pub fn io(context: impl Into<String>, source: io::Error) -> Self {
        RunnerError::Io { context: context.into(), source }
    }
}

impl fmt::Display for RunnerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RunnerError::ToolMissing { tool, purpose } => {
                write!(f, "`{tool}` is not installed (needed {purpose}); run `make setup`")
            }
            RunnerError::MissingInput { what, path } => {
                write!(f, "{what} `{}` does not exist", path.display())
            }
            RunnerError::ToolFailed { command, status, output } => {
                write!(f, "`{command}` failed ({status})")?;
                if !output.trim().is_empty() {
                    write!(f, "; its output:\n{}", output.trim_end())?;
                }
                Ok(())
            }
            RunnerError::InvalidInput(message) => f.write_str(message),
            RunnerError::Io { context, source } => write!(f, "{context}: {source}"),
        }
    }
}

impl std::error::Error for RunnerError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            RunnerError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}
