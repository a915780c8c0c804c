//! The capability ring: a submission queue (SQ) of [`Sqe`]s the process
//! writes and the kernel reads, and a completion queue (CQ) of [`Cqe`]s the
//! kernel writes and the process reads, in one shared memory region mapped
//! into the process at [`RING_ADDR`]. `docs/ring-abi.md` is the reference.
//!
//! Region layout (offsets from the region start):
//!
//! ```text
//! 0                  RingHeader (64 bytes)
//! SQ_OFFSET          SQ_ENTRIES x Sqe (64 bytes each)
//! CQ_OFFSET          CQ_ENTRIES x Cqe (32 bytes each)
//! ```
//!
//! Indices are free-running `u32` counters; an entry's slot is
//! `index % ENTRIES`. The process owns `sq_tail` and `cq_head`, the kernel
//! owns `sq_head` and `cq_tail`. The kernel keeps its own copy of the
//! indices it owns and never trusts the region's copy of them, so a process
//! that scribbles over the header can only hurt itself: `cap_enter` then
//! fails with `RingCorrupted`.
//!
//! This module is pure layout and validation logic; the kernel and
//! `capos-rt` do the memory accesses.

use capos_abi::error::CapError;

/// User virtual address the ring region is mapped at.
pub const RING_ADDR: u64 = capos_abi::layout::RING_ADDR;
/// Number of SQ slots (a power of two).
pub const SQ_ENTRIES: u32 = 256;
/// Number of CQ slots (a power of two, twice the SQ so a full batch of
/// submissions always has room for its completions plus async ones).
pub const CQ_ENTRIES: u32 = 512;
/// Magic in [`RingHeader::magic`]: `CAPRING1` in ASCII.
pub const RING_MAGIC: u64 = u64::from_le_bytes(*b"CAPRING1");
/// Layout version in [`RingHeader::version`].
pub const RING_VERSION: u32 = 1;

/// Size of the header in bytes.
pub const HEADER_SIZE: usize = 64;
/// Size of one SQE in bytes.
pub const SQE_SIZE: usize = 64;
/// Size of one CQE in bytes.
pub const CQE_SIZE: usize = 32;
/// Offset of the SQ array.
pub const SQ_OFFSET: usize = HEADER_SIZE;
/// Offset of the CQ array.
pub const CQ_OFFSET: usize = SQ_OFFSET + SQ_ENTRIES as usize * SQE_SIZE;
/// Total size of the region in bytes, rounded up to whole pages.
pub const RING_SIZE: usize = (CQ_OFFSET + CQ_ENTRIES as usize * CQE_SIZE).next_multiple_of(4096);

/// Byte offsets of the header fields (all little-endian).
pub mod header {
    /// `u64` magic, [`super::RING_MAGIC`]. Written by the kernel.
    pub const MAGIC: usize = 0;
    /// `u32` layout version. Written by the kernel.
    pub const VERSION: usize = 8;
    /// `u32` SQ entry count. Written by the kernel.
    pub const SQ_ENTRIES: usize = 12;
    /// `u32` CQ entry count. Written by the kernel.
    pub const CQ_ENTRIES: usize = 16;
    /// `u32` index of the next SQE the kernel will consume. Kernel-owned.
    pub const SQ_HEAD: usize = 20;
    /// `u32` index one past the last SQE submitted. Process-owned.
    pub const SQ_TAIL: usize = 24;
    /// `u32` index of the next CQE the process will read. Process-owned.
    pub const CQ_HEAD: usize = 28;
    /// `u32` index one past the last CQE posted. Kernel-owned.
    pub const CQ_TAIL: usize = 32;
    /// `u32`, reserved and always 0: the kernel keeps a CQ slot for every
    /// call it has taken, so a completion never finds the CQ full.
    pub const CQ_OVERFLOW: usize = 36;
}

