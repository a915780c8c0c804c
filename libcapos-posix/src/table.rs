//! The one dispatch table: each Linux x86_64 system call the adapter
//! serves, with its name, how to print its arguments, and its handler. A
//! number not in the table fails with `ENOSYS`.
//!
//! `CAPOS_TRACE=1` in the program's environment prints every call, its
//! decoded arguments and its result on standard error (the `stderr` cap,
//! not fd 2), like `strace`; calls that are not implemented are marked.

use alloc::format;
use alloc::string::String;
use core::fmt::Write;
use core::sync::atomic::{AtomicBool, Ordering};

use crate::errno::{Errno, SysResult};
use crate::musl::*;
use crate::{attrs, children, exec, files, links, memory, pipe, process, signal, thread, time};

/// A system call the adapter serves.
pub struct Call {
    /// Linux x86_64 number.
    pub number: i32,
    /// Name (for traces and `docs/posix-abi.md`).
    pub name: &'static str,
    /// How each argument prints, one letter each: `d` a signed number
    /// (fds too), `u` unsigned, `x` hex, `o` octal, `p` a pointer, `s` a C
    /// string, `b` a buffer whose length is the next argument.
    pub args: &'static str,
    /// The handler.
    pub run: fn([u64; 6]) -> SysResult,
}

macro_rules! calls {
    ($($number:ident $args:literal => $run:expr;)*) => {
        /// Every call served.
        pub const CALLS: &[Call] = &[
            $(Call { number: $number as i32, name: stringify!($number), args: $args, run: $run },)*
        ];
    };
}

fn fd(a: u64) -> i64 {
    a as i32 as i64
}

const AT_FDCWD_: i64 = AT_FDCWD as i64;

