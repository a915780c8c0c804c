//! Cap'n Proto messages whose root is one struct of data fields only (no
//! pointers), written without a message builder and so without the heap:
//! the kernel's small replies (`Timer.now`, every empty result) and the
//! runtime's empty params use them on the call fast path.
//!
//! The bytes are what `capnp::serialize` writes for the same message
//! built with a builder (a one-segment table, the root pointer, the data
//! words): readers cannot tell them apart, and the host tests check that
//! byte for byte.

/// Bytes of a message whose root struct has `data_words` words of data:
/// the segment table (8), the root pointer (8) and the data.
pub const fn data_struct_len(data_words: usize) -> usize {
    16 + 8 * data_words
}

/// The message of an empty struct (every `-> ()` method's results).
pub const EMPTY_STRUCT: [u8; 16] = [0, 0, 0, 0, 1, 0, 0, 0, 0xfc, 0xff, 0xff, 0xff, 0, 0, 0, 0];

/// The message with a null root: a params struct with every field at
/// its default (what a request without params sends).
pub const NULL_ROOT: [u8; 16] = [0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];

/// Writes the message of a root struct whose data section is `data` into
/// the start of `out`; returns its length, or `None` if `out` is shorter
/// than [`data_struct_len`] or `data` has more than 65 535 words.
pub fn write_data_struct(data: &[u64], out: &mut [u8]) -> Option<usize> {
    let len = data_struct_len(data.len());
    let header = data_struct_header(u16::try_from(data.len()).ok()?);
    let out = out.get_mut(..len)?;
    for (chunk, word) in out.chunks_exact_mut(8).zip(header.iter().chain(data)) {
        chunk.copy_from_slice(&word.to_le_bytes());
    }
    Some(len)
}

/// [`write_data_struct`] as 64-bit words (the message's bytes are their
/// little-endian bytes): the form the kernel writes a call's results in at
/// once. Returns the number of words, or `None` if `out` has fewer than
/// `2 + data.len()` or `data` more than 65 535 words.
pub fn data_struct_words(data: &[u64], out: &mut [u64]) -> Option<usize> {
    let header = data_struct_header(u16::try_from(data.len()).ok()?);
    let out = out.get_mut(..2 + data.len())?;
    out[..2].copy_from_slice(&header);
    out[2..].copy_from_slice(data);
    Some(out.len())
}

/// The first two words of a data-only struct message of `words` data
/// words: the segment table (one segment, count - 1 = 0, of 1 + n words)
/// and the root, a struct pointer to the next word (offset 0) with n data
/// words and no pointers; an empty struct points at offset -1, as capnp
/// encodes it so that it does not read as a null pointer.
fn data_struct_header(words: u16) -> [u64; 2] {
    let table = (1 + u64::from(words)) << 32;
    let root = if words == 0 { 0xffff_fffc } else { u64::from(words) << 32 };
    [table, root]
}

/// Bytes of a message whose root struct has `data_words` words of data
/// (0 or 1) and one pointer, a `Data` field of `len` bytes (`Pipe.read`'s
/// results, `Pipe.write`'s params): the segment table, the root pointer,
/// the struct (its data and its pointer), the bytes padded to a word.
pub const fn bytes_struct_len(data_words: usize, len: usize) -> usize {
    24 + 8 * data_words + len.div_ceil(8) * 8
}

/// The header of the message [`bytes_struct_len`] counts: what comes
/// before the `len` bytes of data (which the caller appends, then zero
/// padding to a word), with `data` as the struct's data word if given.
/// Returns the header's buffer and its length (24 or 32 bytes); `None`
/// past what one segment holds.
pub fn bytes_struct_header(data: Option<u64>, len: usize) -> Option<([u8; 32], usize)> {
    let count = u32::try_from(len).ok().filter(|&n| n < 1 << 29)?;
    let data_words: u16 = if data.is_some() { 1 } else { 0 };
    let words = 2 + u32::from(data_words) + count.div_ceil(8);
    let mut out = [0u8; 32];
    // One segment of `words` words.
    out[4..8].copy_from_slice(&words.to_le_bytes());
    // Root: a struct pointer to the next word, its data and one pointer.
    out[12..14].copy_from_slice(&data_words.to_le_bytes());
    out[14..16].copy_from_slice(&1u16.to_le_bytes());
    let mut at = 16;
    if let Some(word) = data {
        out[16..24].copy_from_slice(&word.to_le_bytes());
        at = 24;
    }
    // The struct's pointer: a list pointer to the next word (offset 0,
    // kind 1), of byte elements (size 2) and `len` of them.
    out[at..at + 4].copy_from_slice(&1u32.to_le_bytes());
    out[at + 4..at + 8].copy_from_slice(&((count << 3) | 2).to_le_bytes());
    Some((out, at + 8))
}