/// Ring operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Opcode {
    /// Completes at once with result 0. For measuring the ring itself.
    Nop = 0,
    /// Calls method `method` of interface `interface_id` on cap `cap`.
    Call = 1,
    /// Drops the process's hold on cap `cap` (its slot becomes free).
    Release = 2,
    /// Server side of an endpoint: take the next call (waits for one).
    Recv = 3,
    /// Server side of an endpoint: answer a received call.
    Return = 4,
    /// Wait on a 32-bit word of the process's memory (ParkSpace).
    Park = 5,
    /// Wake waiters on a word.
    Unpark = 6,
    /// Adds a second id for cap `cap` to the process's table (the same
    /// object); the CQE's `aux` is the new id.
    Copy = 7,
}

impl TryFrom<u8> for Opcode {
    type Error = CapError;

    fn try_from(value: u8) -> Result<Self, CapError> {
        Ok(match value {
            0 => Self::Nop,
            1 => Self::Call,
            2 => Self::Release,
            3 => Self::Recv,
            4 => Self::Return,
            5 => Self::Park,
            6 => Self::Unpark,
            7 => Self::Copy,
            _ => return Err(CapError::UnknownOpcode),
        })
    }
}

/// SQE flag bits.
pub mod sqe_flags {
    /// RETURN only: answer with an error instead of results; the error's
    /// code is in `method`.
    pub const RETURN_ERROR: u8 = 1 << 0;
    /// Bits the kernel accepts (for the opcodes that use them).
    pub const KNOWN: u8 = RETURN_ERROR;
}

/// CQE flag bits.
pub mod cqe_flags {
    /// The result message was larger than the result buffer; nothing was
    /// written and `aux` holds the size needed (with `ResultTooSmall`).
    pub const RESULT_TRUNCATED: u32 = 1 << 0;
}

/// Most bytes of parameters a CALL may pass.
pub const MAX_PARAMS_LEN: u32 = 64 * 1024;
/// Most bytes of results a CALL may ask for.
pub const MAX_RESULT_LEN: u32 = 1024 * 1024;
/// Most capabilities one CALL may send or receive.
pub const MAX_CALL_CAPS: u16 = 16;

/// A submission queue entry, as the process writes it. 64 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Sqe {
    /// An [`Opcode`] number.
    pub opcode: u8,
    /// [`sqe_flags`] bits.
    pub flags: u8,
    /// Method number within the interface (CALL).
    pub method: u16,
    /// The capability (a `CapId` value) the operation targets.
    pub cap: u32,
    /// Opaque value copied into the completion.
    pub user_data: u64,
    /// Cap'n Proto interface id the caller expects `cap` to implement (CALL).
    pub interface_id: u64,
    /// Address of the Cap'n Proto parameter message (CALL).
    pub params_addr: u64,
    /// Length of the parameters in bytes.
    pub params_len: u32,
    /// Capacity of the result buffer in bytes.
    pub result_len: u32,
    /// Address of the result buffer; the kernel writes the Cap'n Proto
    /// result message there (CALL).
    pub result_addr: u64,
    /// Address of the call's capability buffer: on submission it holds
    /// `caps_out` transfer descriptors (8 bytes each, sent with the call);
    /// on completion the kernel writes the ids of the caps the call returned
    /// there (4 bytes each, at most `caps_in_max`).
    pub caps_addr: u64,
    /// Number of transfer descriptors at `caps_addr`.
    pub caps_out: u16,
    /// Room for returned cap ids at `caps_addr`.
    pub caps_in_max: u16,
    /// Must be zero.
    pub reserved: u32,
}

/// A completion queue entry, as the kernel writes it. 32 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Cqe {
    /// The SQE's `user_data`.
    pub user_data: u64,
    /// Bytes of result written (≥ 0), or `-(CapError code)`.
    pub result: i32,
    /// [`cqe_flags`] bits.
    pub flags: u32,
    /// Operation-specific extra value: the size needed with
    /// `ResultTooSmall`; for RECV, the received call's token (RETURN names
    /// it in `interface_id`).
    pub aux: u64,
    /// Number of cap ids written at the SQE's `caps_addr`.
    pub caps: u32,
    /// RECV: the received call's method number; otherwise zero.
    pub reserved: u32,
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    let mut bytes = [0; 8];
    bytes.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(bytes)
}

