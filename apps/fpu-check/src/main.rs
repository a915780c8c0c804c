//! `fpu-check`: fills the 16 XMM registers with values derived from its
//! first argument, spins for about 300 ms in a loop that touches only
//! integer registers, and checks the XMM registers still hold its values.
//! It counts the gaps in the time-stamp counter longer than 2 ms while it
//! spins: each is a time it was preempted. Run two at once (manifest
//! `systems/fpu.cue`): if the kernel did not save and restore each thread's
//! SSE state, or did not preempt, the report says so.
//!
//! Prints `fpu-check TAG: xmm intact across N preemptions` (exit 0) or
//! `fpu-check TAG: xmm CORRUPTED ...` (exit 1).
#![no_std]
#![no_main]

extern crate alloc;

use alloc::format;
use capos::prelude::*;

capos::entry_point!(main);

fn rdtsc() -> u64 {
    // SAFETY: RDTSC has no side effects and is allowed in user mode.
    unsafe { core::arch::x86_64::_rdtsc() }
}

/// Loads `input` into XMM0..15, spins until `budget` TSC cycles passed,
/// counting gaps over `gap` cycles, stores XMM0..15 into `output`.
fn hold_and_spin(input: &[u64; 32], output: &mut [u64; 32], budget: u64, gap: u64) -> u64 {
    let gaps: u64;
    // SAFETY: reads 256 bytes from `input` and writes 256 bytes to
    // `output` (both arrays of 32 u64); every register it changes is
    // declared as clobbered.
    unsafe {
        core::arch::asm!(
            "movdqu xmm0, [{src}]", "movdqu xmm1, [{src} + 16]", "movdqu xmm2, [{src} + 32]",
            "movdqu xmm3, [{src} + 48]", "movdqu xmm4, [{src} + 64]", "movdqu xmm5, [{src} + 80]",
            "movdqu xmm6, [{src} + 96]", "movdqu xmm7, [{src} + 112]", "movdqu xmm8, [{src} + 128]",
            "movdqu xmm9, [{src} + 144]", "movdqu xmm10, [{src} + 160]", "movdqu xmm11, [{src} + 176]",
            "movdqu xmm12, [{src} + 192]", "movdqu xmm13, [{src} + 208]", "movdqu xmm14, [{src} + 224]",
            "movdqu xmm15, [{src} + 240]",
            "rdtsc", "shl rdx, 32", "or rax, rdx", "mov {start}, rax", "mov {prev}, rax", "xor {gaps}, {gaps}",
            "2:",
            "rdtsc", "shl rdx, 32", "or rax, rdx",
            "mov rdx, rax", "sub rdx, {prev}", "mov {prev}, rax",
            "cmp rdx, {gap}", "jbe 3f", "inc {gaps}",
            "3:",
            "sub rax, {start}", "cmp rax, {budget}", "jb 2b",
            "movdqu [{dst}], xmm0", "movdqu [{dst} + 16], xmm1", "movdqu [{dst} + 32], xmm2",
            "movdqu [{dst} + 48], xmm3", "movdqu [{dst} + 64], xmm4", "movdqu [{dst} + 80], xmm5",
            "movdqu [{dst} + 96], xmm6", "movdqu [{dst} + 112], xmm7", "movdqu [{dst} + 128], xmm8",
            "movdqu [{dst} + 144], xmm9", "movdqu [{dst} + 160], xmm10", "movdqu [{dst} + 176], xmm11",
            "movdqu [{dst} + 192], xmm12", "movdqu [{dst} + 208], xmm13", "movdqu [{dst} + 224], xmm14",
            "movdqu [{dst} + 240], xmm15",
            src = in(reg) input.as_ptr(),
            dst = in(reg) output.as_mut_ptr(),
            budget = in(reg) budget,
            gap = in(reg) gap,
            start = out(reg) _,
            prev = out(reg) _,
            gaps = out(reg) gaps,
            out("rax") _, out("rdx") _,
            out("xmm0") _, out("xmm1") _, out("xmm2") _, out("xmm3") _, out("xmm4") _, out("xmm5") _,
            out("xmm6") _, out("xmm7") _, out("xmm8") _, out("xmm9") _, out("xmm10") _, out("xmm11") _,
            out("xmm12") _, out("xmm13") _, out("xmm14") _, out("xmm15") _,
            options(nostack),
        );
    }
    gaps
}

fn main(caps: Caps) -> i32 {
    let console = match Console::from_caps(&caps, "console") {
        Ok(console) => console,
        Err(e) => return fail(e),
    };
    let timer = match Timer::from_caps(&caps, "timer") {
        Ok(timer) => timer,
        Err(e) => return fail(e),
    };
    let tag = caps.args().nth(1).unwrap_or("x");
    let seed =
        tag.bytes().fold(0x9e37_79b9_7f4a_7c15u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
    // TSC cycles per millisecond, from a 20 ms sleep.
    let (Ok(t0), c0) = (timer.now(), rdtsc()) else { return 1 };
    if timer.sleep(20_000_000).is_err() {
        return 1;
    }
    let (Ok(t1), c1) = (timer.now(), rdtsc()) else { return 1 };
    let per_ms = (c1 - c0) / ((t1 - t0) / 1_000_000).max(1);
    let mut input = [0u64; 32];
    for (i, v) in input.iter_mut().enumerate() {
        *v = seed.rotate_left(i as u32) ^ (i as u64);
    }
    let mut output = [0u64; 32];
    let gaps = hold_and_spin(&input, &mut output, 300 * per_ms, 2 * per_ms);
    let report = if input == output {
        format!("fpu-check {tag}: xmm intact across {gaps} preemptions")
    } else {
        let bad = input.iter().zip(&output).filter(|(a, b)| a != b).count();
        format!("fpu-check {tag}: xmm CORRUPTED ({bad} of 32 words changed) across {gaps} preemptions")
    };
    let _ = console.line(&report);
    if input == output { 0 } else { 1 }
}
