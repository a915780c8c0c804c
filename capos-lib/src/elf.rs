//! ELF64 parser for the user programs the kernel loads.
//!
//! capOS runs static x86_64 executables only: `ET_EXEC`, not position
//! independent, no interpreter and no dynamic section, every `PT_LOAD`
//! segment inside the user range `[USER_MIN_ADDR, USER_END_ADDR)`. [`parse`]
//! ([`parse_within`] for a narrower range) checks all of that, and every
//! offset and size against the file, before it returns an [`ElfImage`], so
//! the loader can map and copy without further checks. Nothing here panics,
//! whatever the bytes.
//!
//! Rules the loader relies on:
//!
//! - The loader maps whole 4 KiB pages with one permission per page, so no
//!   two `PT_LOAD` segments may touch the same page ([`ElfError::Overlap`]),
//!   `p_vaddr` and `p_offset` must be congruent modulo the page size, and no
//!   segment may be both writable and executable (W^X).
//! - A `PT_LOAD` with `p_memsz == 0` maps nothing and is skipped (after its
//!   sizes and file range are checked); it is not in [`ElfImage::segments`].
//! - `p_align` of `PT_LOAD` is not checked beyond the page congruence above:
//!   larger alignments only matter to loaders that relocate.
//! - `PT_GNU_STACK` with the execute flag is rejected; without a
//!   `PT_GNU_STACK` the stack is not executable either (capOS never maps an
//!   executable stack).
//! - `PT_TLS` (at most one) is recorded as a [`TlsTemplate`] for thread
//!   setup; its alignment must be a power of two no larger than a page.
//! - Other program header types (`PT_NOTE`, `PT_PHDR`, `PT_GNU_RELRO`,
//!   `PT_GNU_EH_FRAME`, `PT_GNU_PROPERTY`, …) are ignored. The OS/ABI byte
//!   of the identification and the section headers are not looked at.
//! - On x86_64 every present page is readable, so [`SegmentFlags::read`] is
//!   informational.
//!
//! The parser bounds the work an image can cause (at most
//! [`MAX_PROGRAM_HEADERS`] headers) but not the memory it asks for: the
//! loader must check [`ElfImage::page_count`] against the process's quota.

use alloc::vec::Vec;
use core::ops::Range;

/// Page size the loader maps with.
pub const PAGE_SIZE: u64 = 4096;
/// Lowest user address a segment may use (the first 64 KiB stay unmapped
/// so null-pointer dereferences with small offsets fault).
pub const USER_MIN_ADDR: u64 = capos_abi::layout::USER_MIN;
/// One past the highest address a segment may use: the end of the image
/// range of the user layout (`capos_abi::layout`); above it come the
/// anonymous-mapping area, the heap, the ring, the bootstrap CapSet and
/// the stack.
pub const USER_END_ADDR: u64 = capos_abi::layout::IMAGE_END;
/// Most program headers an image may have.
pub const MAX_PROGRAM_HEADERS: usize = 32;
/// Size of the ELF64 file header.
pub const EHDR_SIZE: usize = 64;
/// Size of one ELF64 program header.
pub const PHDR_SIZE: usize = 56;

const ELF_MAGIC: [u8; 4] = [0x7f, b'E', b'L', b'F'];
const ELFCLASS64: u8 = 2;
const ELFDATA2LSB: u8 = 1;
const EV_CURRENT: u8 = 1;
const ET_EXEC: u16 = 2;
const ET_DYN: u16 = 3;
const EM_X86_64: u16 = 62;

const PT_LOAD: u32 = 1;
const PT_DYNAMIC: u32 = 2;
const PT_INTERP: u32 = 3;
const PT_TLS: u32 = 7;
const PT_GNU_STACK: u32 = 0x6474_e551;

const PF_X: u32 = 1;
const PF_W: u32 = 2;
const PF_R: u32 = 4;

/// Why an image was rejected. `index` fields name the offending program
/// header (0-based, in file order).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ElfError {
    /// Shorter than an ELF64 file header.
    TooShort {
        /// Length of the input.
        len: usize,
    },
    /// The first four bytes are not `\x7fELF`.
    BadMagic,
    /// `EI_CLASS` is not `ELFCLASS64`.
    NotElf64 {
        /// The class byte found.
        class: u8,
    },
    /// `EI_DATA` is not `ELFDATA2LSB`.
    NotLittleEndian {
        /// The data-encoding byte found.
        data: u8,
    },
    /// `EI_VERSION` is not `EV_CURRENT`.
    BadIdentVersion {
        /// The version byte found.
        version: u8,
    },
    /// `e_type` is not `ET_EXEC` (a PIE or shared object is `ET_DYN` = 3,
    /// an object file `ET_REL` = 1, a core dump `ET_CORE` = 4).
    NotExecutable {
        /// The type found.
        e_type: u16,
    },
    /// `e_machine` is not `EM_X86_64`.
    WrongMachine {
        /// The machine found.
        machine: u16,
    },
    /// `e_version` is not `EV_CURRENT`.
    BadVersion {
        /// The version found.
        version: u32,
    },
    /// `e_phentsize` is not the ELF64 program header size (56).
    BadProgramHeaderSize {
        /// The size found.
        size: u16,
    },
    /// More than [`MAX_PROGRAM_HEADERS`] program headers.
    TooManyProgramHeaders {
        /// The count found.
        count: u16,
    },
    /// `e_phoff` plus the size of the table overflows.
    ProgramHeaderOffsetOverflow,
    /// The program header table extends past the end of the file.
    ProgramHeadersOutOfBounds,
    /// A `PT_INTERP` header: the program wants a dynamic loader.
    Interpreter {
        /// Program header index.
        index: usize,
    },
    /// A `PT_DYNAMIC` header: the program needs dynamic linking.
    Dynamic {
        /// Program header index.
        index: usize,
    },
    /// `p_filesz` is larger than `p_memsz`.
    FileSizeExceedsMemSize {
        /// Program header index.
        index: usize,
    },
    /// `p_offset + p_filesz` overflows or passes the end of the file.
    SegmentOutOfFile {
        /// Program header index.
        index: usize,
    },
    /// `p_vaddr + p_memsz` overflows.
    AddressOverflow {
        /// Program header index.
        index: usize,
    },
    /// The segment is not inside `[USER_MIN_ADDR, USER_END_ADDR)`.
    OutsideUserRange {
        /// Program header index.
        index: usize,
    },
    /// `p_vaddr` and `p_offset` differ modulo the page size.
    Misaligned {
        /// Program header index.
        index: usize,
    },
    /// A segment is both writable and executable (W^X).
    WritableExecutable {
        /// Program header index.
        index: usize,
    },
    /// Two `PT_LOAD` segments touch the same page.
    Overlap {
        /// Index of the earlier header.
        first: usize,
        /// Index of the later header.
        second: usize,
    },
    /// The entry point is not inside an executable segment.
    EntryNotExecutable {
        /// The entry point.
        entry: u64,
    },
    /// No `PT_LOAD` segment with a non-zero memory size.
    NoLoadSegments,
    /// `PT_GNU_STACK` asks for an executable stack.
    ExecutableStack,
    /// More than one `PT_TLS` header.
    MultipleTls {
        /// Index of the second one.
        index: usize,
    },
    /// `PT_TLS` alignment is not a power of two or is larger than a page.
    BadTlsAlignment {
        /// Program header index.
        index: usize,
        /// The alignment found.
        align: u64,
    },
    /// No memory for the list of segments (the image may be fine).
    OutOfMemory,
}

