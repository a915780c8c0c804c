//! Build script: links the kernel with `linker.ld` (higher-half layout with
//! a low, identity-placed boot section for the 32-bit Multiboot2 entry) and
//! embeds the init program (see `boot::init_image`), and
//! generates the 256 interrupt entry stubs (`trap_stubs.s`, included by
//! `arch::x86_64::trap`), which differ only in their vector number and in
//! whether the CPU pushes an error code.
use std::fmt::Write as _;

/// Exception vectors for which the CPU pushes an error code.
const WITH_ERROR_CODE: [u32; 10] = [8, 10, 11, 12, 13, 14, 17, 21, 29, 30];

fn main() {
    let dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    println!("cargo:rustc-link-arg=-T{dir}/linker.ld");
    println!("cargo:rustc-link-arg=--no-pie");
    println!("cargo:rustc-link-arg=-zmax-page-size=4096");
    println!("cargo:rustc-link-arg=-L{dir}");
    println!("cargo:rerun-if-changed=linker.ld");
    println!("cargo:rerun-if-changed=hot-text.ld");
    println!("cargo:rerun-if-changed=build.rs");

    let mut asm = String::from("    .section .text.trap_stubs, \"ax\"\n");
    for vector in 0..256u32 {
        let _ = writeln!(asm, "    .balign 16\ntrap_stub_{vector}:");
        if !WITH_ERROR_CODE.contains(&vector) {
            asm.push_str("    pushq $0\n");
        }
        let _ = writeln!(asm, "    pushq ${vector}\n    jmp trap_common");
    }
    asm.push_str("    .section .rodata.trap_stub_table, \"a\"\n    .balign 8\n    .global trap_stub_table\ntrap_stub_table:\n");
    for vector in 0..256u32 {
        let _ = writeln!(asm, "    .quad trap_stub_{vector}");
    }
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    std::fs::write(format!("{out}/trap_stubs.s"), asm).expect("write trap_stubs.s");

    // The init program embedded in the kernel (boot::init_image).
    println!("cargo:rerun-if-env-changed=CAPOS_INIT_ELF");
    let init = std::env::var("CAPOS_INIT_ELF")
        .unwrap_or_else(|_| format!("{dir}/../target/user/x86_64-unknown-capos/user/init"));
    println!("cargo:rerun-if-changed={init}");
    let bytes = std::fs::read(&init).unwrap_or_default();
    std::fs::write(format!("{out}/init.elf"), bytes).expect("write init.elf");
}