impl Sqe {
    /// Decodes an SQE from its 64 wire bytes.
    pub fn from_bytes(b: &[u8; SQE_SIZE]) -> Self {
        Self {
            opcode: b[0],
            flags: b[1],
            method: u16_at(b, 2),
            cap: u32_at(b, 4),
            user_data: u64_at(b, 8),
            interface_id: u64_at(b, 16),
            params_addr: u64_at(b, 24),
            params_len: u32_at(b, 32),
            result_len: u32_at(b, 36),
            result_addr: u64_at(b, 40),
            caps_addr: u64_at(b, 48),
            caps_out: u16_at(b, 56),
            caps_in_max: u16_at(b, 58),
            reserved: u32_at(b, 60),
        }
    }

    /// Decodes an SQE from its eight little-endian 64-bit words (the
    /// kernel reads the ring a word at a time): the same as
    /// [`Self::from_bytes`] on their bytes.
    pub fn from_words(w: &[u64; SQE_SIZE / 8]) -> Self {
        Self {
            opcode: w[0] as u8,
            flags: (w[0] >> 8) as u8,
            method: (w[0] >> 16) as u16,
            cap: (w[0] >> 32) as u32,
            user_data: w[1],
            interface_id: w[2],
            params_addr: w[3],
            params_len: w[4] as u32,
            result_len: (w[4] >> 32) as u32,
            result_addr: w[5],
            caps_addr: w[6],
            caps_out: w[7] as u16,
            caps_in_max: (w[7] >> 16) as u16,
            reserved: (w[7] >> 32) as u32,
        }
    }

    /// Whether the SQE whose words are `w` is a NOP that
    /// [`Self::validate`] accepts: exactly when every word but `user_data`
    /// (`w[1]`) is zero (opcode 0 is NOP; a NOP takes no flags, no cap and
    /// no other field). The ring's fast path for NOPs; anything else goes
    /// through `validate` (host-tested to agree with it).
    pub fn is_nop_words(w: &[u64; SQE_SIZE / 8]) -> bool {
        (w[0] | w[2] | w[3] | w[4] | w[5] | w[6] | w[7]) == 0
    }

    /// The SQE as eight little-endian 64-bit words: the same bytes as
    /// [`Self::to_bytes`].
    pub fn to_words(&self) -> [u64; SQE_SIZE / 8] {
        [
            u64::from(self.opcode)
                | u64::from(self.flags) << 8
                | u64::from(self.method) << 16
                | u64::from(self.cap) << 32,
            self.user_data,
            self.interface_id,
            self.params_addr,
            u64::from(self.params_len) | u64::from(self.result_len) << 32,
            self.result_addr,
            self.caps_addr,
            u64::from(self.caps_out) | u64::from(self.caps_in_max) << 16 | u64::from(self.reserved) << 32,
        ]
    }

    /// Encodes the SQE into its 64 wire bytes.
    pub fn to_bytes(&self) -> [u8; SQE_SIZE] {
        let mut b = [0; SQE_SIZE];
        b[0] = self.opcode;
        b[1] = self.flags;
        b[2..4].copy_from_slice(&self.method.to_le_bytes());
        b[4..8].copy_from_slice(&self.cap.to_le_bytes());
        b[8..16].copy_from_slice(&self.user_data.to_le_bytes());
        b[16..24].copy_from_slice(&self.interface_id.to_le_bytes());
        b[24..32].copy_from_slice(&self.params_addr.to_le_bytes());
        b[32..36].copy_from_slice(&self.params_len.to_le_bytes());
        b[36..40].copy_from_slice(&self.result_len.to_le_bytes());
        b[40..48].copy_from_slice(&self.result_addr.to_le_bytes());
        b[48..56].copy_from_slice(&self.caps_addr.to_le_bytes());
        b[56..58].copy_from_slice(&self.caps_out.to_le_bytes());
        b[58..60].copy_from_slice(&self.caps_in_max.to_le_bytes());
        b[60..64].copy_from_slice(&self.reserved.to_le_bytes());
        b
    }

