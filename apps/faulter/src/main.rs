//! `faulter`: misbehaves on purpose so tests can check that the kernel ends
//! only this process and reports how. The first argument picks how:
//!
//! - `null` (default): reads through a null pointer (#PF at address 0);
//! - `ud`: executes an invalid instruction (#UD);
//! - `gp`: executes a privileged instruction (#GP);
//! - `div`: divides by zero (#DE);
//! - `spin`: loops forever (to be killed through its handle).
#![no_std]
#![no_main]

extern crate alloc;

use capos::prelude::*;

capos::entry_point!(main);

fn main(caps: Caps) -> i32 {
    let how = caps.args().nth(1).unwrap_or("null");
    if let Ok(console) = Console::from_caps(&caps, "console") {
        let _ = console.line(&alloc::format!("faulter: about to fault ({how})"));
    }
    match how {
        "null" => {
            let null = core::ptr::null::<u64>();
            // SAFETY: none needed — the read faults on purpose; the kernel
            // must end this process and nothing else.
            let value = unsafe { core::ptr::read_volatile(null) };
            value as i32
        }
        "ud" => {
            // SAFETY: none needed — `ud2` faults on purpose.
            unsafe { core::arch::asm!("ud2", options(noreturn)) }
        }
        "gp" => {
            // SAFETY: none needed — `hlt` in user mode faults (#GP) on purpose.
            unsafe { core::arch::asm!("hlt", options(noreturn)) }
        }
        "div" => {
            // SAFETY: none needed — dividing by zero faults (#DE) on purpose;
            // the clobbered registers are declared.
            unsafe {
                core::arch::asm!("xor edx, edx", "xor ecx, ecx", "div ecx", out("eax") _, out("ecx") _, out("edx") _)
            };
            0
        }
        "spin" => loop {
            core::hint::spin_loop();
        },
        _ => 2,
    }
}
