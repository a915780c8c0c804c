//! The bootstrap CapSet: a read-only region the kernel maps into every new
//! process at [`BOOTSTRAP_ADDR`] and passes to its entry point (in RDI). It
//! names the capabilities the process starts with, its arguments and
//! environment, and where its ring and initial heap are.
//! `docs/capset-abi.md` is the reference.
//!
//! ```text
//! 0             header (HEADER_SIZE bytes, fields below)
//! caps_offset   cap_count x CapEntry (ENTRY_SIZE bytes each)
//! args_offset   arg_count x (offset u32, len u32), then the bytes
//! env_offset    env_count x (offset u32, len u32), then the bytes
//! ```
//!
//! Strings are UTF-8, each followed by a NUL byte not counted in `len`
//! (so C code can use them in place). Offsets are from the region start.
//! [`CapSetWriter`] builds a region (kernel side) and [`CapSet::parse`]
//! validates one completely before anything is read from it (runtime side).

/// User virtual address of the bootstrap region.
pub const BOOTSTRAP_ADDR: u64 = capos_abi::layout::BOOTSTRAP_ADDR;
/// Largest bootstrap region, in bytes.
pub const MAX_BOOTSTRAP_SIZE: usize = 64 * 1024;
/// Magic: `CAPSET01` in ASCII.
pub const CAPSET_MAGIC: u64 = u64::from_le_bytes(*b"CAPSET01");
/// Layout version.
pub const CAPSET_VERSION: u32 = 1;
/// Header size in bytes.
pub const HEADER_SIZE: usize = 96;
/// Size of one cap entry in bytes.
pub const ENTRY_SIZE: usize = 48;
/// Longest cap name in bytes.
pub const MAX_NAME_LEN: usize = 32;
/// Most caps one process starts with.
pub const MAX_CAPS: usize = 64;
/// Most arguments, and most environment strings, one process starts with.
pub const MAX_STRINGS: usize = 256;

/// Byte offsets of the header fields (little-endian).
pub mod header {
    /// `u64` magic.
    pub const MAGIC: usize = 0;
    /// `u32` version.
    pub const VERSION: usize = 8;
    /// `u32` bytes of the region in use.
    pub const TOTAL_SIZE: usize = 12;
    /// `u32` number of cap entries.
    pub const CAP_COUNT: usize = 16;
    /// `u32` offset of the cap entries.
    pub const CAPS_OFFSET: usize = 20;
    /// `u32` number of arguments (`argv[0]` is the program name).
    pub const ARG_COUNT: usize = 24;
    /// `u32` offset of the argument table.
    pub const ARGS_OFFSET: usize = 28;
    /// `u32` number of environment strings (`KEY=VALUE`).
    pub const ENV_COUNT: usize = 32;
    /// `u32` offset of the environment table.
    pub const ENV_OFFSET: usize = 36;
    /// `u64` user address of the ring region.
    pub const RING_ADDR: usize = 40;
    /// `u64` user address of the initial heap.
    pub const HEAP_ADDR: usize = 48;
    /// `u64` size of the initial heap in bytes.
    pub const HEAP_SIZE: usize = 56;
    /// `u64` the process id.
    pub const PID: usize = 64;
    /// `u64` user address one past the top of the main stack.
    pub const STACK_TOP: usize = 72;
    /// `u64` size of the main stack in bytes.
    pub const STACK_SIZE: usize = 80;
    /// `u64` the pid of the process that spawned this one (0 for init,
    /// which the kernel starts).
    pub const PARENT_PID: usize = 88;
}

/// The region size a bootstrap header claims (its `TOTAL_SIZE` field),
/// when it is between a header and [`MAX_BOOTSTRAP_SIZE`]; `None` for a
/// short header or a size out of range.
pub fn total_size(head: &[u8]) -> Option<usize> {
    let total = rd32(head, header::TOTAL_SIZE).ok()? as usize;
    (HEADER_SIZE..=MAX_BOOTSTRAP_SIZE).contains(&total).then_some(total)
}

/// Why a bootstrap region was rejected or could not be built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CapSetError {
    /// Shorter than a header, or shorter than its tables claim.
    Truncated,
    /// Wrong magic.
    BadMagic,
    /// A version this code does not know.
    BadVersion(u32),
    /// A table or string lies outside the region.
    OutOfBounds,
    /// A string is not UTF-8 or lacks its NUL terminator.
    BadString,
    /// More caps than [`MAX_CAPS`].
    TooManyCaps,
    /// A cap name is empty, too long, or not printable ASCII.
    BadName,
    /// Two caps share a name.
    DuplicateName,
    /// The output buffer is too small (builder).
    NoRoom,
    /// More than [`MAX_STRINGS`] arguments or environment strings.
    TooManyStrings,
}