impl core::fmt::Display for ElfError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match *self {
            Self::TooShort { len } => write!(f, "ELF image of {len} bytes is shorter than its header"),
            Self::BadMagic => f.write_str("not an ELF image (bad magic)"),
            Self::OutOfMemory => f.write_str("no memory for the ELF image's segment list"),
            Self::NotElf64 { class } => write!(f, "ELF class {class} is not 64-bit"),
            Self::NotLittleEndian { data } => write!(f, "ELF data encoding {data} is not little-endian"),
            Self::BadIdentVersion { version } => write!(f, "ELF ident version {version} is not 1"),
            Self::NotExecutable { e_type: ET_DYN } => {
                f.write_str("ELF type ET_DYN (PIE or shared object); only static ET_EXEC runs")
            }
            Self::NotExecutable { e_type } => write!(f, "ELF type {e_type} is not ET_EXEC"),
            Self::WrongMachine { machine } => write!(f, "ELF machine {machine} is not x86_64"),
            Self::BadVersion { version } => write!(f, "ELF version {version} is not 1"),
            Self::BadProgramHeaderSize { size } => {
                write!(f, "program header size {size} is not {PHDR_SIZE}")
            }
            Self::TooManyProgramHeaders { count } => {
                write!(f, "{count} program headers (at most {MAX_PROGRAM_HEADERS})")
            }
            Self::ProgramHeaderOffsetOverflow => f.write_str("program header table offset overflows"),
            Self::ProgramHeadersOutOfBounds => f.write_str("program header table extends past the file"),
            Self::Interpreter { index } => {
                write!(f, "program header {index}: PT_INTERP (dynamic linking unsupported)")
            }
            Self::Dynamic { index } => {
                write!(f, "program header {index}: PT_DYNAMIC (dynamic linking unsupported)")
            }
            Self::FileSizeExceedsMemSize { index } => {
                write!(f, "program header {index}: file size exceeds memory size")
            }
            Self::SegmentOutOfFile { index } => {
                write!(f, "program header {index}: file range extends past the file")
            }
            Self::AddressOverflow { index } => write!(f, "program header {index}: address range overflows"),
            Self::OutsideUserRange { index } => {
                write!(f, "program header {index}: outside the user address range")
            }
            Self::Misaligned { index } => {
                write!(f, "program header {index}: address and file offset differ modulo the page size")
            }
            Self::WritableExecutable { index } => {
                write!(f, "program header {index}: writable and executable (W^X)")
            }
            Self::Overlap { first, second } => {
                write!(f, "program headers {first} and {second} share a page")
            }
            Self::EntryNotExecutable { entry } => {
                write!(f, "entry point {entry:#x} is not in an executable segment")
            }
            Self::NoLoadSegments => f.write_str("no loadable segment"),
            Self::ExecutableStack => f.write_str("executable stack requested (W^X)"),
            Self::MultipleTls { index } => write!(f, "program header {index}: second PT_TLS"),
            Self::BadTlsAlignment { index, align } => {
                write!(f, "program header {index}: TLS alignment {align} unsupported")
            }
        }
    }
}

/// Access rights of a segment (from `p_flags`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SegmentFlags {
    /// `PF_R`.
    pub read: bool,
    /// `PF_W`.
    pub write: bool,
    /// `PF_X`.
    pub execute: bool,
}

impl SegmentFlags {
    fn from_bits(bits: u32) -> Self {
        Self { read: bits & PF_R != 0, write: bits & PF_W != 0, execute: bits & PF_X != 0 }
    }
}

/// Where a page's file bytes come from: copy `elf[file_range]` to offset
/// `page_offset` of the (zeroed) page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageCopy {
    /// Byte offset inside the page.
    pub page_offset: usize,
    /// Byte range of the ELF file.
    pub file_range: Range<usize>,
}

/// One `PT_LOAD` segment, validated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoadSegment {
    /// Virtual address of the first byte.
    pub vaddr: u64,
    /// Bytes of memory (file bytes followed by zeroes); never 0.
    pub mem_size: u64,
    /// Offset of the file bytes in the image.
    pub file_offset: u64,
    /// Bytes taken from the file (≤ `mem_size`).
    pub file_size: u64,
    /// Access rights (never both `write` and `execute`).
    pub flags: SegmentFlags,
}