calls! {
    SYS_read "dpu" => |a| files::read(fd(a[0]), a[1], a[2]);
    SYS_write "dbu" => |a| files::write(fd(a[0]), a[1], a[2]);
    SYS_open "sxo" => |a| files::openat(AT_FDCWD_, a[0], a[1], a[2]);
    SYS_close "d" => |a| files::close(fd(a[0]));
    SYS_stat "sp" => |a| files::fstatat(AT_FDCWD_, a[0], a[1], 0);
    SYS_fstat "dp" => |a| files::fstat(fd(a[0]), a[1]);
    SYS_lstat "sp" => |a| files::fstatat(AT_FDCWD_, a[0], a[1], AT_SYMLINK_NOFOLLOW as u64);
    SYS_lseek "ddd" => |a| files::lseek(fd(a[0]), a[1], a[2]);
    SYS_mmap "puxxdx" => |a| memory::mmap(a[0], a[1], a[2], a[3], fd(a[4]), a[5]);
    SYS_mprotect "pux" => |a| memory::mprotect(a[0], a[1], a[2]);
    SYS_munmap "pu" => |a| memory::munmap(a[0], a[1]);
    SYS_brk "p" => |a| memory::brk(a[0]);
    SYS_rt_sigaction "dppu" => |a| signal::rt_sigaction(a[0], a[1], a[2], a[3]);
    SYS_rt_sigprocmask "dppu" => |a| signal::rt_sigprocmask(a[0], a[1], a[2], a[3]);
    SYS_ioctl "dxp" => |a| process::ioctl(fd(a[0]), a[1], a[2]);
    SYS_poll "pud" => |a| pipe::poll(a[0], a[1], a[2]);
    SYS_pread64 "dpud" => |a| files::pread(fd(a[0]), a[1], a[2], a[3]);
    SYS_pwrite64 "dbud" => |a| files::pwrite(fd(a[0]), a[1], a[2], a[3]);
    SYS_readv "dpd" => |a| files::readv(fd(a[0]), a[1], a[2]);
    SYS_writev "dpd" => |a| files::writev(fd(a[0]), a[1], a[2]);
    SYS_access "so" => |a| files::faccessat(AT_FDCWD_, a[0], a[1]);
    SYS_pipe "p" => |a| pipe::pipe2(a[0], 0);
    SYS_select "dpppp" => |a| pipe::select_timeval(a[0], a[1], a[2], a[3], a[4]);
    SYS_sched_yield "" => |_| thread::sched_yield();
    SYS_mremap "puux" => |a| memory::mremap(a[0], a[1], a[2], a[3]);
    SYS_madvise "pud" => |a| memory::madvise(a[0], a[1], a[2]);
    SYS_dup "d" => |a| files::dup(fd(a[0]));
    SYS_dup2 "dd" => |a| files::dup3(fd(a[0]), fd(a[1]), 0, true);
    SYS_pause "" => |_| signal::pause();
    SYS_nanosleep "pp" => |a| time::nanosleep(a[0], a[1]);
    SYS_getitimer "dp" => |a| signal::getitimer(a[0], a[1]);
    SYS_alarm "u" => |a| signal::alarm(a[0]);
    SYS_setitimer "dpp" => |a| signal::setitimer(a[0], a[1], a[2]);
    SYS_getpid "" => |_| process::getpid();
    SYS_fork "" => |_| children::fork();
    SYS_vfork "" => |_| children::fork();
    SYS_execve "spp" => |a| exec::execve(a[0], a[1], a[2]);
    SYS_exit "d" => |a| process::exit(a[0]);
    SYS_wait4 "dpxp" => |a| children::wait4(a[0], a[1], a[2], a[3]);
    SYS_kill "dd" => |a| signal::kill(a[0], a[1]);
    SYS_uname "p" => |a| process::uname(a[0]);
    SYS_fcntl "ddx" => |a| files::fcntl(fd(a[0]), a[1], a[2]);
    SYS_fsync "d" => |a| files::fsync(fd(a[0]));
    SYS_fdatasync "d" => |a| files::fsync(fd(a[0]));
    SYS_truncate "sd" => |a| files::truncate(a[0], a[1]);
    SYS_ftruncate "dd" => |a| files::ftruncate(fd(a[0]), a[1]);
    SYS_getcwd "pu" => |a| files::getcwd(a[0], a[1]);
    SYS_chdir "s" => |a| files::chdir(a[0]);
    SYS_fchdir "d" => |a| files::fchdir(fd(a[0]));
    SYS_rename "ss" => |a| files::renameat(AT_FDCWD_, a[0], AT_FDCWD_, a[1], 0);
    SYS_mkdir "so" => |a| files::mkdirat(AT_FDCWD_, a[0], a[1]);
    SYS_rmdir "s" => |a| files::unlinkat(AT_FDCWD_, a[0], AT_REMOVEDIR as u64);
    SYS_creat "so" => |a| files::openat(AT_FDCWD_, a[0], (O_CREAT | O_WRONLY | O_TRUNC) as u64, a[1]);
    SYS_unlink "s" => |a| files::unlinkat(AT_FDCWD_, a[0], 0);
    SYS_readlink "spu" => |a| links::readlinkat(AT_FDCWD_, a[0], a[1], a[2]);
    SYS_umask "o" => |a| files::umask(a[0]);
    SYS_gettimeofday "pp" => |a| time::gettimeofday(a[0], a[1]);
    SYS_getrlimit "dp" => |a| process::getrlimit(a[0], a[1]);
    SYS_getuid "" => |_| process::id();
    SYS_getgid "" => |_| process::id();
    SYS_geteuid "" => |_| process::id();
    SYS_getegid "" => |_| process::id();
    SYS_getppid "" => |_| process::getppid();
    SYS_setpgid "dd" => |a| signal::setpgid(a[0], a[1]);
    SYS_getpgrp "" => |_| signal::getpgid(0);
    SYS_setsid "" => |_| signal::setsid();
    SYS_getpgid "d" => |a| signal::getpgid(a[0]);
    SYS_getsid "d" => |a| signal::getsid(a[0]);
    SYS_rt_sigpending "pu" => |a| signal::rt_sigpending(a[0], a[1]);
    SYS_rt_sigsuspend "pu" => |a| signal::rt_sigsuspend(a[0], a[1]);
    SYS_arch_prctl "xp" => |a| thread::arch_prctl(a[0], a[1]);
    SYS_gettid "" => |_| thread::gettid();
    SYS_tkill "dd" => |a| signal::tgkill(0, a[0], a[1]);
    SYS_rt_sigtimedwait "pppu" => |a| signal::rt_sigtimedwait(a[0], a[1], a[2], a[3]);
    SYS_time "p" => |a| time::time(a[0]);
    SYS_times "p" => |a| time::times(a[0]);
    SYS_getrusage "dp" => |a| time::getrusage(a[0], a[1]);
    SYS_futex "pdupux" => |a| thread::futex(a[0], a[1], a[2], a[3], a[4], a[5]);
    SYS_getdents64 "dpu" => |a| files::getdents64(fd(a[0]), a[1], a[2]);
    SYS_set_tid_address "p" => |a| thread::set_tid_address(a[0]);
    SYS_clock_gettime "dp" => |a| time::clock_gettime(a[0], a[1]);
    SYS_clock_getres "dp" => |a| time::clock_getres(a[0], a[1]);
    SYS_clock_nanosleep "dxpp" => |a| time::clock_nanosleep(a[0], a[1], a[2], a[3]);
    SYS_exit_group "d" => |a| process::exit_group(a[0]);
    SYS_tgkill "ddd" => |a| signal::tgkill(a[0], a[1], a[2]);
    SYS_waitid "ddpxp" => |a| children::waitid(a[0], a[1], a[2], a[3], a[4]);
    SYS_openat "dsxo" => |a| files::openat(fd(a[0]), a[1], a[2], a[3]);
    SYS_mkdirat "dso" => |a| files::mkdirat(fd(a[0]), a[1], a[2]);
    SYS_newfstatat "dspx" => |a| files::fstatat(fd(a[0]), a[1], a[2], a[3]);
    SYS_unlinkat "dsx" => |a| files::unlinkat(fd(a[0]), a[1], a[2]);
    SYS_renameat "dsds" => |a| files::renameat(fd(a[0]), a[1], fd(a[2]), a[3], 0);
    SYS_readlinkat "dspu" => |a| links::readlinkat(fd(a[0]), a[1], a[2], a[3]);
    SYS_faccessat "dso" => |a| files::faccessat(fd(a[0]), a[1], a[2]);
    SYS_pselect6 "dppppp" => |a| pipe::pselect6(a[0], a[1], a[2], a[3], a[4]);
    SYS_ppoll "pupp" => |a| pipe::ppoll(a[0], a[1], a[2]);
    SYS_dup3 "ddx" => |a| files::dup3(fd(a[0]), fd(a[1]), a[2], false);
    SYS_pipe2 "px" => |a| pipe::pipe2(a[0], a[1]);
    SYS_prlimit64 "ddpp" => |a| process::prlimit64(a[0], a[1], a[2], a[3]);
    SYS_renameat2 "dsdsx" => |a| files::renameat(fd(a[0]), a[1], fd(a[2]), a[3], a[4]);
    SYS_getrandom "pux" => |a| process::getrandom(a[0], a[1], a[2]);
    SYS_statx "dsxxp" => |a| files::statx(fd(a[0]), a[1], a[2], a[4]);
    SYS_faccessat2 "dsox" => |a| files::faccessat(fd(a[0]), a[1], a[2]);
    // Times, links and permission bits (attrs.rs).
    SYS_utimensat "dppx" => |a| attrs::utimensat(fd(a[0]), a[1], a[2], a[3]);
    SYS_link "ss" => |a| attrs::linkat(AT_FDCWD_, a[0], AT_FDCWD_, a[1], 0);
    SYS_linkat "dsdsx" => |a| attrs::linkat(fd(a[0]), a[1], fd(a[2]), a[3], a[4]);
    SYS_symlink "ss" => |a| links::symlinkat(a[0], AT_FDCWD_, a[1]);
    SYS_symlinkat "sds" => |a| links::symlinkat(a[0], fd(a[1]), a[2]);
    // Permission bits and owners, which the file service does not keep.
    SYS_chmod "so" => |a| attrs::fchmodat(AT_FDCWD_, a[0], a[1]);
    SYS_fchmod "do" => |a| attrs::fchmod(fd(a[0]), a[1]);
    SYS_fchmodat "dso" => |a| attrs::fchmodat(fd(a[0]), a[1], a[2]);
    SYS_chown "sdd" => |a| attrs::fchownat(AT_FDCWD_, a[0], a[1], a[2], 0);
    SYS_lchown "sdd" => |a| attrs::fchownat(AT_FDCWD_, a[0], a[1], a[2], 0);
    SYS_fchown "ddd" => |a| attrs::fchown(fd(a[0]), a[1], a[2]);
    SYS_fchownat "dsddx" => |a| attrs::fchownat(fd(a[0]), a[1], a[2], a[3], a[4]);
}

