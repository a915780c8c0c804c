//! Generates `musl.rs`: the constants and structure layouts of musl's
//! installed headers (`build/sysroot/include`, from `make musl`) that the
//! adapter uses, through bindgen. Set `CAPOS_SYSROOT` to use another
//! sysroot.

use std::path::PathBuf;

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    println!("cargo:rerun-if-env-changed=CAPOS_SYSROOT");
    println!("cargo:rerun-if-changed=wrapper.h");
    let sysroot =
        std::env::var_os("CAPOS_SYSROOT").map_or_else(|| manifest.join("../build/sysroot"), PathBuf::from);
    let include = sysroot.join("include");
    if !include.join("stdio.h").exists() {
        panic!(
            "capos-posix: {} has no musl headers; run `make musl` first (the adapter takes its layouts from them)",
            include.display()
        );
    }
    println!("cargo:rerun-if-changed={}", include.join("bits/alltypes.h").display());
    let bindings = bindgen::Builder::default()
        .header(manifest.join("wrapper.h").to_string_lossy())
        .clang_args(["-nostdinc", "-target", "x86_64-linux-musl", "-isystem"])
        .clang_arg(include.to_string_lossy())
        .use_core()
        .ctypes_prefix("core::ffi")
        .layout_tests(false)
        .derive_default(true)
        .generate_comments(false)
        .default_macro_constant_type(bindgen::MacroTypeVariation::Signed)
        .allowlist_var("E[A-Z0-9]+")
        .allowlist_var("O_[A-Z0-9_]+|F_[A-Z0-9_]+|FD_CLOEXEC|AT_[A-Z0-9_]+|SEEK_[A-Z]+")
        .allowlist_var("S_IF[A-Z]+|DT_[A-Z]+")
        .allowlist_var("SYS_[a-z0-9_]+")
        .allowlist_var("PROT_[A-Z]+|MAP_[A-Z0-9_]+|MREMAP_[A-Z]+")
        .allowlist_var("CLOCK_[A-Z_]+|TIMER_ABSTIME")
        .allowlist_var(
            "TC[A-Z]+|TIOC[A-Z]+|NCCS|ICANON|ECHO[A-Z]*|ISIG|TOSTOP|IEXTEN|ICRNL|OPOST|ONLCR|CS8|B38400",
        )
        .allowlist_var("CLONE_[A-Z_]+|GRND_[A-Z]+|SIG[A-Z0-9]+|SIG_[A-Z]+|_NSIG|RLIMIT_[A-Z_]+|RLIM_INFINITY")
        .allowlist_var("POLL[A-Z]+|V[A-Z]+[0-9]?|RUSAGE_[A-Z]+")
        .allowlist_type(
            "stat|timespec|timeval|itimerval|timezone|winsize|termios|utsname|iovec|dirent|pollfd|rlimit|rusage|tms",
        )
        .generate()
        .expect("bindgen could not read musl's headers");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("musl.rs");
    bindings.write_to_file(out).expect("writing musl.rs");
}