fn page_down(addr: u64) -> u64 {
    addr & !(PAGE_SIZE - 1)
}

fn page_up(addr: u64) -> u64 {
    page_down(addr.saturating_add(PAGE_SIZE - 1))
}

fn file_slice(elf: &[u8], offset: u64, size: u64) -> Option<&[u8]> {
    let start = usize::try_from(offset).ok()?;
    let end = start.checked_add(usize::try_from(size).ok()?)?;
    elf.get(start..end)
}

impl LoadSegment {
    /// One past the last byte (`vaddr + mem_size`).
    pub fn end(&self) -> u64 {
        self.vaddr.saturating_add(self.mem_size)
    }

    /// Whether `addr` is inside the segment's memory.
    pub fn contains(&self, addr: u64) -> bool {
        self.vaddr <= addr && addr < self.end()
    }

    /// Page-aligned addresses `[start, end)` of every page the segment
    /// touches.
    pub fn page_range(&self) -> Range<u64> {
        page_down(self.vaddr)..page_up(self.end())
    }

    /// Number of pages the segment touches.
    pub fn page_count(&self) -> u64 {
        let r = self.page_range();
        r.end.saturating_sub(r.start) / PAGE_SIZE
    }

    /// The segment's file bytes inside `elf` (the image it was parsed
    /// from); `None` only for a different, shorter image.
    pub fn file_bytes<'a>(&self, elf: &'a [u8]) -> Option<&'a [u8]> {
        file_slice(elf, self.file_offset, self.file_size)
    }

    /// What to copy into the page at `page` (a page-aligned address in
    /// [`Self::page_range`]); `None` if the page holds only zeroes (or is
    /// not the segment's). The rest of the page must be zero.
    pub fn page_copy(&self, page: u64) -> Option<PageCopy> {
        let page = page_down(page);
        let file_end = self.vaddr.saturating_add(self.file_size);
        let start = page.max(self.vaddr);
        let end = page.saturating_add(PAGE_SIZE).min(file_end);
        if start >= end {
            return None;
        }
        let page_offset = usize::try_from(start - page).ok()?;
        let file_start = self.file_offset.checked_add(start - self.vaddr)?;
        let file_start = usize::try_from(file_start).ok()?;
        let len = usize::try_from(end - start).ok()?;
        Some(PageCopy { page_offset, file_range: file_start..file_start.checked_add(len)? })
    }
}

/// The `PT_TLS` template: the initial contents of each thread's TLS block
/// (`file_size` bytes from the file, then zeroes up to `mem_size`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TlsTemplate {
    /// Virtual address of the initialization image.
    pub vaddr: u64,
    /// Offset of the initialization image in the file.
    pub file_offset: u64,
    /// Bytes of initialization image.
    pub file_size: u64,
    /// Bytes of the whole TLS block.
    pub mem_size: u64,
    /// Alignment of the block: a power of two, at most [`PAGE_SIZE`]
    /// (`p_align` 0 reads as 1).
    pub align: u64,
}

impl TlsTemplate {
    /// The initialization image inside `elf` (the image it was parsed
    /// from); `None` only for a different, shorter image.
    pub fn file_bytes<'a>(&self, elf: &'a [u8]) -> Option<&'a [u8]> {
        file_slice(elf, self.file_offset, self.file_size)
    }
}

/// A validated executable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ElfImage {
    /// Entry point (inside an executable segment).
    pub entry: u64,
    /// The segments to map, in program header order; at least one, none
    /// sharing a page with another.
    pub segments: Vec<LoadSegment>,
    /// The TLS template, if the program has thread-locals.
    pub tls: Option<TlsTemplate>,
}

impl ElfImage {
    /// Total pages the segments need.
    pub fn page_count(&self) -> u64 {
        self.segments.iter().map(LoadSegment::page_count).sum()
    }

    /// Page-aligned address one past the highest segment: the lowest
    /// address free for a heap above the program.
    pub fn end(&self) -> u64 {
        self.segments.iter().map(|s| s.page_range().end).max().unwrap_or(0)
    }
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    let mut a = [0; 2];
    if let Some(s) = b.get(at..at + 2) {
        a.copy_from_slice(s);
    }
    u16::from_le_bytes(a)
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    let mut a = [0; 4];
    if let Some(s) = b.get(at..at + 4) {
        a.copy_from_slice(s);
    }
    u32::from_le_bytes(a)
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    let mut a = [0; 8];
    if let Some(s) = b.get(at..at + 8) {
        a.copy_from_slice(s);
    }
    u64::from_le_bytes(a)
}

/// A program header as read from the file.
struct Phdr {
    p_type: u32,
    flags: u32,
    offset: u64,
    vaddr: u64,
    file_size: u64,
    mem_size: u64,
    align: u64,
}

impl Phdr {
    fn read(b: &[u8]) -> Self {
        Self {
            p_type: u32_at(b, 0),
            flags: u32_at(b, 4),
            offset: u64_at(b, 8),
            vaddr: u64_at(b, 16),
            file_size: u64_at(b, 32),
            mem_size: u64_at(b, 40),
            align: u64_at(b, 48),
        }
    }

    /// Checks shared by `PT_LOAD` and `PT_TLS`: sizes, file range, address
    /// range.
    fn check_ranges(&self, index: usize, file_len: usize, user: &Range<u64>) -> Result<(), ElfError> {
        if self.file_size > self.mem_size {
            return Err(ElfError::FileSizeExceedsMemSize { index });
        }
        let file_end = self.offset.checked_add(self.file_size);
        if file_end.is_none_or(|end| end > file_len as u64) {
            return Err(ElfError::SegmentOutOfFile { index });
        }
        let end = self.vaddr.checked_add(self.mem_size).ok_or(ElfError::AddressOverflow { index })?;
        if self.vaddr < user.start || end > user.end {
            return Err(ElfError::OutsideUserRange { index });
        }
        Ok(())
    }
}