/// Index into [`CALLS`] by number (`u16::MAX`: not served).
static INDEX: [u16; 512] = {
    let mut index = [u16::MAX; 512];
    let mut i = 0;
    while i < CALLS.len() {
        index[CALLS[i].number as usize] = i as u16;
        i += 1;
    }
    index
};

/// Whether `CAPOS_TRACE` is on.
static TRACE: AtomicBool = AtomicBool::new(false);

/// Turns tracing on when the environment has `CAPOS_TRACE` set to
/// anything but empty or `0`.
pub fn init_trace(caps: &capos_rt::Caps) {
    if caps.var("CAPOS_TRACE").is_some_and(|v| !v.is_empty() && v != "0") {
        TRACE.store(true, Ordering::Relaxed);
    }
}

/// Runs system call `number`; returns its value or `-errno`.
pub fn dispatch(number: i64, args: [u64; 6]) -> i64 {
    let call = usize::try_from(number)
        .ok()
        .and_then(|n| INDEX.get(n))
        .filter(|&&i| i != u16::MAX)
        .map(|&i| &CALLS[i as usize]);
    match call {
        Some(call) => {
            if TRACE.load(Ordering::Relaxed) {
                trace_call(call.name, call.args, &args, || (call.run)(args))
            } else {
                finish((call.run)(args))
            }
        }
        None => {
            if TRACE.load(Ordering::Relaxed) {
                let name = format!("syscall_{number}");
                trace_call(&name, "xxxxxx", &args, || Err(Errno::ENOSYS))
            } else {
                -i64::from(Errno::ENOSYS.0)
            }
        }
    }
}

