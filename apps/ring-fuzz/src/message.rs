//! Random Cap'n Proto messages: well-formed shapes (a root struct with data
//! words and pointers to text, data, structs and lists, the way every
//! kernel method's params look) filled with values that matter to the
//! kernel (sizes, addresses, interface ids), then sometimes mutated: flipped
//! bytes, deep nesting, pointer loops, far and capability pointers, huge
//! segment tables, truncation. Written into a caller's buffer with no
//! allocation (the fuzz loop must not grow the heap: that would use the
//! ring behind the fuzzer's back).

use crate::rng::Rng;
use capos::schema::interface_id;

/// Values a data word of a kernel method's params is likely to care about.
const INTERESTING: &[u64] = &[
    0,
    1,
    2,
    3,
    4,
    7,
    8,
    16,
    255,
    256,
    4096,
    8192,
    65536,
    1 << 20,
    1 << 32,
    u32::MAX as u64,
    u64::MAX,
    i64::MIN as u64,
    capos_abi::layout::ANON_BASE,
    capos_abi::layout::ANON_BASE + 0x10_0000,
    capos_abi::layout::HEAP_ADDR,
    capos_abi::layout::RING_ADDR,
    capos_abi::layout::STACK_TOP - 4096,
    0xffff_8000_0000_0000,
    0x0000_8000_0000_0000,
    interface_id::ECHO,
    interface_id::TIMER,
    interface_id::CONSOLE,
    interface_id::MEMORY_OBJECT,
];

/// A message writer over a segment of words.
struct Segment<'a> {
    words: &'a mut [u64],
    used: usize,
}

impl Segment<'_> {
    fn alloc(&mut self, n: usize) -> Option<usize> {
        let at = self.used;
        if n > self.words.len().saturating_sub(at) {
            return None;
        }
        self.used += n;
        Some(at)
    }

    fn struct_ptr(&mut self, at: usize, target: usize, data: u16, ptrs: u16) {
        let offset = (target as i64 - at as i64 - 1) as u64 & 0x3fff_ffff;
        self.words[at] = (offset << 2) | (u64::from(data) << 32) | (u64::from(ptrs) << 48);
    }

    fn list_ptr(&mut self, at: usize, target: usize, size: u64, count: u64) {
        let offset = (target as i64 - at as i64 - 1) as u64 & 0x3fff_ffff;
        self.words[at] = 1 | (offset << 2) | (size << 32) | ((count & 0x1fff_ffff) << 35);
    }
}

/// A random data word.
pub fn value(rng: &mut Rng) -> u64 {
    match rng.below(8) {
        0 => rng.next(),
        1 => rng.below(64),
        2 => rng.below(16) * 4096,
        _ => {
            let v = rng.pick(INTERESTING);
            if rng.one_in(4) { v.wrapping_add(rng.below(3)).wrapping_sub(1) } else { v }
        }
    }
}

/// Writes a random message into `out`; returns its length in bytes.
pub fn random(rng: &mut Rng, out: &mut [u8]) -> usize {
    let total_words = (out.len() / 8).min(1024);
    if total_words < 2 {
        return 0;
    }
    let mut words = [0u64; 1024];
    let body = total_words - 1;
    let used = {
        let mut seg = Segment { words: &mut words[..body], used: 0 };
        let root = seg.alloc(1).unwrap_or(0);
        if rng.one_in(16) {
            let depth = 8 + rng.below(120) as usize;
            nest(rng, &mut seg, root, depth);
        } else {
            fill_struct(rng, &mut seg, root, 3);
        }
        seg.used
    };
    let table = (used as u64) << 32;
    out[..8].copy_from_slice(&table.to_le_bytes());
    for (i, w) in words[..used].iter().enumerate() {
        out[8 + i * 8..16 + i * 8].copy_from_slice(&w.to_le_bytes());
    }
    let len = 8 + used * 8;
    mutate(rng, &mut out[..len]);
    if rng.one_in(12) { rng.below(len as u64 + 1) as usize } else { len }
}

/// A chain of `depth` structs, each the first pointer of the one before
/// (the kernel bounds nesting; a loop back to an outer pointer sometimes).
fn nest(rng: &mut Rng, seg: &mut Segment<'_>, at: usize, depth: usize) {
    let mut at = at;
    for _ in 0..depth {
        let Some(target) = seg.alloc(2) else { return };
        seg.struct_ptr(at, target, 1, 1);
        seg.words[target] = value(rng);
        at = target + 1;
    }
    if rng.one_in(2) {
        // A pointer to itself: offset -1.
        seg.words[at] = 0x3fff_ffff << 2;
    }
}