/// The data section of a message's root struct, read in place: word `i`
/// is what a Cap'n Proto reader gives for a 64-bit field at word `i` (0
/// past the section, as for a struct written by an older schema).
#[derive(Debug, Clone, Copy)]
pub struct DataWords<'a>(&'a [u8]);

impl DataWords<'_> {
    /// Data word `i`, or 0 past the section.
    pub fn word(&self, i: usize) -> u64 {
        self.0.get(i * 8..i * 8 + 8).map_or(0, |b| u64::from_le_bytes(b.try_into().unwrap_or([0; 8])))
    }

    /// Words in the section.
    pub fn len(&self) -> usize {
        self.0.len() / 8
    }

    /// Whether the section is empty (a null or empty root).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The root struct's data section of `message`, read without a Cap'n
/// Proto reader, when the message has the shape the writers above give
/// it: exactly one segment filling the message, whose first word (the
/// root) is null or a struct pointer to a struct inside the segment.
/// Anything else (several segments, a far or list pointer, a struct out
/// of bounds, trailing bytes) gives `None`, and the caller reads the
/// message with capnp, which accepts or refuses it: this is a fast path
/// for a subset of the messages capnp accepts, with the same values
/// (host tests compare the two on valid and corrupted messages).
pub fn read_data_struct(message: &[u8]) -> Option<DataWords<'_>> {
    let word = |at: usize| message.get(at..at + 8).and_then(|b| b.try_into().ok()).map(u64::from_le_bytes);
    let table = word(0)?;
    // One segment (count - 1 = 0) whose words fill the rest exactly.
    let segment_words = usize::try_from(table >> 32).ok()?;
    if table as u32 != 0 || segment_words == 0 || message.len() != 8 + segment_words.checked_mul(8)? {
        return None;
    }
    let root = word(8)?;
    if root == 0 {
        return Some(DataWords(&[]));
    }
    if root & 3 != 0 {
        return None;
    }
    // Offset in words from the end of the pointer (signed 30 bits), the
    // data and pointer words of the struct.
    let offset = i64::from((root as u32 as i32) >> 2);
    let data = usize::from((root >> 32) as u16);
    let pointers = usize::from((root >> 48) as u16);
    let start = usize::try_from(1 + offset).ok()?;
    if start + data + pointers > segment_words {
        return None;
    }
    message.get(8 + start * 8..8 + (start + data) * 8).map(DataWords)
}

#[cfg(test)]
mod tests {
    use super::*;
    use capos_schema::{console, timer};

    fn built<F: FnOnce(&mut capnp::message::Builder<capnp::message::HeapAllocator>)>(f: F) -> Vec<u8> {
        let mut message = capnp::message::Builder::new_default();
        f(&mut message);
        capnp::serialize::write_message_to_words(&message)
    }