fn finish(result: SysResult) -> i64 {
    match result {
        Ok(v) => v,
        Err(e) => -i64::from(e.0),
    }
}

/// Runs a call that does not go through [`dispatch`] (`clone`), traced
/// like the others.
pub fn traced(name: &str, args: &[u64], run: impl FnOnce() -> SysResult) -> i64 {
    if TRACE.load(Ordering::Relaxed) {
        let mut all = [0u64; 6];
        all[..args.len()].copy_from_slice(args);
        trace_call(name, &"xxxxxx"[..args.len()], &all, run)
    } else {
        finish(run())
    }
}

fn trace_call(name: &str, kinds: &str, args: &[u64; 6], run: impl FnOnce() -> SysResult) -> i64 {
    let mut line = format!("[capos] {}(", name.trim_start_matches("SYS_"));
    let kinds = kinds.as_bytes();
    for (i, kind) in kinds.iter().enumerate() {
        if i > 0 {
            line.push_str(", ");
        }
        argument(&mut line, *kind, args[i], args.get(i + 1).copied().unwrap_or(0));
    }
    line.push(')');
    // The call may not return (exit): print what it is first.
    if matches!(name, "SYS_exit" | "SYS_exit_group") {
        emit(&format!("{line} = ?\n"));
    }
    let result = run();
    match result {
        Ok(v) => {
            let _ = write!(line, " = {v}");
        }
        Err(e) if e == Errno::ENOSYS => {
            let _ = write!(line, " = -1 ENOSYS (not implemented)");
        }
        Err(e) => {
            let _ = write!(line, " = -1 {}", e.name());
        }
    }
    line.push('\n');
    emit(&line);
    finish(result)
}

fn argument(line: &mut String, kind: u8, value: u64, next: u64) {
    let _ = match kind {
        b'd' => write!(line, "{}", value as i64),
        b'u' => write!(line, "{value}"),
        b'o' => write!(line, "0{value:o}"),
        b'p' if value == 0 => write!(line, "NULL"),
        b's' => match crate::user::c_bytes(value, 256) {
            Ok(bytes) => write!(line, "{:?}", String::from_utf8_lossy(bytes)),
            Err(_) => write!(line, "{value:#x}"),
        },
        b'b' => match crate::user::bytes(value, next.min(32) as usize) {
            Ok(bytes) => {
                let more = if next > 32 { "..." } else { "" };
                write!(line, "{:?}{more}", String::from_utf8_lossy(bytes))
            }
            Err(_) => write!(line, "{value:#x}"),
        },
        _ => write!(line, "{value:#x}"),
    };
}

fn emit(line: &str) {
    if let Some(stderr) = crate::terminal::stderr() {
        let _ = stderr.write_bytes(line.as_bytes());
    } else if let Some(console) = crate::terminal::console() {
        let _ = console.write_bytes(line.as_bytes());
    }
}
