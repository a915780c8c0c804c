//! Links every function of `wasi_snapshot_preview1` (all 46) into a
//! [`Linker`]: each borrows the module's memory and the [`Host`] for the
//! call and returns its WASI errno. `proc_exit` and a terminating
//! `proc_raise` end the run with an exit status; a pointer outside the
//! module's memory, or a module without a `memory` export, ends it with a
//! host error (wasm-host's status 1), as wasmtime does.

use wasmi::errors::LinkerError;
use wasmi::{Caller, Extern, Linker};

use crate::errno::{Errno, WasiResult};
use crate::guest::Guest;
use crate::host::Host;
use crate::wasi::process::Raise;
use crate::wasi::{fd, path, process};

/// The Preview 1 module name.
pub const MODULE: &str = "wasi_snapshot_preview1";

/// Runs `f` with the host state and the guest's memory; its result as the
/// errno the module sees.
fn with(
    caller: &mut Caller<'_, Host>,
    f: impl FnOnce(&mut Host, &mut Guest) -> WasiResult,
) -> Result<i32, wasmi::Error> {
    let memory = caller
        .get_export("memory")
        .and_then(Extern::into_memory)
        .ok_or_else(|| wasmi::Error::new("the module exports no `memory` for WASI calls"))?;
    let (data, host) = memory.data_and_store_mut(caller);
    let mut guest = Guest::new(data);
    match f(host, &mut guest) {
        Ok(()) => Ok(0),
        // A pointer outside the module's memory ends the run, as wasmtime
        // ends it: the module is broken, and an errno would let it go on.
        Err(Errno::FAULT) => {
            Err(wasmi::Error::new("a WASI call was given a pointer outside the module's memory"))
        }
        Err(e) => Ok(i32::from(e.0)),
    }
}

/// Links `$name` as a closure over `(host, guest)` and the listed
/// parameters.
macro_rules! wasi {
    ($linker:ident, $name:literal, |$host:ident, $guest:ident $(, $arg:ident : $ty:ty)*| $body:expr) => {
        // Not every function uses every parameter (or the memory).
        #[allow(unused_variables)]
        let function = |mut caller: Caller<'_, Host>, $($arg: $ty),*| -> Result<i32, wasmi::Error> {
            with(&mut caller, |$host, $guest| $body)
        };
        $linker.func_wrap(MODULE, $name, function)?;
    };
}

