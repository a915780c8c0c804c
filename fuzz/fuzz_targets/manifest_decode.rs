//! Fuzz target `manifest_decode`: arbitrary bytes into the boot-manifest
//! decoder (`capos_config::manifest::decode`, which init runs on the
//! manifest it reads from the boot package). Decoding must never panic;
//! what decodes must validate without panicking and survive an
//! encode/decode round trip unchanged (`fuzz_decode` asserts that).
//!
//! Run: `cargo +nightly fuzz run manifest_decode -- -max_len=65536`.
//! Seeds: any manifest `tools/mkmanifest` writes (e.g. `build/manifest.bin`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    capos_config::manifest::fuzz_decode(data);
});
