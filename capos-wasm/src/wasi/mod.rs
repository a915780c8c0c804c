//! The functions of `wasi_snapshot_preview1`, grouped by what they work
//! on; [`crate::link`] links them. `docs/wasi.md` lists each one.

pub mod fd;
pub mod path;
pub mod process;