    /// Checks everything about an SQE that does not depend on the
    /// process's state (its caps and memory): opcode, flags, reserved
    /// fields and length limits. The kernel runs this on its own copy.
    pub fn validate(&self) -> Result<Opcode, CapError> {
        let opcode = Opcode::try_from(self.opcode)?;
        if self.flags & !sqe_flags::KNOWN != 0
            || (self.flags & sqe_flags::RETURN_ERROR != 0 && opcode != Opcode::Return)
        {
            return Err(CapError::InvalidFlags);
        }
        if self.reserved != 0 {
            return Err(CapError::ReservedNotZero);
        }
        match opcode {
            Opcode::Nop | Opcode::Release | Opcode::Copy => {
                let unused = self.method != 0
                    || self.interface_id != 0
                    || self.params_addr != 0
                    || self.params_len != 0
                    || self.result_addr != 0
                    || self.result_len != 0
                    || self.caps_addr != 0
                    || self.caps_out != 0
                    || self.caps_in_max != 0;
                if unused || (opcode == Opcode::Nop && self.cap != 0) {
                    return Err(CapError::ReservedNotZero);
                }
            }
            Opcode::Call => {
                if self.params_len > MAX_PARAMS_LEN || self.result_len > MAX_RESULT_LEN {
                    return Err(CapError::TooLarge);
                }
                if self.caps_out > MAX_CALL_CAPS || self.caps_in_max > MAX_CALL_CAPS {
                    return Err(CapError::TooLarge);
                }
                if (self.caps_out != 0 || self.caps_in_max != 0) && self.caps_addr == 0 {
                    return Err(CapError::BadAddress);
                }
            }
            Opcode::Recv => {
                // The result buffer takes the call's params, `caps_addr` the
                // ids of the caps it sent.
                if self.method != 0 || self.interface_id != 0 || self.params_addr != 0 || self.params_len != 0
                {
                    return Err(CapError::ReservedNotZero);
                }
                if self.caps_out != 0 {
                    return Err(CapError::ReservedNotZero);
                }
                if self.result_len > MAX_PARAMS_LEN || self.caps_in_max > MAX_CALL_CAPS {
                    return Err(CapError::TooLarge);
                }
                if self.caps_in_max != 0 && self.caps_addr == 0 {
                    return Err(CapError::BadAddress);
                }
            }
            Opcode::Return => {
                // `interface_id` carries the call's token; the params are the
                // results message; `caps_addr` holds `caps_out` descriptors.
                if self.result_addr != 0 || self.result_len != 0 || self.caps_in_max != 0 {
                    return Err(CapError::ReservedNotZero);
                }
                let error = self.flags & sqe_flags::RETURN_ERROR != 0;
                if error && (self.params_len != 0 || self.caps_out != 0) {
                    return Err(CapError::ReservedNotZero);
                }
                if !error && self.method != 0 {
                    return Err(CapError::ReservedNotZero);
                }
                if self.params_len > MAX_RESULT_LEN || self.caps_out > MAX_CALL_CAPS {
                    return Err(CapError::TooLarge);
                }
                if self.caps_out != 0 && self.caps_addr == 0 {
                    return Err(CapError::BadAddress);
                }
            }
            Opcode::Park | Opcode::Unpark => {
                // `params_addr`: the word; `params_len`: the expected value
                // (PARK) or how many to wake (UNPARK); `interface_id`: the
                // PARK timeout in ns (0: none).
                let unused = self.cap != 0
                    || self.method != 0
                    || self.result_addr != 0
                    || self.result_len != 0
                    || self.caps_addr != 0
                    || self.caps_out != 0
                    || self.caps_in_max != 0
                    || (opcode == Opcode::Unpark && self.interface_id != 0);
                if unused {
                    return Err(CapError::ReservedNotZero);
                }
                if self.params_addr == 0 || !self.params_addr.is_multiple_of(4) {
                    return Err(CapError::InvalidArgument);
                }
            }
        }
        Ok(opcode)
    }
}