impl core::fmt::Display for CapSetError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Truncated => f.write_str("bootstrap region truncated"),
            Self::BadMagic => f.write_str("bootstrap region has a wrong magic"),
            Self::BadVersion(v) => write!(f, "bootstrap region version {v} unknown"),
            Self::OutOfBounds => f.write_str("bootstrap table out of bounds"),
            Self::BadString => f.write_str("bootstrap string not UTF-8 or not NUL-terminated"),
            Self::TooManyCaps => f.write_str("too many bootstrap caps"),
            Self::BadName => f.write_str("bad bootstrap cap name"),
            Self::DuplicateName => f.write_str("duplicate bootstrap cap name"),
            Self::NoRoom => f.write_str("bootstrap region too small"),
            Self::TooManyStrings => write!(f, "more than {MAX_STRINGS} arguments or environment strings"),
        }
    }
}

/// One capability the process starts with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CapEntry<'a> {
    /// The name the manifest gave it (e.g. `console`).
    pub name: &'a str,
    /// Its id in the process's cap table.
    pub cap_id: u32,
    /// The Cap'n Proto interface id it implements.
    pub interface_id: u64,
}

/// Fixed facts about the new process (the header's scalar fields).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ProcessInfo {
    /// Ring region address.
    pub ring_addr: u64,
    /// Initial heap address.
    pub heap_addr: u64,
    /// Initial heap size in bytes.
    pub heap_size: u64,
    /// The process id.
    pub pid: u64,
    /// One past the top of the main stack.
    pub stack_top: u64,
    /// Main stack size in bytes.
    pub stack_size: u64,
    /// The spawner's pid (0 for init).
    pub parent_pid: u64,
}

fn name_ok(name: &str) -> bool {
    !name.is_empty() && name.len() <= MAX_NAME_LEN && name.bytes().all(|b| b.is_ascii_graphic())
}

fn rd32(b: &[u8], at: usize) -> Result<u32, CapSetError> {
    let s = b.get(at..at + 4).ok_or(CapSetError::Truncated)?;
    Ok(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

fn rd64(b: &[u8], at: usize) -> Result<u64, CapSetError> {
    let s = b.get(at..at + 8).ok_or(CapSetError::Truncated)?;
    let mut a = [0; 8];
    a.copy_from_slice(s);
    Ok(u64::from_le_bytes(a))
}

/// A validated bootstrap region.
#[derive(Debug, Clone, Copy)]
pub struct CapSet<'a> {
    bytes: &'a [u8],
    cap_count: usize,
    caps_offset: usize,
    args: StringTable<'a>,
    env: StringTable<'a>,
    info: ProcessInfo,
}

/// A validated table of strings (arguments or environment).
#[derive(Debug, Clone, Copy)]
pub struct StringTable<'a> {
    bytes: &'a [u8],
    offset: usize,
    count: usize,
}

impl<'a> StringTable<'a> {
    fn parse(bytes: &'a [u8], offset: usize, count: usize) -> Result<Self, CapSetError> {
        let table_end =
            count.checked_mul(8).and_then(|n| n.checked_add(offset)).ok_or(CapSetError::OutOfBounds)?;
        if table_end > bytes.len() {
            return Err(CapSetError::OutOfBounds);
        }
        let table = Self { bytes, offset, count };
        for i in 0..count {
            table.try_get(i)?;
        }
        Ok(table)
    }

    fn try_get(&self, i: usize) -> Result<&'a str, CapSetError> {
        let at = self.offset + i * 8;
        let start = rd32(self.bytes, at)? as usize;
        let len = rd32(self.bytes, at + 4)? as usize;
        let end = start.checked_add(len).ok_or(CapSetError::OutOfBounds)?;
        if self.bytes.get(end) != Some(&0) {
            return Err(if end >= self.bytes.len() {
                CapSetError::OutOfBounds
            } else {
                CapSetError::BadString
            });
        }
        let text = core::str::from_utf8(&self.bytes[start..end]).map_err(|_| CapSetError::BadString)?;
        // A NUL inside would cut the string short for C code using it in
        // place (the writer refuses them too).
        if text.contains('\0') {
            return Err(CapSetError::BadString);
        }
        Ok(text)
    }

    /// Number of strings.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// String `i` (validated by `parse`, so only an index past the end
    /// gives `None`).
    pub fn get(&self, i: usize) -> Option<&'a str> {
        if i < self.count { self.try_get(i).ok() } else { None }
    }

    /// Byte address offset (from the region start) of string `i`, for C
    /// runtimes that point `argv` into the region.
    pub fn offset_of(&self, i: usize) -> Option<usize> {
        if i < self.count { rd32(self.bytes, self.offset + i * 8).ok().map(|o| o as usize) } else { None }
    }

    /// The strings in order.
    pub fn iter(&self) -> impl Iterator<Item = &'a str> + use<'a> {
        let table = *self;
        (0..table.count).filter_map(move |i| table.get(i))
    }
}