fn check_ident(bytes: &[u8]) -> Result<(), ElfError> {
    if bytes.len() < EHDR_SIZE {
        return Err(ElfError::TooShort { len: bytes.len() });
    }
    if bytes[0..4] != ELF_MAGIC {
        return Err(ElfError::BadMagic);
    }
    if bytes[4] != ELFCLASS64 {
        return Err(ElfError::NotElf64 { class: bytes[4] });
    }
    if bytes[5] != ELFDATA2LSB {
        return Err(ElfError::NotLittleEndian { data: bytes[5] });
    }
    if bytes[6] != EV_CURRENT {
        return Err(ElfError::BadIdentVersion { version: bytes[6] });
    }
    let e_type = u16_at(bytes, 16);
    if e_type != ET_EXEC {
        return Err(ElfError::NotExecutable { e_type });
    }
    let machine = u16_at(bytes, 18);
    if machine != EM_X86_64 {
        return Err(ElfError::WrongMachine { machine });
    }
    let version = u32_at(bytes, 20);
    if version != u32::from(EV_CURRENT) {
        return Err(ElfError::BadVersion { version });
    }
    Ok(())
}

/// The program header table's bytes.
fn program_headers(bytes: &[u8]) -> Result<&[u8], ElfError> {
    let phoff = u64_at(bytes, 32);
    let phentsize = u16_at(bytes, 54);
    let phnum = u16_at(bytes, 56);
    if phnum == 0 {
        return Err(ElfError::NoLoadSegments);
    }
    if usize::from(phentsize) != PHDR_SIZE {
        return Err(ElfError::BadProgramHeaderSize { size: phentsize });
    }
    if usize::from(phnum) > MAX_PROGRAM_HEADERS {
        return Err(ElfError::TooManyProgramHeaders { count: phnum });
    }
    let table_len = u64::from(phnum) * PHDR_SIZE as u64;
    let end = phoff.checked_add(table_len).ok_or(ElfError::ProgramHeaderOffsetOverflow)?;
    if end > bytes.len() as u64 {
        return Err(ElfError::ProgramHeadersOutOfBounds);
    }
    // Both fit in the slice length, so they fit in usize.
    file_slice(bytes, phoff, table_len).ok_or(ElfError::ProgramHeadersOutOfBounds)
}

/// Validates an executable and describes how to load it; segments must lie
/// in `[USER_MIN_ADDR, USER_END_ADDR)`.
pub fn parse(bytes: &[u8]) -> Result<ElfImage, ElfError> {
    parse_within(bytes, USER_MIN_ADDR..USER_END_ADDR)
}