impl Cqe {
    /// A completion carrying an error.
    pub fn error(user_data: u64, error: CapError) -> Self {
        Self { user_data, result: error.as_result(), ..Self::default() }
    }

    /// Decodes a CQE from its 32 wire bytes.
    pub fn from_bytes(b: &[u8; CQE_SIZE]) -> Self {
        Self {
            user_data: u64_at(b, 0),
            result: u32_at(b, 8) as i32,
            flags: u32_at(b, 12),
            aux: u64_at(b, 16),
            caps: u32_at(b, 24),
            reserved: u32_at(b, 28),
        }
    }

    /// Decodes a CQE from its four little-endian 64-bit words: the same
    /// as [`Self::from_bytes`] on their bytes.
    pub fn from_words(w: &[u64; CQE_SIZE / 8]) -> Self {
        Self {
            user_data: w[0],
            result: w[1] as u32 as i32,
            flags: (w[1] >> 32) as u32,
            aux: w[2],
            caps: w[3] as u32,
            reserved: (w[3] >> 32) as u32,
        }
    }

    /// The CQE as four little-endian 64-bit words: the same bytes as
    /// [`Self::to_bytes`].
    pub fn to_words(&self) -> [u64; CQE_SIZE / 8] {
        [
            self.user_data,
            u64::from(self.result as u32) | u64::from(self.flags) << 32,
            self.aux,
            u64::from(self.caps) | u64::from(self.reserved) << 32,
        ]
    }

    /// Encodes the CQE into its 32 wire bytes.
    pub fn to_bytes(&self) -> [u8; CQE_SIZE] {
        let mut b = [0; CQE_SIZE];
        b[0..8].copy_from_slice(&self.user_data.to_le_bytes());
        b[8..12].copy_from_slice(&self.result.to_le_bytes());
        b[12..16].copy_from_slice(&self.flags.to_le_bytes());
        b[16..24].copy_from_slice(&self.aux.to_le_bytes());
        b[24..28].copy_from_slice(&self.caps.to_le_bytes());
        b[28..32].copy_from_slice(&self.reserved.to_le_bytes());
        b
    }

    /// The error this completion carries, if any.
    pub fn error_code(&self) -> Option<CapError> {
        CapError::from_result(self.result)
    }
}

/// How a capability travels with a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum TransferMode {
    /// The sender keeps its cap; the receiver gets another reference.
    Copy = 0,
    /// The sender's slot is emptied when the call commits.
    Move = 1,
}

/// One outgoing capability of a call: 8 bytes at `caps_addr`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransferDescriptor {
    /// The sender's cap id.
    pub cap: u32,
    /// Copy or move.
    pub mode: TransferMode,
}

impl TransferDescriptor {
    /// Decodes a descriptor; an unknown mode is `InvalidArgument`.
    pub fn from_bytes(b: &[u8; 8]) -> Result<Self, CapError> {
        let mode = match u32_at(b, 4) {
            0 => TransferMode::Copy,
            1 => TransferMode::Move,
            _ => return Err(CapError::InvalidArgument),
        };
        Ok(Self { cap: u32_at(b, 0), mode })
    }

    /// Encodes the descriptor.
    pub fn to_bytes(&self) -> [u8; 8] {
        let mut b = [0; 8];
        b[0..4].copy_from_slice(&self.cap.to_le_bytes());
        b[4..8].copy_from_slice(&(self.mode as u32).to_le_bytes());
        b
    }
}