    #[test]
    fn one_word_struct_matches_the_builder() {
        let expected =
            built(|m| m.init_root::<timer::now_results::Builder<'_>>().set_ns(0x0123_4567_89ab_cdef));
        let mut out = [0u8; 64];
        let len = write_data_struct(&[0x0123_4567_89ab_cdef], &mut out).unwrap();
        assert_eq!(&out[..len], &expected[..]);
        assert_eq!(len, data_struct_len(1));
    }

    #[test]
    fn data_struct_words_are_the_same_bytes() {
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        for n in 0..=8 {
            let data: Vec<u64> = (0..n)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    x
                })
                .collect();
            let mut bytes = [0u8; 96];
            let len = write_data_struct(&data, &mut bytes).unwrap();
            let mut words = [0u64; 10];
            let n_words = data_struct_words(&data, &mut words).unwrap();
            let as_bytes: Vec<u8> = words[..n_words].iter().flat_map(|w| w.to_le_bytes()).collect();
            assert_eq!(&as_bytes[..], &bytes[..len], "{n} data words");
        }
        assert_eq!(data_struct_words(&[1, 2], &mut [0u64; 3]), None, "too short");
    }

    #[test]
    fn pipe_write_results_are_one_data_word() {
        let expected =
            built(|m| m.init_root::<capos_schema::pipe::write_results::Builder<'_>>().set_written(4096));
        let mut out = [0u8; 24];
        let len = write_data_struct(&[4096], &mut out).unwrap();
        assert_eq!(&out[..len], &expected[..]);
    }

    #[test]
    fn wall_clock_now_results_are_two_data_words() {
        use capos_schema::TimeProvenance;
        for (seconds, nanos, provenance) in
            [(1_796_190_350i64, 155_795_356u32, TimeProvenance::Untrusted), (-5, 0, TimeProvenance::Unset)]
        {
            let expected = built(|m| {
                let mut r = m.init_root::<capos_schema::wall_clock::now_results::Builder<'_>>();
                r.set_seconds(seconds);
                r.set_nanos(nanos);
                r.set_provenance(provenance);
            });
            // `seconds` is word 0; `nanos` the low half of word 1 and the
            // enum (UInt16) the 16 bits above it.
            let word1 = u64::from(nanos) | u64::from(provenance as u16) << 32;
            let mut out = [0u8; 32];
            let len = write_data_struct(&[seconds as u64, word1], &mut out).unwrap();
            assert_eq!(&out[..len], &expected[..]);
        }
    }

    #[test]
    fn empty_struct_matches_the_builder() {
        let expected = built(|m| {
            m.init_root::<console::write_results::Builder<'_>>();
        });
        let mut out = [0u8; 16];
        assert_eq!(write_data_struct(&[], &mut out), Some(16));
        assert_eq!(&out[..], &expected[..]);
        assert_eq!(&EMPTY_STRUCT[..], &expected[..]);
    }

    #[test]
    fn null_root_matches_the_builder() {
        let expected = built(|m| {
            m.init_root::<capnp::any_pointer::Builder<'_>>();
        });
        assert_eq!(&NULL_ROOT[..], &expected[..]);
    }

    #[test]
    fn written_messages_read_back() {
        let mut out = [0u8; 40];
        let len = write_data_struct(&[7, 9, 11], &mut out).unwrap();
        let mut slice = &out[..len];
        let reader =
            capnp::serialize::read_message_from_flat_slice(&mut slice, capnp::message::ReaderOptions::new())
                .unwrap();
        // A reader of a smaller struct type sees its first field.
        let now: timer::now_results::Reader<'_> = reader.get_root().unwrap();
        assert_eq!(now.get_ns(), 7);
        assert!(slice.is_empty(), "the whole message was read");
    }

    fn with_bytes(data: Option<u64>, bytes: &[u8]) -> Vec<u8> {
        let (header, n) = bytes_struct_header(data, bytes.len()).unwrap();
        let mut ours = header[..n].to_vec();
        ours.extend_from_slice(bytes);
        ours.resize(bytes_struct_len(usize::from(data.is_some()), bytes.len()), 0);
        ours
    }

    #[test]
    fn byte_structs_match_the_builder() {
        use capos_schema::pipe;
        for len in [0usize, 1, 7, 8, 9, 100, 4096] {
            let data: Vec<u8> = (0..len).map(|i| (i * 7 + 1) as u8).collect();
            let expected = built(|m| m.init_root::<pipe::read_results::Builder<'_>>().set_data(&data));
            assert_eq!(with_bytes(None, &data), expected, "read results of {len} bytes");
            for nonblocking in [false, true] {
                let expected = built(|m| {
                    let mut p = m.init_root::<pipe::write_params::Builder<'_>>();
                    p.set_data(&data);
                    p.set_nonblocking(nonblocking);
                });
                assert_eq!(
                    with_bytes(Some(u64::from(nonblocking)), &data),
                    expected,
                    "write params of {len} bytes, nonblocking {nonblocking}"
                );
            }
        }
    }

    #[test]
    fn pipe_read_params_are_one_data_word() {
        let expected = built(|m| {
            let mut p = m.init_root::<capos_schema::pipe::read_params::Builder<'_>>();
            p.set_max(65536);
            p.set_nonblocking(true);
        });
        let mut out = [0u8; 24];
        let len = write_data_struct(&[65536 | 1 << 32], &mut out).unwrap();
        assert_eq!(&out[..len], &expected[..]);
    }

    #[test]
    fn short_buffers_are_refused() {
        let mut out = [0u8; 23];
        assert_eq!(write_data_struct(&[1], &mut out), None);
        assert_eq!(out, [0u8; 23], "nothing is written to a buffer that is too short");
    }

    /// The root's first two data words as capnp reads them (`WallClock`'s
    /// results: `seconds` in word 0, `nanos` and `provenance` in word 1),
    /// or `None` if capnp refuses the message.
    fn capnp_words(message: &[u8]) -> Option<(u64, u64)> {
        let mut slice = message;
        let options = capnp::message::ReaderOptions::new();
        let segments = capnp::serialize::NoAllocSliceSegments::from_slice(&mut slice, options).ok()?;
        let reader = capnp::message::Reader::new(segments, options);
        let root = reader.get_root::<capos_schema::wall_clock::now_results::Reader<'_>>().ok()?;
        let provenance = match root.get_provenance() {
            Ok(p) => p as u16,
            Err(capnp::NotInSchema(raw)) => raw,
        };
        let second = u64::from(root.get_nanos()) | u64::from(provenance) << 32;
        Some((root.get_seconds() as u64, second))
    }

    fn fast_words(message: &[u8]) -> Option<(u64, u64)> {
        read_data_struct(message).map(|d| (d.word(0), d.word(1) & 0xffff_ffff_ffff))
    }

    #[test]
    fn data_structs_read_in_place_as_capnp_reads_them() {
        let mut out = [0u8; 64];
        for data in [&[][..], &[7][..], &[0x1122_3344_5566_7788, 0x0002_0000_0042][..], &[1, 2, 3][..]] {
            let len = write_data_struct(data, &mut out).unwrap();
            let fast = read_data_struct(&out[..len]).expect("the writer's shape");
            assert_eq!(fast.len(), data.len());
            assert_eq!(fast_words(&out[..len]), capnp_words(&out[..len]));
        }
        assert!(read_data_struct(&NULL_ROOT).unwrap().is_empty());
        assert_eq!(fast_words(&NULL_ROOT), capnp_words(&NULL_ROOT));
        // A message built by capnp, with a pointer field as well.
        let message = built(|m| {
            let mut r = m.init_root::<capos_schema::wall_clock::now_results::Builder<'_>>();
            r.set_seconds(-3);
            r.set_nanos(999);
        });
        assert_eq!(fast_words(&message), capnp_words(&message));
    }

    #[test]
    fn read_in_place_never_disagrees_with_capnp() {
        // Corrupt valid messages at random (a fixed seed): wherever the
        // fast path answers, capnp accepts the message and reads the same.
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut answered = 0;
        for round in 0..20_000 {
            let mut out = [0u8; 48];
            let words = (round % 4) as usize;
            let data: Vec<u64> = (0..words).map(|_| next()).collect();
            let mut len = write_data_struct(&data, &mut out).unwrap();
            for _ in 0..(next() % 3) {
                let at = (next() % len as u64) as usize;
                out[at] ^= 1 << (next() % 8);
            }
            if next() % 8 == 0 {
                len = (next() % 49) as usize;
            }
            let message = &out[..len];
            if let Some(fast) = fast_words(message) {
                answered += 1;
                assert_eq!(Some(fast), capnp_words(message), "message {message:02x?}");
            }
        }
        assert!(answered > 1000, "the fast path answered only {answered} times");
    }
}