/// [`parse`] with a narrower address range for the segments (and the TLS
/// template), e.g. the part of the user space a layout reserves for the
/// program image. An empty or inverted range rejects every image.
pub fn parse_within(bytes: &[u8], user: Range<u64>) -> Result<ElfImage, ElfError> {
    check_ident(bytes)?;
    let entry = u64_at(bytes, 24);
    let table = program_headers(bytes)?;
    // Program header index of each kept segment, for overlap errors.
    let mut segments: Vec<LoadSegment> = Vec::new();
    let mut indices: Vec<usize> = Vec::new();
    let mut tls: Option<TlsTemplate> = None;
    for (index, raw) in table.chunks_exact(PHDR_SIZE).enumerate() {
        let ph = Phdr::read(raw);
        match ph.p_type {
            PT_INTERP => return Err(ElfError::Interpreter { index }),
            PT_DYNAMIC => return Err(ElfError::Dynamic { index }),
            PT_GNU_STACK if ph.flags & PF_X != 0 => return Err(ElfError::ExecutableStack),
            PT_LOAD => {
                if ph.file_size > ph.mem_size {
                    return Err(ElfError::FileSizeExceedsMemSize { index });
                }
                if ph.mem_size == 0 {
                    // Maps nothing; only its file range must be sane.
                    if ph.offset > bytes.len() as u64 {
                        return Err(ElfError::SegmentOutOfFile { index });
                    }
                    continue;
                }
                ph.check_ranges(index, bytes.len(), &user)?;
                if ph.vaddr % PAGE_SIZE != ph.offset % PAGE_SIZE {
                    return Err(ElfError::Misaligned { index });
                }
                let flags = SegmentFlags::from_bits(ph.flags);
                if flags.write && flags.execute {
                    return Err(ElfError::WritableExecutable { index });
                }
                segments.try_reserve(1).map_err(|_| ElfError::OutOfMemory)?;
                indices.try_reserve(1).map_err(|_| ElfError::OutOfMemory)?;
                segments.push(LoadSegment {
                    vaddr: ph.vaddr,
                    mem_size: ph.mem_size,
                    file_offset: ph.offset,
                    file_size: ph.file_size,
                    flags,
                });
                indices.push(index);
            }
            PT_TLS => {
                if tls.is_some() {
                    return Err(ElfError::MultipleTls { index });
                }
                ph.check_ranges(index, bytes.len(), &user)?;
                let align = ph.align.max(1);
                if !align.is_power_of_two() || align > PAGE_SIZE {
                    return Err(ElfError::BadTlsAlignment { index, align: ph.align });
                }
                tls = Some(TlsTemplate {
                    vaddr: ph.vaddr,
                    file_offset: ph.offset,
                    file_size: ph.file_size,
                    mem_size: ph.mem_size,
                    align,
                });
            }
            _ => {}
        }
    }
    if segments.is_empty() {
        return Err(ElfError::NoLoadSegments);
    }
    for (i, a) in segments.iter().enumerate() {
        for (j, b) in segments.iter().enumerate().skip(i + 1) {
            let (ra, rb) = (a.page_range(), b.page_range());
            if ra.start < rb.end && rb.start < ra.end {
                return Err(ElfError::Overlap { first: indices[i], second: indices[j] });
            }
        }
    }
    if !segments.iter().any(|s| s.flags.execute && s.contains(entry)) {
        return Err(ElfError::EntryNotExecutable { entry });
    }
    Ok(ElfImage { entry, segments, tls })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One program header for the test builder.
    #[derive(Clone, Copy)]
    struct Ph {
        p_type: u32,
        flags: u32,
        offset: u64,
        vaddr: u64,
        file_size: u64,
        mem_size: u64,
        align: u64,
    }

    const TEXT: u64 = 0x40_0000;
    const DATA: u64 = 0x60_0000;

    fn load(flags: u32, offset: u64, vaddr: u64, file_size: u64, mem_size: u64) -> Ph {
        Ph { p_type: PT_LOAD, flags, offset, vaddr, file_size, mem_size, align: PAGE_SIZE }
    }

    fn other(p_type: u32, flags: u32) -> Ph {
        Ph { p_type, flags, offset: 0, vaddr: 0, file_size: 0, mem_size: 0, align: 0 }
    }

    /// Builds ELF images: the file header at 0, the program headers right
    /// after it, then filler bytes up to `file_len`.
    #[derive(Clone)]
    struct Builder {
        ident: [u8; 16],
        e_type: u16,
        machine: u16,
        version: u32,
        entry: u64,
        phoff: u64,
        phentsize: u16,
        phnum: Option<u16>,
        phdrs: Vec<Ph>,
        file_len: usize,
    }

    impl Builder {
        /// A valid image: text (RX) covering the headers, rodata (R), data
        /// and bss (RW), a TLS template inside the data, a non-executable
        /// stack note.
        fn valid() -> Self {
            let mut ident = [0u8; 16];
            ident[..4].copy_from_slice(&ELF_MAGIC);
            ident[4] = ELFCLASS64;
            ident[5] = ELFDATA2LSB;
            ident[6] = EV_CURRENT;
            Self {
                ident,
                e_type: ET_EXEC,
                machine: EM_X86_64,
                version: 1,
                entry: TEXT + 0x200,
                phoff: EHDR_SIZE as u64,
                phentsize: PHDR_SIZE as u16,
                phnum: None,
                phdrs: vec![
                    load(PF_R | PF_X, 0, TEXT, 0x300, 0x300),
                    load(PF_R, 0x300, TEXT + 0x1300, 0x80, 0x80),
                    load(PF_R | PF_W, 0x380, DATA + 0x380, 0x40, 0x2000),
                    Ph {
                        p_type: PT_TLS,
                        flags: PF_R,
                        offset: 0x3a0,
                        vaddr: DATA + 0x3a0,
                        file_size: 0x10,
                        mem_size: 0x30,
                        align: 16,
                    },
                    other(PT_GNU_STACK, PF_R | PF_W),
                ],
                file_len: 0x400,
            }
        }

        fn with(mut self, f: impl FnOnce(&mut Self)) -> Self {
            f(&mut self);
            self
        }

        fn ph(self, i: usize, f: impl FnOnce(&mut Ph)) -> Self {
            self.with(|b| f(&mut b.phdrs[i]))
        }

        fn build(&self) -> Vec<u8> {
            let table_end = EHDR_SIZE + self.phdrs.len() * PHDR_SIZE;
            let mut out = vec![0u8; self.file_len.max(table_end)];
            for (i, byte) in out.iter_mut().enumerate().skip(table_end) {
                *byte = (i * 7 + 3) as u8;
            }
            out[..16].copy_from_slice(&self.ident);
            out[16..18].copy_from_slice(&self.e_type.to_le_bytes());
            out[18..20].copy_from_slice(&self.machine.to_le_bytes());
            out[20..24].copy_from_slice(&self.version.to_le_bytes());
            out[24..32].copy_from_slice(&self.entry.to_le_bytes());
            out[32..40].copy_from_slice(&self.phoff.to_le_bytes());
            out[52..54].copy_from_slice(&(EHDR_SIZE as u16).to_le_bytes());
            out[54..56].copy_from_slice(&self.phentsize.to_le_bytes());
            let phnum = self.phnum.unwrap_or(self.phdrs.len() as u16);
            out[56..58].copy_from_slice(&phnum.to_le_bytes());
            for (i, ph) in self.phdrs.iter().enumerate() {
                let at = EHDR_SIZE + i * PHDR_SIZE;
                let b = &mut out[at..at + PHDR_SIZE];
                b[0..4].copy_from_slice(&ph.p_type.to_le_bytes());
                b[4..8].copy_from_slice(&ph.flags.to_le_bytes());
                b[8..16].copy_from_slice(&ph.offset.to_le_bytes());
                b[16..24].copy_from_slice(&ph.vaddr.to_le_bytes());
                b[24..32].copy_from_slice(&ph.vaddr.to_le_bytes());
                b[32..40].copy_from_slice(&ph.file_size.to_le_bytes());
                b[40..48].copy_from_slice(&ph.mem_size.to_le_bytes());
                b[48..56].copy_from_slice(&ph.align.to_le_bytes());
            }
            out
        }

        fn parse(&self) -> Result<ElfImage, ElfError> {
            parse(&self.build())
        }
    }

    #[test]
    fn valid_multi_segment_image() {
        let bytes = Builder::valid().build();
        let image = parse(&bytes).unwrap();
        assert_eq!(image.entry, TEXT + 0x200);
        assert_eq!(image.segments.len(), 3);
        let [text, rodata, data] = [image.segments[0], image.segments[1], image.segments[2]];
        assert_eq!(text.flags, SegmentFlags { read: true, write: false, execute: true });
        assert_eq!(rodata.flags, SegmentFlags { read: true, write: false, execute: false });
        assert_eq!(data.flags, SegmentFlags { read: true, write: true, execute: false });
        assert_eq!(text.page_range(), TEXT..TEXT + PAGE_SIZE);
        assert_eq!(rodata.page_range(), TEXT + PAGE_SIZE..TEXT + 2 * PAGE_SIZE);
        assert_eq!(data.page_range(), DATA..DATA + 3 * PAGE_SIZE, "0x380 + 0x2000 spills into a third page");
        assert_eq!(image.page_count(), 5);
        assert_eq!(image.end(), DATA + 3 * PAGE_SIZE);
        assert_eq!(text.file_bytes(&bytes).unwrap(), &bytes[..0x300]);
        assert_eq!(data.file_bytes(&bytes).unwrap(), &bytes[0x380..0x3c0]);
        assert_eq!(data.file_bytes(&bytes[..0x3bf]), None, "a shorter image gives None, no panic");
        let tls = image.tls.unwrap();
        assert_eq!(
            tls,
            TlsTemplate {
                vaddr: DATA + 0x3a0,
                file_offset: 0x3a0,
                file_size: 0x10,
                mem_size: 0x30,
                align: 16
            }
        );
        assert_eq!(tls.file_bytes(&bytes).unwrap(), &bytes[0x3a0..0x3b0]);
    }

    #[test]
    fn page_copy_covers_file_bytes_exactly() {
        let image = Builder::valid().parse().unwrap();
        let data = image.segments[2];
        assert_eq!(data.page_copy(DATA), Some(PageCopy { page_offset: 0x380, file_range: 0x380..0x3c0 }));
        assert_eq!(data.page_copy(DATA + PAGE_SIZE), None, "bss only");
        let text = image.segments[0];
        assert_eq!(text.page_copy(TEXT + 5), Some(PageCopy { page_offset: 0, file_range: 0..0x300 }));
        assert_eq!(text.page_copy(0), None, "not the segment's page");

        // A segment spanning pages with an unaligned start and end.
        let seg = LoadSegment {
            vaddr: 0x10_0f00,
            mem_size: 0x3000,
            file_offset: 0x1f00,
            file_size: 0x1200,
            flags: SegmentFlags::default(),
        };
        assert_eq!(seg.page_range(), 0x10_0000..0x10_4000);
        assert_eq!(seg.page_count(), 4);
        let copies: Vec<_> = seg.page_range().step_by(PAGE_SIZE as usize).map(|p| seg.page_copy(p)).collect();
        assert_eq!(
            copies,
            [
                Some(PageCopy { page_offset: 0xf00, file_range: 0x1f00..0x2000 }),
                Some(PageCopy { page_offset: 0, file_range: 0x2000..0x3000 }),
                Some(PageCopy { page_offset: 0, file_range: 0x3000..0x3100 }),
                None,
            ]
        );
        // Hostile field values do not panic.
        let wild = LoadSegment {
            vaddr: u64::MAX - 10,
            mem_size: u64::MAX,
            file_offset: u64::MAX,
            file_size: u64::MAX,
            flags: SegmentFlags::default(),
        };
        let _ = (wild.page_range(), wild.page_count(), wild.page_copy(u64::MAX), wild.file_bytes(&[1, 2]));
    }

    #[test]
    fn header_errors() {
        assert_eq!(parse(&[]), Err(ElfError::TooShort { len: 0 }));
        assert_eq!(parse(&Builder::valid().build()[..63]), Err(ElfError::TooShort { len: 63 }));
        let b = Builder::valid;
        assert_eq!(b().with(|b| b.ident[1] = b'e').parse(), Err(ElfError::BadMagic));
        assert_eq!(b().with(|b| b.ident[4] = 1).parse(), Err(ElfError::NotElf64 { class: 1 }));
        assert_eq!(b().with(|b| b.ident[5] = 2).parse(), Err(ElfError::NotLittleEndian { data: 2 }));
        assert_eq!(b().with(|b| b.ident[6] = 0).parse(), Err(ElfError::BadIdentVersion { version: 0 }));
        for e_type in [0, 1, ET_DYN, 4, 0xfe00] {
            assert_eq!(b().with(|b| b.e_type = e_type).parse(), Err(ElfError::NotExecutable { e_type }));
        }
        assert_eq!(b().with(|b| b.machine = 3).parse(), Err(ElfError::WrongMachine { machine: 3 }));
        assert_eq!(b().with(|b| b.version = 2).parse(), Err(ElfError::BadVersion { version: 2 }));
        assert_eq!(b().with(|b| b.phentsize = 32).parse(), Err(ElfError::BadProgramHeaderSize { size: 32 }));
    }

    #[test]
    fn program_table_errors() {
        let b = Builder::valid;
        let many = b().with(|b| b.phdrs.extend([other(0x7000_0000, 0); 28]));
        assert_eq!(many.phdrs.len(), 33);
        assert_eq!(many.parse(), Err(ElfError::TooManyProgramHeaders { count: 33 }));
        let exactly = b().with(|b| b.phdrs.extend([other(0x7000_0000, 0); 27]));
        assert!(exactly.parse().is_ok(), "{MAX_PROGRAM_HEADERS} headers are fine");
        assert_eq!(
            b().with(|b| b.phnum = Some(0xffff)).parse(),
            Err(ElfError::TooManyProgramHeaders { count: 0xffff })
        );
        assert_eq!(b().with(|b| b.phoff = u64::MAX - 8).parse(), Err(ElfError::ProgramHeaderOffsetOverflow));
        assert_eq!(b().with(|b| b.phoff = 0x3f0).parse(), Err(ElfError::ProgramHeadersOutOfBounds));
        assert_eq!(b().with(|b| b.phnum = Some(0)).parse(), Err(ElfError::NoLoadSegments));
        let valid = b().build();
        let cut = EHDR_SIZE + 5 * PHDR_SIZE - 1;
        assert_eq!(parse(&valid[..cut]), Err(ElfError::ProgramHeadersOutOfBounds));
    }

    #[test]
    fn dynamic_linking_is_rejected() {
        let b = Builder::valid;
        assert_eq!(
            b().with(|b| b.phdrs.push(other(PT_INTERP, PF_R))).parse(),
            Err(ElfError::Interpreter { index: 5 })
        );
        assert_eq!(
            b().with(|b| b.phdrs.insert(0, other(PT_DYNAMIC, PF_R))).parse(),
            Err(ElfError::Dynamic { index: 0 })
        );
    }

    #[test]
    fn load_segment_errors() {
        let b = Builder::valid;
        let e = |i| ElfError::FileSizeExceedsMemSize { index: i };
        assert_eq!(b().ph(2, |p| p.file_size = 0x2001).parse(), Err(e(2)));
        assert_eq!(b().ph(2, |p| p.file_size = 0x100).parse(), Err(ElfError::SegmentOutOfFile { index: 2 }));
        assert_eq!(
            b().ph(2, |p| p.offset = u64::MAX - 0x20).parse(),
            Err(ElfError::SegmentOutOfFile { index: 2 }),
            "offset + file size overflows"
        );
        assert_eq!(
            b().ph(2, |p| p.mem_size = u64::MAX - 0x100).parse(),
            Err(ElfError::AddressOverflow { index: 2 })
        );
        let outside = |i| Err(ElfError::OutsideUserRange { index: i });
        assert_eq!(b().ph(0, |p| p.vaddr = 0).with(|b| b.entry = 0x200).parse(), outside(0));
        assert_eq!(b().ph(0, |p| p.vaddr = USER_MIN_ADDR - PAGE_SIZE).parse(), outside(0));
        assert_eq!(b().ph(2, |p| p.vaddr = USER_END_ADDR - 0x1000 + 0x380).parse(), outside(2));
        assert_eq!(b().ph(2, |p| p.vaddr = 0xffff_8000_0000_0380).parse(), outside(2));
        let last = b().ph(2, |p| {
            p.vaddr = USER_END_ADDR - 0x1c80;
            p.mem_size = 0x1c80;
        });
        assert_eq!(last.parse().unwrap().segments[2].end(), USER_END_ADDR, "ending at the limit is fine");
        assert_eq!(b().ph(2, |p| p.vaddr += 8).parse(), Err(ElfError::Misaligned { index: 2 }));
        assert_eq!(
            b().ph(2, |p| p.flags = PF_R | PF_W | PF_X).parse(),
            Err(ElfError::WritableExecutable { index: 2 })
        );
        assert_eq!(
            b().ph(1, |p| p.flags = PF_W | PF_X).parse(),
            Err(ElfError::WritableExecutable { index: 1 })
        );
    }

    #[test]
    fn zero_size_load_segments_are_skipped() {
        let img = Builder::valid().with(|b| b.phdrs.push(load(PF_R | PF_W | PF_X, 0x400, 0, 0, 0))).parse();
        assert_eq!(img.unwrap().segments.len(), 3, "empty segment ignored, even at 0 and W+X");
        let far = Builder::valid().with(|b| b.phdrs.push(load(PF_R, 0x10_0000, TEXT, 0, 0))).parse();
        assert_eq!(far, Err(ElfError::SegmentOutOfFile { index: 5 }));
        let sized = Builder::valid().with(|b| b.phdrs.push(load(PF_R, 0, TEXT, 1, 0))).parse();
        assert_eq!(sized, Err(ElfError::FileSizeExceedsMemSize { index: 5 }));
    }

    #[test]
    fn overlapping_pages_are_rejected() {
        let b = Builder::valid;
        // rodata moved into text's page.
        assert_eq!(
            b().ph(1, |p| p.vaddr = TEXT + 0x300).parse(),
            Err(ElfError::Overlap { first: 0, second: 1 })
        );
        // data's bss reaching into a later segment's page.
        let later = b().with(|b| b.phdrs.push(load(PF_R, 0x3c0, DATA + 0x2000 + 0x3c0, 0x10, 0x10)));
        assert_eq!(later.parse(), Err(ElfError::Overlap { first: 2, second: 5 }));
        // One segment containing another.
        let inner = b().with(|b| b.phdrs.push(load(PF_R, 0x3c0, DATA + 0x1000 + 0x3c0, 0x10, 0x10)));
        assert_eq!(inner.parse(), Err(ElfError::Overlap { first: 2, second: 5 }));
        // Adjacent pages are fine.
        let next = b().with(|b| b.phdrs.push(load(PF_R, 0x3c0, DATA + 0x3000 + 0x3c0, 0x10, 0x10)));
        assert!(next.parse().is_ok());
    }

    #[test]
    fn entry_must_be_executable() {
        let b = Builder::valid;
        for entry in [0, TEXT - 1, TEXT + 0x300, TEXT + 0x1300, DATA + 0x400] {
            assert_eq!(b().with(|b| b.entry = entry).parse(), Err(ElfError::EntryNotExecutable { entry }));
        }
        assert!(b().with(|b| b.entry = TEXT).parse().is_ok());
        assert!(b().with(|b| b.entry = TEXT + 0x2ff).parse().is_ok());
    }

    #[test]
    fn no_load_segments() {
        let b = Builder::valid;
        let none = b().with(|b| b.phdrs.retain(|p| p.p_type != PT_LOAD));
        assert_eq!(none.parse(), Err(ElfError::NoLoadSegments));
        let only_empty = b().with(|b| b.phdrs = vec![load(PF_R | PF_X, 0, TEXT, 0, 0)]);
        assert_eq!(only_empty.parse(), Err(ElfError::NoLoadSegments));
    }

    #[test]
    fn stack_and_tls_rules() {
        let b = Builder::valid;
        assert_eq!(b().ph(4, |p| p.flags = PF_R | PF_W | PF_X).parse(), Err(ElfError::ExecutableStack));
        assert!(b().with(|b| b.phdrs.truncate(4)).parse().is_ok(), "no PT_GNU_STACK is fine");
        let tls = b().phdrs[3];
        assert_eq!(b().with(|b| b.phdrs.push(tls)).parse(), Err(ElfError::MultipleTls { index: 5 }));
        for align in [3, 24, 2 * PAGE_SIZE] {
            assert_eq!(
                b().ph(3, |p| p.align = align).parse(),
                Err(ElfError::BadTlsAlignment { index: 3, align })
            );
        }
        assert_eq!(b().ph(3, |p| p.align = 0).parse().unwrap().tls.unwrap().align, 1);
        assert_eq!(
            b().ph(3, |p| p.file_size = 0x31).parse(),
            Err(ElfError::FileSizeExceedsMemSize { index: 3 })
        );
        assert_eq!(b().ph(3, |p| p.offset = 0x3f8).parse(), Err(ElfError::SegmentOutOfFile { index: 3 }));
        assert_eq!(b().ph(3, |p| p.vaddr = 0x100).parse(), Err(ElfError::OutsideUserRange { index: 3 }));
        assert_eq!(
            b().ph(3, |p| p.vaddr = u64::MAX - 8).parse(),
            Err(ElfError::AddressOverflow { index: 3 })
        );
        let no_tls = b().with(|b| {
            b.phdrs.remove(3);
        });
        assert_eq!(no_tls.parse().unwrap().tls, None);
    }

    #[test]
    fn every_error_displays() {
        let all = [
            ElfError::TooShort { len: 1 },
            ElfError::BadMagic,
            ElfError::NotElf64 { class: 1 },
            ElfError::NotLittleEndian { data: 2 },
            ElfError::BadIdentVersion { version: 0 },
            ElfError::NotExecutable { e_type: ET_DYN },
            ElfError::NotExecutable { e_type: 1 },
            ElfError::WrongMachine { machine: 3 },
            ElfError::BadVersion { version: 0 },
            ElfError::BadProgramHeaderSize { size: 0 },
            ElfError::TooManyProgramHeaders { count: 99 },
            ElfError::ProgramHeaderOffsetOverflow,
            ElfError::ProgramHeadersOutOfBounds,
            ElfError::Interpreter { index: 0 },
            ElfError::Dynamic { index: 0 },
            ElfError::FileSizeExceedsMemSize { index: 0 },
            ElfError::SegmentOutOfFile { index: 0 },
            ElfError::AddressOverflow { index: 0 },
            ElfError::OutsideUserRange { index: 0 },
            ElfError::Misaligned { index: 0 },
            ElfError::WritableExecutable { index: 0 },
            ElfError::Overlap { first: 0, second: 1 },
            ElfError::EntryNotExecutable { entry: 0 },
            ElfError::NoLoadSegments,
            ElfError::ExecutableStack,
            ElfError::MultipleTls { index: 1 },
            ElfError::BadTlsAlignment { index: 1, align: 3 },
        ];
        let texts: Vec<String> = all.iter().map(|e| e.to_string()).collect();
        for (i, t) in texts.iter().enumerate() {
            assert!(!t.is_empty());
            assert!(!texts[..i].contains(t), "duplicate message {t}");
        }
        assert!(texts[5].contains("PIE"));
    }

    #[test]
    fn narrower_range() {
        let bytes = Builder::valid().build();
        assert!(parse_within(&bytes, TEXT..DATA + 0x2380).is_ok());
        assert_eq!(
            parse_within(&bytes, TEXT + 1..DATA + 0x3000),
            Err(ElfError::OutsideUserRange { index: 0 })
        );
        assert_eq!(parse_within(&bytes, TEXT..DATA + 0x2000), Err(ElfError::OutsideUserRange { index: 2 }));
        #[allow(clippy::reversed_empty_ranges)]
        let inverted = DATA..TEXT;
        assert_eq!(parse_within(&bytes, inverted), Err(ElfError::OutsideUserRange { index: 0 }));
    }

    #[test]
    fn every_truncation_is_handled() {
        let bytes = Builder::valid().build();
        // The data segment's file bytes end at 0x3c0; the rest is filler.
        for len in 0..=bytes.len() {
            let result = parse(&bytes[..len]);
            assert_eq!(result.is_ok(), len >= 0x3c0, "{len} of {} bytes: {result:?}", bytes.len());
        }
    }

    #[test]
    fn flipping_any_header_byte_never_panics() {
        let bytes = Builder::valid().build();
        let headers = EHDR_SIZE + 5 * PHDR_SIZE;
        let (mut ok, mut err) = (0, 0);
        for at in 0..headers {
            let masks: &[u8] = if cfg!(miri) { &[0xff] } else { &[0x01, 0x10, 0x80, 0xff] };
            for &mask in masks {
                let mut b = bytes.clone();
                b[at] ^= mask;
                match parse(&b) {
                    Ok(image) => {
                        ok += 1;
                        // Whatever parses still obeys the loader's rules.
                        for s in &image.segments {
                            assert!(s.vaddr >= USER_MIN_ADDR && s.end() <= USER_END_ADDR);
                            assert!(!(s.flags.write && s.flags.execute));
                            assert!(s.file_bytes(&b).is_some());
                        }
                    }
                    Err(_) => err += 1,
                }
            }
        }
        assert!(ok > 0 && err > 0, "{ok} parsed, {err} rejected");
    }
}
