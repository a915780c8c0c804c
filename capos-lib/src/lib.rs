//! Pure logic of capOS that needs no hardware: it is `no_std` so the kernel
//! uses it directly, and it is tested on the host (`cargo test -p capos-lib`,
//! `cargo miri test -p capos-lib`).
//!
//! The kernel only wires these pieces to real memory and registers.
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

pub mod frame_bitmap;
