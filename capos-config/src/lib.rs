//! Layouts that cross the user/kernel boundary, defined once for both
//! sides: the capability ring (`ring`), the bootstrap CapSet page
//! (`capset`), the boot-manifest model (`manifest`), byte counts as
//! services take them (`size`), and small Cap'n Proto messages written
//! without a builder (`wire`).
//!
//! `no_std`, no unsafe code; tested on the host.
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

pub mod capset;
pub mod manifest;
pub mod ring;
pub mod size;
pub mod wire;