/// A struct with random data words and pointers at pointer slot `at`.
fn fill_struct(rng: &mut Rng, seg: &mut Segment<'_>, at: usize, depth: u32) {
    let data = rng.below(4) as u16;
    let ptrs = rng.below(5) as u16;
    let Some(target) = seg.alloc(usize::from(data + ptrs)) else { return };
    seg.struct_ptr(at, target, data, ptrs);
    for i in 0..usize::from(data) {
        seg.words[target + i] = value(rng);
    }
    for i in 0..usize::from(ptrs) {
        pointer(rng, seg, target + usize::from(data) + i, depth);
    }
}

/// A random pointer at slot `at`.
fn pointer(rng: &mut Rng, seg: &mut Segment<'_>, at: usize, depth: u32) {
    match rng.below(10) {
        0 => {}
        1 | 2 => text(rng, seg, at),
        3 if depth > 0 => fill_struct(rng, seg, at, depth - 1),
        4 if depth > 0 => struct_list(rng, seg, at, depth - 1),
        5 => text_list(rng, seg, at),
        // A far pointer to a segment that may not exist.
        6 => seg.words[at] = 2 | (rng.below(64) << 3) | (rng.below(4) << 32),
        // A capability pointer: index into the sent caps.
        7 => seg.words[at] = 3 | (rng.below(4) << 32),
        // Anything at all (offsets out of bounds, huge counts).
        8 => seg.words[at] = rng.next(),
        _ => text(rng, seg, at),
    }
}

/// A byte list (text with its NUL, or data).
fn text(rng: &mut Rng, seg: &mut Segment<'_>, at: usize) {
    const WORDS: &[&[u8]] = &[b"ring-fuzz\0", b"hello\0", b"/etc\0", b"x\0", b"\0", b"a b\0"];
    let bytes = rng.pick(WORDS);
    let len = if rng.one_in(8) { rng.below(64) as usize } else { bytes.len() };
    let Some(target) = seg.alloc(len.div_ceil(8)) else { return };
    for (i, b) in bytes.iter().take(len).enumerate() {
        seg.words[target + i / 8] |= u64::from(*b) << ((i % 8) * 8);
    }
    seg.list_ptr(at, target, 2, len as u64);
}

/// A list of texts (argument lists, environments).
fn text_list(rng: &mut Rng, seg: &mut Segment<'_>, at: usize) {
    let count = rng.below(4) as usize;
    let Some(target) = seg.alloc(count) else { return };
    seg.list_ptr(at, target, 6, count as u64);
    for i in 0..count {
        text(rng, seg, target + i);
    }
}

/// A composite list of small structs (cap grants and the like).
fn struct_list(rng: &mut Rng, seg: &mut Segment<'_>, at: usize, depth: u32) {
    let count = rng.below(3) as usize;
    let (data, ptrs) = (1usize, 1usize);
    let Some(tag) = seg.alloc(1 + count * (data + ptrs)) else { return };
    seg.list_ptr(at, tag, 7, (count * (data + ptrs)) as u64);
    seg.words[tag] = ((count as u64) << 2) | ((data as u64) << 32) | ((ptrs as u64) << 48);
    for i in 0..count {
        let element = tag + 1 + i * (data + ptrs);
        seg.words[element] = value(rng);
        if depth > 0 && rng.one_in(2) {
            text(rng, seg, element + 1);
        }
    }
}

/// Sometimes damages the message: flipped bytes, a wrong or huge segment
/// table.
fn mutate(rng: &mut Rng, bytes: &mut [u8]) {
    if rng.one_in(3) {
        for _ in 0..1 + rng.below(4) {
            let i = rng.below(bytes.len() as u64) as usize;
            bytes[i] ^= 1 << rng.below(8);
        }
    }
    if rng.one_in(10) {
        let i = rng.below(bytes.len() as u64) as usize;
        bytes[i] = rng.next() as u8;
    }
    if rng.one_in(20) && bytes.len() >= 8 {
        // Segment count and first size.
        let count = rng.pick(&[1u32, 2, 511, 512, u32::MAX]);
        bytes[..4].copy_from_slice(&count.to_le_bytes());
        if rng.one_in(2) {
            let size = rng.pick(&[0u32, 1, 0x1_0000, u32::MAX]);
            bytes[4..8].copy_from_slice(&size.to_le_bytes());
        }
    }
}
