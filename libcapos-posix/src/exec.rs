//! `execve`: this process runs another program, through the kernel's
//! `exec` syscall (`capos_abi::syscall::SYS_EXEC`): the same pid, parent
//! and caps; the image read from the file service.
//!
//! The fd table crosses over in the new image's environment
//! (`CAPOS_FDS`, [`crate::fd::exec_handover`]; the current directory in
//! `CAPOS_CWD`, the umask in `CAPOS_UMASK`): fds without close-on-exec keep their numbers, flags and
//! open files (the same caps, so the same file positions); the caps of
//! close-on-exec fds are released by the new image at its start, so a
//! failed `execve` changes nothing. The start code takes both variables
//! out of the environment the program sees. `#!` scripts run their
//! interpreter (at most 4 levels). Partial: a process with other threads
//! gets `EAGAIN` (POSIX would end them); signal dispositions and the mask
//! start afresh.

use alloc::string::String;
use alloc::vec::Vec;

use capos_abi::error::CapError;

use crate::errno::{Errno, SysResult};
use crate::user;

/// The environment variable carrying the fd table to the next image.
pub const FDS_VAR: &str = "CAPOS_FDS";
/// The environment variable carrying the current directory.
pub const CWD_VAR: &str = "CAPOS_CWD";
/// The environment variable carrying the umask (octal).
pub const UMASK_VAR: &str = "CAPOS_UMASK";

/// Whether environment entry `e` is one of the handover variables above
/// (the new image takes them out of the environment its program sees).
pub fn is_handover(e: &str) -> bool {
    [FDS_VAR, CWD_VAR, UMASK_VAR].iter().any(|v| e.strip_prefix(v).is_some_and(|rest| rest.starts_with('=')))
}

/// The strings of a NULL-terminated array of C strings.
fn string_array(ptr: u64) -> Result<Vec<String>, Errno> {
    let mut out = Vec::new();
    if ptr == 0 {
        return Ok(out);
    }
    for i in 0.. {
        if i >= 4096 {
            return Err(Errno::E2BIG);
        }
        let s: u64 = user::read(ptr + 8 * i)?;
        if s == 0 {
            break;
        }
        let bytes = user::c_bytes(s, 128 * 1024)?;
        out.push(String::from_utf8_lossy(bytes).into_owned());
    }
    Ok(out)
}

/// `execve(path, argv, envp)`.
pub fn execve(path: u64, argv: u64, envp: u64) -> SysResult {
    let path = user::path(path)?;
    exec_path(&path, string_array(argv)?, string_array(envp)?, 0)
}

fn block(strings: &[String]) -> Vec<u8> {
    let mut out = Vec::new();
    for s in strings {
        out.extend_from_slice(s.as_bytes());
        out.push(0);
    }
    out
}

fn exec_path(path: &str, mut args: Vec<String>, env: Vec<String>, depth: u32) -> SysResult {
    let image = crate::files::read_for_exec(path)?;
    if let Some(script) = image.strip_prefix(b"#!") {
        if depth >= 4 {
            return Err(Errno::ELOOP);
        }
        let line = script.split(|&b| b == b'\n').next().unwrap_or_default();
        let line = core::str::from_utf8(line).map_err(|_| Errno::ENOEXEC)?.trim();
        let (interpreter, arg) = match line.split_once([' ', '\t']) {
            Some((i, a)) => (i, Some(a.trim())),
            None => (line, None),
        };
        if interpreter.is_empty() {
            return Err(Errno::ENOEXEC);
        }
        let mut new_args = Vec::from([String::from(interpreter)]);
        new_args.extend(arg.filter(|a| !a.is_empty()).map(String::from));
        new_args.push(String::from(path));
        new_args.extend(args.drain(..).skip(1));
        return exec_path(interpreter, new_args, env, depth + 1);
    }
    if !image.starts_with(b"\x7fELF") {
        return Err(Errno::ENOEXEC);
    }
    if args.is_empty() {
        args.push(String::from(path));
    }
    let mut env: Vec<String> = env.into_iter().filter(|e| !is_handover(e)).collect();
    env.push(alloc::format!("{FDS_VAR}={}", crate::fd::exec_handover()));
    env.push(alloc::format!("{CWD_VAR}={}", crate::files::cwd()));
    env.push(alloc::format!("{UMASK_VAR}={:o}", crate::files::current_umask()));
    let (args, env) = (block(&args), block(&env));
    let request: [u64; 6] = [
        image.as_ptr() as u64,
        image.len() as u64,
        args.as_ptr() as u64,
        args.len() as u64,
        env.as_ptr() as u64,
        env.len() as u64,
    ];
    let result = capos_rt::syscall::exec(request.as_ptr() as u64);
    Err(match CapError::from_result(result as i32) {
        Some(CapError::WouldBlock) => Errno::EAGAIN,
        Some(CapError::InvalidArgument) => Errno::ENOEXEC,
        Some(CapError::TooLarge) => Errno::E2BIG,
        Some(CapError::QuotaExceeded | CapError::OutOfMemory) => Errno::ENOMEM,
        Some(e) => e.into(),
        None => Errno::EIO,
    })
}