/// Links all of `wasi_snapshot_preview1`.
pub fn link(linker: &mut Linker<Host>) -> Result<(), LinkerError> {
    wasi!(linker, "args_get", |h, g, argv: u32, buf: u32| process::args_get(h, g, argv, buf));
    wasi!(linker, "args_sizes_get", |h, g, count: u32, size: u32| process::args_sizes_get(h, g, count, size));
    wasi!(linker, "environ_get", |h, g, env: u32, buf: u32| process::environ_get(h, g, env, buf));
    wasi!(linker, "environ_sizes_get", |h, g, count: u32, size: u32| process::environ_sizes_get(
        h, g, count, size
    ));
    wasi!(linker, "clock_res_get", |h, g, id: u32, out: u32| process::clock_res_get(h, g, id, out));
    wasi!(linker, "clock_time_get", |h, g, id: u32, precision: u64, out: u32| process::clock_time_get(
        h, g, id, precision, out
    ));
    wasi!(linker, "fd_advise", |h, g, f: u32, offset: u64, len: u64, advice: u32| fd::advise(
        h, f, offset, len, advice
    ));
    wasi!(linker, "fd_allocate", |h, g, f: u32, offset: u64, len: u64| fd::allocate(h, f, offset, len));
    wasi!(linker, "fd_close", |h, g, f: u32| fd::close(h, f));
    wasi!(linker, "fd_datasync", |h, g, f: u32| fd::sync(h, f));
    wasi!(linker, "fd_fdstat_get", |h, g, f: u32, out: u32| fd::fdstat_get(h, g, f, out));
    wasi!(linker, "fd_fdstat_set_flags", |h, g, f: u32, flags: u32| fd::fdstat_set_flags(h, f, flags));
    wasi!(linker, "fd_fdstat_set_rights", |h, g, f: u32, base: u64, inheriting: u64| fd::fdstat_set_rights(
        h, f, base, inheriting
    ));
    wasi!(linker, "fd_filestat_get", |h, g, f: u32, out: u32| fd::filestat_get(h, g, f, out));
    wasi!(linker, "fd_filestat_set_size", |h, g, f: u32, size: u64| fd::filestat_set_size(h, f, size));
    wasi!(linker, "fd_filestat_set_times", |h, g, f: u32, atim: u64, mtim: u64, flags: u32| {
        fd::filestat_set_times(h, f, atim, mtim, flags)
    });
    wasi!(linker, "fd_pread", |h, g, f: u32, iovs: u32, n: u32, offset: u64, out: u32| fd::read(
        h,
        g,
        f,
        iovs,
        n,
        Some(offset),
        out
    ));
    wasi!(linker, "fd_prestat_get", |h, g, f: u32, out: u32| fd::prestat_get(h, g, f, out));
    wasi!(linker, "fd_prestat_dir_name", |h, g, f: u32, p: u32, len: u32| fd::prestat_dir_name(
        h, g, f, p, len
    ));
    wasi!(linker, "fd_pwrite", |h, g, f: u32, iovs: u32, n: u32, offset: u64, out: u32| fd::write(
        h,
        g,
        f,
        iovs,
        n,
        Some(offset),
        out
    ));
    wasi!(linker, "fd_read", |h, g, f: u32, iovs: u32, n: u32, out: u32| fd::read(
        h, g, f, iovs, n, None, out
    ));
    wasi!(linker, "fd_readdir", |h, g, f: u32, buf: u32, len: u32, cookie: u64, out: u32| fd::readdir(
        h, g, f, buf, len, cookie, out
    ));
    wasi!(linker, "fd_renumber", |h, g, from: u32, to: u32| fd::renumber(h, from, to));
    wasi!(linker, "fd_seek", |h, g, f: u32, offset: i64, whence: u32, out: u32| fd::seek(
        h, g, f, offset, whence, out
    ));
    wasi!(linker, "fd_sync", |h, g, f: u32| fd::sync(h, f));
    wasi!(linker, "fd_tell", |h, g, f: u32, out: u32| fd::tell(h, g, f, out));
    wasi!(linker, "fd_write", |h, g, f: u32, iovs: u32, n: u32, out: u32| fd::write(
        h, g, f, iovs, n, None, out
    ));
    wasi!(linker, "path_create_directory", |h, g, f: u32, p: u32, len: u32| path::create_directory(
        h, g, f, p, len
    ));
    wasi!(linker, "path_filestat_get", |h, g, f: u32, flags: u32, p: u32, len: u32, out: u32| {
        path::filestat_get(h, g, f, flags, p, len, out)
    });
    wasi!(linker, "path_filestat_set_times", |h,
                                              g,
                                              f: u32,
                                              lookup: u32,
                                              p: u32,
                                              len: u32,
                                              atim: u64,
                                              mtim: u64,
                                              fst: u32| {
        path::filestat_set_times(h, g, f, lookup, p, len, atim, mtim, fst)
    });
    wasi!(linker, "path_link", |h,
                                g,
                                f: u32,
                                _flags: u32,
                                old: u32,
                                old_len: u32,
                                new_f: u32,
                                new: u32,
                                new_len: u32| path::link(
        h,
        g,
        (f, (old, old_len)),
        (new_f, (new, new_len))
    ));
    wasi!(linker, "path_open", |h,
                                g,
                                f: u32,
                                dirflags: u32,
                                p: u32,
                                len: u32,
                                oflags: u32,
                                base: u64,
                                inheriting: u64,
                                fdflags: u32,
                                out: u32| {
        path::open(h, g, f, dirflags, p, len, oflags, base, inheriting, fdflags, out)
    });
    wasi!(linker, "path_readlink", |h, g, f: u32, p: u32, len: u32, buf: u32, buf_len: u32, out: u32| {
        path::readlink(h, g, f, p, len, buf, buf_len, out)
    });
    wasi!(linker, "path_remove_directory", |h, g, f: u32, p: u32, len: u32| path::remove_directory(
        h, g, f, p, len
    ));
    wasi!(linker, "path_rename", |h, g, f: u32, p: u32, len: u32, to_f: u32, to: u32, to_len: u32| {
        path::rename(h, g, (f, (p, len)), (to_f, (to, to_len)))
    });
    wasi!(linker, "path_symlink", |h, g, old: u32, old_len: u32, f: u32, new: u32, new_len: u32| {
        path::symlink(h, g, (old, old_len), f, (new, new_len))
    });
    wasi!(linker, "path_unlink_file", |h, g, f: u32, p: u32, len: u32| path::unlink_file(h, g, f, p, len));
    wasi!(linker, "poll_oneoff", |h, g, input: u32, output: u32, n: u32, out: u32| process::poll_oneoff(
        h, g, input, output, n, out
    ));
    linker.func_wrap(MODULE, "proc_exit", |code: u32| -> Result<(), wasmi::Error> {
        Err(wasmi::Error::i32_exit(code as i32))
    })?;
    linker.func_wrap(MODULE, "proc_raise", |signal: u32| -> Result<i32, wasmi::Error> {
        match process::proc_raise(signal) {
            Ok(Raise::Ignore) => Ok(0),
            Ok(Raise::Terminate(status)) => Err(wasmi::Error::i32_exit(status)),
            Err(e) => Ok(i32::from(e.0)),
        }
    })?;
    linker.func_wrap(MODULE, "sched_yield", || -> i32 {
        match process::sched_yield() {
            Ok(()) => 0,
            Err(e) => i32::from(e.0),
        }
    })?;
    wasi!(linker, "random_get", |h, g, buf: u32, len: u32| process::random_get(h, g, buf, len));
    wasi!(linker, "sock_accept", |h, g, f: u32, flags: u32, out: u32| process::sock(h, f));
    wasi!(linker, "sock_recv", |h, g, f: u32, data: u32, len: u32, flags: u32, out: u32, out_flags: u32| {
        process::sock(h, f)
    });
    wasi!(linker, "sock_send", |h, g, f: u32, data: u32, len: u32, flags: u32, out: u32| process::sock(h, f));
    wasi!(linker, "sock_shutdown", |h, g, f: u32, how: u32| process::sock(h, f));
    Ok(())
}