/// Number of SQEs waiting, given the kernel's own `sq_head` and the
/// process's `sq_tail`; `RingCorrupted` if the tail is behind the head or
/// more than a ring ahead of it.
pub fn pending_submissions(kernel_sq_head: u32, user_sq_tail: u32) -> Result<u32, CapError> {
    let pending = user_sq_tail.wrapping_sub(kernel_sq_head);
    if pending > SQ_ENTRIES { Err(CapError::RingCorrupted) } else { Ok(pending) }
}

/// Free CQ slots, given the kernel's own `cq_tail` and the process's
/// `cq_head`; `RingCorrupted` if the head claims completions not yet posted
/// or lags by more than a ring.
pub fn free_completions(kernel_cq_tail: u32, user_cq_head: u32) -> Result<u32, CapError> {
    let used = kernel_cq_tail.wrapping_sub(user_cq_head);
    if used > CQ_ENTRIES { Err(CapError::RingCorrupted) } else { Ok(CQ_ENTRIES - used) }
}

/// Byte offset of SQ slot `index`.
pub fn sqe_offset(index: u32) -> usize {
    SQ_OFFSET + (index % SQ_ENTRIES) as usize * SQE_SIZE
}

/// Byte offset of CQ slot `index`.
pub fn cqe_offset(index: u32) -> usize {
    CQ_OFFSET + (index % CQ_ENTRIES) as usize * CQE_SIZE
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call() -> Sqe {
        Sqe {
            opcode: Opcode::Call as u8,
            cap: 3,
            user_data: 77,
            interface_id: 0xdead_beef,
            params_addr: 0x1000,
            params_len: 16,
            result_addr: 0x2000,
            result_len: 64,
            ..Sqe::default()
        }
    }

    #[test]
    fn layout_constants_fit_together() {
        assert!(SQ_ENTRIES.is_power_of_two() && CQ_ENTRIES.is_power_of_two());
        assert_eq!(CQ_OFFSET, 64 + 256 * 64);
        assert_eq!(RING_SIZE % 4096, 0);
        assert!(RING_SIZE >= CQ_OFFSET + CQ_ENTRIES as usize * CQE_SIZE);
        assert_eq!(sqe_offset(SQ_ENTRIES + 1), sqe_offset(1));
        assert_eq!(cqe_offset(CQ_ENTRIES), CQ_OFFSET);
    }

    /// The words of `bytes`, little-endian, as the kernel reads and
    /// writes the ring.
    fn words<const N: usize>(bytes: &[u8]) -> [u64; N] {
        core::array::from_fn(|i| u64::from_le_bytes(bytes[i * 8..i * 8 + 8].try_into().unwrap()))
    }

    #[test]
    fn word_codecs_match_the_byte_ones() {
        // Every byte distinct, so a field read from the wrong place shows.
        let bytes: [u8; SQE_SIZE] = core::array::from_fn(|i| (i as u8).wrapping_mul(37).wrapping_add(11));
        assert_eq!(Sqe::from_words(&words::<8>(&bytes)), Sqe::from_bytes(&bytes));
        let sqe = Sqe::from_bytes(&bytes);
        assert_eq!(sqe.to_words(), words::<8>(&bytes));
        assert_eq!(
            Cqe::from_words(&words::<4>(
                &Cqe::from_bytes(&core::array::from_fn(|i| i as u8 ^ 0xa5)).to_bytes()
            )),
            Cqe::from_bytes(&core::array::from_fn(|i| i as u8 ^ 0xa5))
        );
        let cqe_bytes: [u8; CQE_SIZE] =
            core::array::from_fn(|i| (i as u8).wrapping_mul(53).wrapping_add(200));
        let cqe = Cqe::from_bytes(&cqe_bytes);
        assert_eq!(cqe.to_words(), words::<4>(&cqe_bytes));
        assert_eq!(cqe.to_words(), words::<4>(&cqe.to_bytes()));
        let c = Cqe { user_data: 5, result: -11, flags: 1, aux: 4096, caps: 2, reserved: 9 };
        assert_eq!(c.to_words(), words::<4>(&c.to_bytes()));
    }

    #[test]
    fn sqe_and_cqe_roundtrip_through_bytes() {
        let mut s = call();
        s.caps_addr = 0x3000;
        s.caps_out = 2;
        s.caps_in_max = 4;
        s.method = 9;
        assert_eq!(Sqe::from_bytes(&s.to_bytes()), s);
        let c = Cqe { user_data: 5, result: -11, flags: 1, aux: 4096, caps: 2, reserved: 0 };
        assert_eq!(Cqe::from_bytes(&c.to_bytes()), c);
        assert_eq!(c.error_code(), Some(CapError::ResultTooSmall));
    }

    #[test]
    fn validate_accepts_good_entries() {
        assert_eq!(call().validate(), Ok(Opcode::Call));
        assert_eq!(Sqe { user_data: 1, ..Sqe::default() }.validate(), Ok(Opcode::Nop));
        assert_eq!(Sqe { opcode: 2, cap: 5, ..Sqe::default() }.validate(), Ok(Opcode::Release));
        assert_eq!(Sqe { opcode: 7, cap: 5, ..Sqe::default() }.validate(), Ok(Opcode::Copy));
    }

    #[test]
    fn validate_rejects_bad_entries_with_typed_errors() {
        assert_eq!(Sqe { opcode: 200, ..Sqe::default() }.validate(), Err(CapError::UnknownOpcode));
        assert_eq!(Sqe { flags: 0x80, ..Sqe::default() }.validate(), Err(CapError::InvalidFlags));
        assert_eq!(Sqe { reserved: 1, ..Sqe::default() }.validate(), Err(CapError::ReservedNotZero));
        assert_eq!(Sqe { params_len: 4, ..Sqe::default() }.validate(), Err(CapError::ReservedNotZero));
        assert_eq!(Sqe { cap: 1, ..Sqe::default() }.validate(), Err(CapError::ReservedNotZero));
        assert_eq!(
            Sqe { opcode: 7, cap: 1, method: 1, ..Sqe::default() }.validate(),
            Err(CapError::ReservedNotZero)
        );
        assert_eq!(Sqe { opcode: 8, ..Sqe::default() }.validate(), Err(CapError::UnknownOpcode));
        assert_eq!(Sqe { params_len: MAX_PARAMS_LEN + 1, ..call() }.validate(), Err(CapError::TooLarge));
        assert_eq!(Sqe { result_len: u32::MAX, ..call() }.validate(), Err(CapError::TooLarge));
        assert_eq!(Sqe { caps_out: 17, caps_addr: 8, ..call() }.validate(), Err(CapError::TooLarge));
        assert_eq!(Sqe { caps_out: 1, ..call() }.validate(), Err(CapError::BadAddress));
        assert_eq!(Sqe { opcode: 5, ..Sqe::default() }.validate(), Err(CapError::InvalidArgument));
        assert_eq!(
            Sqe { opcode: 6, params_addr: 6, ..Sqe::default() }.validate(),
            Err(CapError::InvalidArgument)
        );
        assert_eq!(
            Sqe { opcode: 6, params_addr: 8, cap: 1, ..Sqe::default() }.validate(),
            Err(CapError::ReservedNotZero)
        );
        assert_eq!(
            Sqe { opcode: 5, params_addr: 8, interface_id: 100, ..Sqe::default() }.validate(),
            Ok(Opcode::Park)
        );
        assert_eq!(
            Sqe { opcode: 1, flags: sqe_flags::RETURN_ERROR, ..Sqe::default() }.validate(),
            Err(CapError::InvalidFlags)
        );
    }

    #[test]
    fn recv_and_return_rules() {
        let recv = Sqe {
            opcode: Opcode::Recv as u8,
            cap: 3,
            result_addr: 0x1000,
            result_len: 512,
            ..Sqe::default()
        };
        assert_eq!(recv.validate(), Ok(Opcode::Recv));
        assert_eq!(Sqe { params_len: 1, ..recv }.validate(), Err(CapError::ReservedNotZero));
        assert_eq!(Sqe { caps_in_max: 1, ..recv }.validate(), Err(CapError::BadAddress));
        assert_eq!(Sqe { result_len: MAX_PARAMS_LEN + 1, ..recv }.validate(), Err(CapError::TooLarge));
        let ret = Sqe {
            opcode: Opcode::Return as u8,
            cap: 3,
            interface_id: 7,
            params_addr: 0x2000,
            params_len: 16,
            ..Sqe::default()
        };
        assert_eq!(ret.validate(), Ok(Opcode::Return));
        assert_eq!(Sqe { result_len: 4, ..ret }.validate(), Err(CapError::ReservedNotZero));
        assert_eq!(Sqe { method: 1, ..ret }.validate(), Err(CapError::ReservedNotZero));
        let err = Sqe { flags: sqe_flags::RETURN_ERROR, method: 16, params_len: 0, params_addr: 0, ..ret };
        assert_eq!(err.validate(), Ok(Opcode::Return));
        assert_eq!(Sqe { params_len: 8, ..err }.validate(), Err(CapError::ReservedNotZero));
    }

    #[test]
    fn nop_words_agree_with_validate() {
        // Every field set alone (to 1 and to all ones), and random words
        // with a few bits set: the word check says NOP exactly when
        // `validate` does.
        let mut cases =
            vec![Sqe::default().to_words(), Sqe { user_data: u64::MAX, ..Sqe::default() }.to_words()];
        for word in 0..SQE_SIZE / 8 {
            for bits in [1u64, 1 << 8, 1 << 40, u64::MAX] {
                let mut w = [0u64; SQE_SIZE / 8];
                w[word] = bits;
                cases.push(w);
            }
        }
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..20_000 {
            let mut w = [0u64; SQE_SIZE / 8];
            for _ in 0..(x % 3) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                w[(x % 8) as usize] |= 1 << (x >> 58);
            }
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            cases.push(w);
        }
        for w in cases {
            let nop = Sqe::from_words(&w).validate() == Ok(Opcode::Nop);
            assert_eq!(Sqe::is_nop_words(&w), nop, "{w:x?}");
        }
    }

    #[test]
    fn ring_indices_detect_corruption() {
        assert_eq!(pending_submissions(10, 10), Ok(0));
        assert_eq!(pending_submissions(u32::MAX, 3), Ok(4), "wraps");
        assert_eq!(pending_submissions(0, SQ_ENTRIES), Ok(SQ_ENTRIES));
        assert_eq!(pending_submissions(0, SQ_ENTRIES + 1), Err(CapError::RingCorrupted));
        assert_eq!(pending_submissions(10, 9), Err(CapError::RingCorrupted), "tail behind head");
        assert_eq!(free_completions(0, 0), Ok(CQ_ENTRIES));
        assert_eq!(free_completions(CQ_ENTRIES, 0), Ok(0));
        assert_eq!(free_completions(5, 6), Err(CapError::RingCorrupted), "head past tail");
    }

    #[test]
    fn transfer_descriptors_roundtrip_and_reject_unknown_modes() {
        let d = TransferDescriptor { cap: 0x0001_0002, mode: TransferMode::Move };
        assert_eq!(TransferDescriptor::from_bytes(&d.to_bytes()), Ok(d));
        let mut b = d.to_bytes();
        b[4] = 7;
        assert_eq!(TransferDescriptor::from_bytes(&b), Err(CapError::InvalidArgument));
    }
}
