//! Pure logic of capOS that needs no hardware: it is `no_std` so the kernel
//! uses it directly, and it is tested on the host (`cargo test -p capos-lib`,
//! `cargo miri test -p capos-lib`).
//!
//! The kernel only wires these pieces to real memory and registers:
//!
//! - [`frame_bitmap`]: which physical frames are free;
//! - [`frame_shares`]: how many owners a frame shared by copy-on-write
//!   `fork` has;
//! - [`elf`]: validating the static ELF64 user programs it loads;
//! - [`cap_table`]: per-process capability tables and all-or-nothing cap
//!   transfers between them;
//! - [`endpoint_queue`]: which receiver gets which queued endpoint call;
//! - [`inline_list`]: a list whose first item takes no heap;
//! - [`fd_table`]: the fd table of the POSIX adapter and the WASI host;
//! - [`kmem_quota`]: each process's account of the kernel memory it caused;
//! - [`park_table`]: the calls parked on words of memory (PARK/UNPARK);
//! - [`segment_cache`]: which read-only program segments the kernel keeps
//!   in frames for the next `exec` of the same program;
//! - [`size_class`]: the size classes of the userspace heap's bins.
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

extern crate alloc;

pub mod cap_table;
pub mod civil_time;
pub mod elf;
pub mod endpoint_queue;
pub mod fd_handover;
pub mod fd_table;
pub mod frame_bitmap;
pub mod frame_shares;
pub mod inline_list;
pub mod kmem_quota;
pub mod line_discipline;
pub mod park_table;
pub mod segment_cache;
pub mod shell_words;
pub mod size_class;