impl<'a> CapSet<'a> {
    /// Validates a whole bootstrap region.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, CapSetError> {
        if bytes.len() < HEADER_SIZE {
            return Err(CapSetError::Truncated);
        }
        if rd64(bytes, header::MAGIC)? != CAPSET_MAGIC {
            return Err(CapSetError::BadMagic);
        }
        let version = rd32(bytes, header::VERSION)?;
        if version != CAPSET_VERSION {
            return Err(CapSetError::BadVersion(version));
        }
        let total = rd32(bytes, header::TOTAL_SIZE)? as usize;
        if total > bytes.len() || !(HEADER_SIZE..=MAX_BOOTSTRAP_SIZE).contains(&total) {
            return Err(CapSetError::Truncated);
        }
        let bytes = &bytes[..total];
        let cap_count = rd32(bytes, header::CAP_COUNT)? as usize;
        if cap_count > MAX_CAPS {
            return Err(CapSetError::TooManyCaps);
        }
        let caps_offset = rd32(bytes, header::CAPS_OFFSET)? as usize;
        if caps_offset.checked_add(cap_count * ENTRY_SIZE).is_none_or(|end| end > total) {
            return Err(CapSetError::OutOfBounds);
        }
        let args = StringTable::parse(
            bytes,
            rd32(bytes, header::ARGS_OFFSET)? as usize,
            rd32(bytes, header::ARG_COUNT)? as usize,
        )?;
        let env = StringTable::parse(
            bytes,
            rd32(bytes, header::ENV_OFFSET)? as usize,
            rd32(bytes, header::ENV_COUNT)? as usize,
        )?;
        let info = ProcessInfo {
            ring_addr: rd64(bytes, header::RING_ADDR)?,
            heap_addr: rd64(bytes, header::HEAP_ADDR)?,
            heap_size: rd64(bytes, header::HEAP_SIZE)?,
            pid: rd64(bytes, header::PID)?,
            stack_top: rd64(bytes, header::STACK_TOP)?,
            stack_size: rd64(bytes, header::STACK_SIZE)?,
            parent_pid: rd64(bytes, header::PARENT_PID)?,
        };
        let set = Self { bytes, cap_count, caps_offset, args, env, info };
        for i in 0..cap_count {
            let entry = set.entry_at(i)?;
            if set.caps().take(i).any(|e| e.name == entry.name) {
                return Err(CapSetError::DuplicateName);
            }
        }
        Ok(set)
    }

    fn entry_at(&self, i: usize) -> Result<CapEntry<'a>, CapSetError> {
        let at = self.caps_offset + i * ENTRY_SIZE;
        let cap_id = rd32(self.bytes, at)?;
        let interface_id = rd64(self.bytes, at + 8)?;
        let raw = &self.bytes[at + 16..at + 16 + MAX_NAME_LEN];
        let len = raw.iter().position(|b| *b == 0).unwrap_or(MAX_NAME_LEN);
        if raw[len..].iter().any(|b| *b != 0) {
            return Err(CapSetError::BadName);
        }
        let name = core::str::from_utf8(&raw[..len]).map_err(|_| CapSetError::BadName)?;
        if !name_ok(name) {
            return Err(CapSetError::BadName);
        }
        Ok(CapEntry { name, cap_id, interface_id })
    }

    /// The caps, in manifest order.
    pub fn caps(&self) -> impl Iterator<Item = CapEntry<'a>> + '_ {
        (0..self.cap_count).filter_map(|i| self.entry_at(i).ok())
    }

    /// The cap named `name`.
    pub fn find(&self, name: &str) -> Option<CapEntry<'a>> {
        self.caps().find(|e| e.name == name)
    }

    /// The arguments (`argv`).
    pub fn args(&self) -> StringTable<'a> {
        self.args
    }

    /// The environment (`KEY=VALUE` strings).
    pub fn env(&self) -> StringTable<'a> {
        self.env
    }

    /// The header's scalar facts, read from the region now (a forked
    /// child's region holds its own pid at the same address where its
    /// parent's held the parent's; the layout fields never change).
    pub fn info(&self) -> ProcessInfo {
        ProcessInfo {
            pid: rd64(self.bytes, header::PID).unwrap_or(self.info.pid),
            parent_pid: rd64(self.bytes, header::PARENT_PID).unwrap_or(self.info.parent_pid),
            ..self.info
        }
    }
}

