//! `capos_lib::elf::parse` on arbitrary bytes, and on a valid template
//! image with the input XORed over it (so the fuzzer starts from an image
//! that parses and explores every header field near validity). Whatever
//! parses must satisfy every rule the loader relies on.
#![no_main]

use capos_lib::elf::{self, ElfImage, PAGE_SIZE, USER_END_ADDR, USER_MIN_ADDR};
use libfuzzer_sys::fuzz_target;

fn put(out: &mut [u8], at: usize, bytes: &[u8]) {
    out[at..at + bytes.len()].copy_from_slice(bytes);
}

/// A valid static executable: text (RX) with the headers, rodata (R),
/// data and bss (RW), a TLS template, a non-executable PT_GNU_STACK.
fn template() -> Vec<u8> {
    const TEXT: u64 = 0x40_0000;
    const DATA: u64 = 0x60_0000;
    // (type, flags, offset, vaddr, filesz, memsz, align)
    let phdrs: [(u32, u32, u64, u64, u64, u64, u64); 5] = [
        (1, 5, 0, TEXT, 0x200, 0x200, 0x1000),
        (1, 4, 0x200, TEXT + 0x1200, 0x40, 0x40, 0x1000),
        (1, 6, 0x240, DATA + 0x240, 0x40, 0x2000, 0x1000),
        (7, 4, 0x260, DATA + 0x260, 0x10, 0x30, 16),
        (0x6474_e551, 6, 0, 0, 0, 0, 16),
    ];
    let mut out = vec![0u8; 0x280];
    put(&mut out, 0, &[0x7f, b'E', b'L', b'F', 2, 1, 1]);
    put(&mut out, 16, &2u16.to_le_bytes());
    put(&mut out, 18, &62u16.to_le_bytes());
    put(&mut out, 20, &1u32.to_le_bytes());
    put(&mut out, 24, &(TEXT + 0x180).to_le_bytes());
    put(&mut out, 32, &64u64.to_le_bytes());
    put(&mut out, 52, &64u16.to_le_bytes());
    put(&mut out, 54, &56u16.to_le_bytes());
    put(&mut out, 56, &(phdrs.len() as u16).to_le_bytes());
    for (i, (p_type, flags, offset, vaddr, filesz, memsz, align)) in phdrs.into_iter().enumerate() {
        let at = 64 + i * 56;
        put(&mut out, at, &p_type.to_le_bytes());
        put(&mut out, at + 4, &flags.to_le_bytes());
        put(&mut out, at + 8, &offset.to_le_bytes());
        put(&mut out, at + 16, &vaddr.to_le_bytes());
        put(&mut out, at + 24, &vaddr.to_le_bytes());
        put(&mut out, at + 32, &filesz.to_le_bytes());
        put(&mut out, at + 40, &memsz.to_le_bytes());
        put(&mut out, at + 48, &align.to_le_bytes());
    }
    out
}

/// Checks everything `parse` promises about an accepted image.
fn check(bytes: &[u8], image: &ElfImage) {
    assert!(!image.segments.is_empty());
    let mut pages = 0u64;
    for (i, s) in image.segments.iter().enumerate() {
        assert!(s.mem_size > 0 && s.file_size <= s.mem_size);
        assert!(s.vaddr >= USER_MIN_ADDR && s.end() <= USER_END_ADDR && s.vaddr < s.end());
        assert_eq!(s.vaddr % PAGE_SIZE, s.file_offset % PAGE_SIZE);
        assert!(!(s.flags.write && s.flags.execute), "W^X");
        let file = s.file_bytes(bytes).expect("file range was validated");
        assert_eq!(file.len() as u64, s.file_size);
        // The per-page copies reassemble exactly the file bytes (only the
        // file-backed pages are walked: bss may span billions of pages).
        let mut copied = Vec::new();
        let file_pages = s.page_range().start..(s.vaddr + s.file_size).next_multiple_of(PAGE_SIZE);
        for page in file_pages.step_by(PAGE_SIZE as usize) {
            if let Some(c) = s.page_copy(page) {
                assert!(c.page_offset + c.file_range.len() <= PAGE_SIZE as usize);
                assert_eq!(page + c.page_offset as u64, s.vaddr.max(page));
                copied.extend_from_slice(&bytes[c.file_range]);
            }
        }
        assert_eq!(copied, file);
        for t in &image.segments[i + 1..] {
            let (a, b) = (s.page_range(), t.page_range());
            assert!(a.end <= b.start || b.end <= a.start, "segments share a page");
        }
        pages += s.page_count();
    }
    assert_eq!(image.page_count(), pages);
    assert!(image.segments.iter().any(|s| s.flags.execute && s.contains(image.entry)));
    assert!(image.end() <= USER_END_ADDR && image.end().is_multiple_of(PAGE_SIZE));
    if let Some(tls) = image.tls {
        assert!(tls.file_size <= tls.mem_size && tls.align.is_power_of_two() && tls.align <= PAGE_SIZE);
        assert_eq!(tls.file_bytes(bytes).map(<[u8]>::len), Some(tls.file_size as usize));
    }
}

fn run(bytes: &[u8]) {
    match elf::parse(bytes) {
        Ok(image) => check(bytes, &image),
        Err(e) => {
            // Every error formats.
            let _ = e.to_string();
        }
    }
}

fuzz_target!(|data: &[u8]| {
    run(data);
    // The template with the input XORed over it; input bytes past the
    // template's end are appended.
    let mut image = template();
    for (i, b) in data.iter().enumerate() {
        match image.get_mut(i) {
            Some(t) => *t ^= b,
            None => image.push(*b),
        }
    }
    if data.is_empty() {
        assert!(elf::parse(&image).is_ok(), "the template must be valid");
    }
    run(&image);
});
