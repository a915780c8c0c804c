//! The C program start. `_start` (the sysroot's `crt1.o`,
//! `libcapos-posix/crt/crt1.S`) calls [`__capos_start`] with the
//! bootstrap region's address (from the kernel, in RDI) and `main`:
//!
//! 1. `capos_rt::entry::init` validates the bootstrap CapSet and sets up
//!    the heap and the ring;
//! 2. `CAPOS_TRACE` is read, fds 0–2 are opened (the terminal, `stderr`),
//!    the current directory is `PWD` (from the spawner) when it is one;
//! 3. the block musl's `__libc_start_main` expects is built on the heap:
//!    `argc`, the `argv` pointers, NULL, the `envp` pointers (`KEY=VALUE`
//!    from the spawner), NULL, then the auxiliary vector (`AT_PHDR`,
//!    `AT_PHNUM`, `AT_PAGESZ`, `AT_RANDOM`, …);
//! 4. musl's `__libc_start_main` sets up TLS, runs the constructors and
//!    `exit(main(argc, argv, envp))`.

use alloc::vec::Vec;

use crate::musl;

unsafe extern "C" {
    /// musl's program start.
    fn __libc_start_main(
        main: extern "C" fn(i32, *mut *mut u8, *mut *mut u8) -> i32,
        argc: i32,
        argv: *mut *mut u8,
        init: usize,
        fini: usize,
        ldso: usize,
    ) -> i32;
    /// The program's ELF header (the linker defines it when the headers
    /// are loaded, as in every static capOS program).
    static __ehdr_start: u8;
}

/// A NUL-terminated copy of `text`, leaked (it lives as long as the
/// process, as `argv` strings do).
fn c_string(text: &str) -> u64 {
    let mut bytes = Vec::with_capacity(text.len() + 1);
    bytes.extend_from_slice(text.as_bytes());
    bytes.push(0);
    bytes.leak().as_ptr() as u64
}

/// Called by `_start`: see the module docs.
#[unsafe(no_mangle)]
pub extern "C" fn __capos_start(
    bootstrap: u64,
    main: extern "C" fn(i32, *mut *mut u8, *mut *mut u8) -> i32,
) -> ! {
    let caps = capos_rt::entry::init(bootstrap);
    crate::table::init_trace(&caps);
    crate::signal::init();
    // After an `execve`, the fd table and the directory of the image
    // before; else fds 0–2 and the spawner's `PWD`.
    let handed = caps.var(crate::exec::FDS_VAR).is_some_and(crate::fd::take_handover);
    if !handed {
        crate::files::open_standard_fds();
    }
    crate::files::init_cwd(caps.var(crate::exec::CWD_VAR).or_else(|| caps.var("PWD")));
    crate::files::init_umask(caps.var(crate::exec::UMASK_VAR));

    let args: Vec<u64> = caps.args().map(c_string).collect();
    let env: Vec<u64> = caps.env().filter(|e| !crate::exec::is_handover(e)).map(c_string).collect();
    let ehdr = &raw const __ehdr_start as u64;
    // SAFETY: the ELF header the linker placed at `__ehdr_start`, loaded
    // with the image: e_phoff at 32, e_phentsize at 54, e_phnum at 56.
    let (phoff, phentsize, phnum) = unsafe {
        (
            core::ptr::read_unaligned((ehdr + 32) as *const u64),
            core::ptr::read_unaligned((ehdr + 54) as *const u16),
            core::ptr::read_unaligned((ehdr + 56) as *const u16),
        )
    };
    let mut random = [0u8; 16];
    let _ = crate::terminal::random_bytes(&mut random);
    let random = Vec::from(random).leak().as_ptr() as u64;
    let auxv: [(i32, u64); 11] = [
        (musl::AT_PHDR, ehdr + phoff),
        (musl::AT_PHENT, u64::from(phentsize)),
        (musl::AT_PHNUM, u64::from(phnum)),
        (musl::AT_PAGESZ, 4096),
        (musl::AT_RANDOM, random),
        (musl::AT_CLKTCK, 100),
        (musl::AT_SECURE, 0),
        (musl::AT_UID, 0),
        (musl::AT_GID, 0),
        (musl::AT_EXECFN, args.first().copied().unwrap_or(0)),
        (musl::AT_NULL, 0),
    ];
    let mut block: Vec<u64> = Vec::with_capacity(args.len() + env.len() + 3 + 2 * auxv.len());
    block.push(args.len() as u64);
    block.extend(&args);
    block.push(0);
    block.extend(&env);
    block.push(0);
    for (key, value) in auxv {
        block.push(key as u64);
        block.push(value);
    }
    let block = block.leak();
    let argv = block[1..].as_mut_ptr().cast::<*mut u8>();
    // SAFETY: musl's entry with the block it expects (see the module
    // docs); it never returns (it calls exit).
    unsafe { __libc_start_main(main, args.len() as i32, argv, 0, 0, 0) };
    capos_rt::syscall::exit(127)
}