/// Builds a bootstrap region.
#[derive(Debug)]
pub struct CapSetWriter<'c, 's> {
    caps: &'c [CapEntry<'c>],
    args: &'s [&'s str],
    env: &'s [&'s str],
    info: ProcessInfo,
}

impl<'c, 's> CapSetWriter<'c, 's> {
    /// A writer for these caps, arguments, environment and facts.
    pub fn new(caps: &'c [CapEntry<'c>], args: &'s [&'s str], env: &'s [&'s str], info: ProcessInfo) -> Self {
        Self { caps, args, env, info }
    }

    fn strings_size(strings: &[&str]) -> usize {
        strings.len() * 8 + strings.iter().map(|s| s.len() + 1).sum::<usize>()
    }

    /// Bytes the region needs.
    pub fn size(&self) -> usize {
        HEADER_SIZE
            + self.caps.len() * ENTRY_SIZE
            + Self::strings_size(self.args)
            + Self::strings_size(self.env)
    }

    /// Checks names and limits.
    pub fn check(&self) -> Result<(), CapSetError> {
        if self.caps.len() > MAX_CAPS {
            return Err(CapSetError::TooManyCaps);
        }
        if self.args.len() > MAX_STRINGS || self.env.len() > MAX_STRINGS {
            return Err(CapSetError::TooManyStrings);
        }
        for (i, cap) in self.caps.iter().enumerate() {
            if !name_ok(cap.name) {
                return Err(CapSetError::BadName);
            }
            if self.caps[..i].iter().any(|c| c.name == cap.name) {
                return Err(CapSetError::DuplicateName);
            }
        }
        if self.size() > MAX_BOOTSTRAP_SIZE || self.args.iter().chain(self.env).any(|s| s.contains('\0')) {
            return Err(if self.size() > MAX_BOOTSTRAP_SIZE {
                CapSetError::NoRoom
            } else {
                CapSetError::BadString
            });
        }
        Ok(())
    }

    /// Writes the region into `out` (which must hold [`Self::size`] bytes)
    /// and returns the bytes used.
    pub fn write(&self, out: &mut [u8]) -> Result<usize, CapSetError> {
        self.check()?;
        let size = self.size();
        let out = out.get_mut(..size).ok_or(CapSetError::NoRoom)?;
        out.fill(0);
        let put32 = |out: &mut [u8], at: usize, v: u32| out[at..at + 4].copy_from_slice(&v.to_le_bytes());
        let put64 = |out: &mut [u8], at: usize, v: u64| out[at..at + 8].copy_from_slice(&v.to_le_bytes());
        put64(out, header::MAGIC, CAPSET_MAGIC);
        put32(out, header::VERSION, CAPSET_VERSION);
        put32(out, header::TOTAL_SIZE, size as u32);
        put32(out, header::CAP_COUNT, self.caps.len() as u32);
        put32(out, header::CAPS_OFFSET, HEADER_SIZE as u32);
        put64(out, header::RING_ADDR, self.info.ring_addr);
        put64(out, header::HEAP_ADDR, self.info.heap_addr);
        put64(out, header::HEAP_SIZE, self.info.heap_size);
        put64(out, header::PID, self.info.pid);
        put64(out, header::STACK_TOP, self.info.stack_top);
        put64(out, header::STACK_SIZE, self.info.stack_size);
        put64(out, header::PARENT_PID, self.info.parent_pid);
        let mut at = HEADER_SIZE;
        for cap in self.caps {
            put32(out, at, cap.cap_id);
            put64(out, at + 8, cap.interface_id);
            out[at + 16..at + 16 + cap.name.len()].copy_from_slice(cap.name.as_bytes());
            at += ENTRY_SIZE;
        }
        for (count_field, offset_field, strings) in [
            (header::ARG_COUNT, header::ARGS_OFFSET, self.args),
            (header::ENV_COUNT, header::ENV_OFFSET, self.env),
        ] {
            put32(out, count_field, strings.len() as u32);
            put32(out, offset_field, at as u32);
            let mut data = at + strings.len() * 8;
            for s in strings {
                put32(out, at, data as u32);
                put32(out, at + 4, s.len() as u32);
                out[data..data + s.len()].copy_from_slice(s.as_bytes());
                data += s.len() + 1;
                at += 8;
            }
            at = data;
        }
        Ok(size)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<u8> {
        let caps = [
            CapEntry { name: "console", cap_id: 0x0001_0000, interface_id: 11 },
            CapEntry { name: "timer", cap_id: 0x0001_0001, interface_id: 22 },
        ];
        let args = ["hello", "--loud"];
        let env = ["HOME=/home", "TERM=vt100"];
        let info = ProcessInfo {
            ring_addr: 1,
            heap_addr: 2,
            heap_size: 3,
            pid: 4,
            stack_top: 5,
            stack_size: 6,
            parent_pid: 7,
        };
        let w = CapSetWriter::new(&caps, &args, &env, info);
        let mut out = vec![0u8; w.size()];
        assert_eq!(w.write(&mut out), Ok(out.len()));
        out
    }

    #[test]
    fn roundtrip() {
        let bytes = sample();
        let set = CapSet::parse(&bytes).unwrap();
        assert_eq!(set.caps().count(), 2);
        assert_eq!(set.find("timer").unwrap().interface_id, 22);
        assert_eq!(set.find("console").unwrap().cap_id, 0x0001_0000);
        assert!(set.find("nope").is_none());
        assert_eq!(set.args().iter().collect::<Vec<_>>(), ["hello", "--loud"]);
        assert_eq!(set.env().get(1), Some("TERM=vt100"));
        assert_eq!(set.info().stack_size, 6);
        let off = set.args().offset_of(0).unwrap();
        assert_eq!(&bytes[off..off + 6], b"hello\0");
    }

    #[test]
    fn every_truncation_is_rejected() {
        let bytes = sample();
        for len in 0..bytes.len() {
            assert!(CapSet::parse(&bytes[..len]).is_err(), "accepted {len} of {} bytes", bytes.len());
        }
    }

    #[test]
    fn corruptions_are_typed_errors() {
        let good = sample();
        let mut b = good.clone();
        b[0] ^= 1;
        assert_eq!(CapSet::parse(&b).unwrap_err(), CapSetError::BadMagic);
        let mut b = good.clone();
        b[header::VERSION] = 9;
        assert_eq!(CapSet::parse(&b).unwrap_err(), CapSetError::BadVersion(9));
        let mut b = good.clone();
        b[header::CAP_COUNT] = 200;
        assert_eq!(CapSet::parse(&b).unwrap_err(), CapSetError::TooManyCaps);
        let mut b = good.clone();
        b[header::ARGS_OFFSET..header::ARGS_OFFSET + 4].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(CapSet::parse(&b).unwrap_err(), CapSetError::OutOfBounds);
        let mut b = good.clone();
        let name_at = HEADER_SIZE + ENTRY_SIZE + 16;
        b[name_at..name_at + 5].copy_from_slice(b"conso");
        b[name_at + 5..name_at + 7].copy_from_slice(b"le");
        assert_eq!(CapSet::parse(&b).unwrap_err(), CapSetError::DuplicateName);
        let mut b = good.clone();
        b[HEADER_SIZE + 16] = b' ';
        assert_eq!(CapSet::parse(&b).unwrap_err(), CapSetError::BadName);
        let mut b = good;
        let set = CapSet::parse(&b).unwrap();
        let s = set.args().offset_of(0).unwrap();
        b[s + 5] = b'x'; // overwrite the NUL
        assert_eq!(CapSet::parse(&b).unwrap_err(), CapSetError::BadString);
    }

    #[test]
    fn writer_rejects_bad_input() {
        let info = ProcessInfo::default();
        let dup = [
            CapEntry { name: "a", cap_id: 1, interface_id: 1 },
            CapEntry { name: "a", cap_id: 2, interface_id: 1 },
        ];
        assert_eq!(CapSetWriter::new(&dup, &[], &[], info).check(), Err(CapSetError::DuplicateName));
        let long = [CapEntry { name: "x".repeat(33).leak(), cap_id: 1, interface_id: 1 }];
        assert_eq!(CapSetWriter::new(&long, &[], &[], info).check(), Err(CapSetError::BadName));
        assert_eq!(CapSetWriter::new(&[], &["a\0b"], &[], info).check(), Err(CapSetError::BadString));
        let w = CapSetWriter::new(&[], &["abc"], &[], info);
        let mut small = vec![0u8; w.size() - 1];
        assert_eq!(w.write(&mut small), Err(CapSetError::NoRoom));
    }
}
