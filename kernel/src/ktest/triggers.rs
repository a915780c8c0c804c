//! Deliberate failures for the harness's own tests (`ktest.trigger=NAME`).
//! Each one is a real fault or panic, done in assembly where Rust would
//! consider the access undefined behaviour.

use core::arch::asm;

/// Address the `page-fault` trigger writes to: in the lower half, never
/// mapped by the kernel.
pub const UNMAPPED_ADDRESS: u64 = 0x0dea_d000_0000;

static RODATA_PROBE: u64 = 0x5AFE;

/// Fires the trigger `name`; an unknown name panics with a clear message.
pub fn fire(name: &str) -> ! {
    log::info!("firing deliberate failure {name:?}");
    match name {
        "page-fault" => {
            // SAFETY: deliberately faults; the #PF handler reports it and
            // ends the run, so execution never continues past the store.
            unsafe { asm!("mov qword ptr [{0}], 1", in(reg) UNMAPPED_ADDRESS, options(nostack)) };
        }
        "panic" => panic!("deliberate panic (ktest.trigger=panic)"),
        "write-rodata" => {
            let target = &raw const RODATA_PROBE;
            // SAFETY: deliberately writes to a read-only page to prove W^X;
            // the #PF handler ends the run before anything reads the value.
            unsafe { asm!("mov qword ptr [{0}], 1", in(reg) target, options(nostack)) };
        }
        "stack-overflow" => {
            // SAFETY: deliberately pushes until the stack's guard page; the
            // resulting #PF cannot be delivered on the same stack, so the
            // CPU raises #DF on its IST stack, whose handler ends the run.
            unsafe { asm!("2: push rax", "jmp 2b", options(noreturn)) };
        }
        other => panic!("unknown ktest.trigger {other:?}"),
    }
    panic!("deliberate failure {name:?} did not stop the kernel")
}
