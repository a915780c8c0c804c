//! x86_64 support: CPU features and control registers, segmentation
//! (GDT/TSS), interrupts (IDT, trap entry, exception reports), and the
//! interrupt controllers and timers (8259 PIC, PIT, local APIC, I/O APIC).
pub mod context;
pub mod cpu;
pub mod gdt;
pub mod idt;
pub mod ioapic;
pub mod lapic;
pub mod pci;
pub mod percpu;
pub mod pic;
pub mod pit;
pub mod syscall;
pub mod trap;
