//! A message's bytes as the kernel carries them between a call and its
//! answer: inside the value itself up to [`INLINE_LEN`] bytes (a reply of
//! `Timer.now`, an endpoint call's small params or results: no heap
//! allocation on the call path), on the heap beyond.

use alloc::vec::Vec;
use capos_abi::error::CapError;
use core::mem::MaybeUninit;

use crate::mem::address_space::AddressSpace;

/// Most bytes kept inline: an `Echo` of 64 bytes of text (96 bytes of
/// message), a pipe read of up to 104 bytes. Every move of a reply copies
/// the whole buffer, so it is kept to what the common calls need.
pub const INLINE_LEN: usize = 128;

/// The bytes of a params or results message.
#[allow(clippy::large_enum_variant, reason = "inline on purpose: a small message takes no heap")]
pub enum MessageBytes {
    /// The first `len` bytes of `bytes` (the rest is never read, nor
    /// cleared: only the message's own bytes are written).
    Inline { len: u16, bytes: [MaybeUninit<u8>; INLINE_LEN] },
    /// A longer message.
    Heap(Vec<u8>),
}

impl Default for MessageBytes {
    fn default() -> Self {
        Self::Inline { len: 0, bytes: [MaybeUninit::uninit(); INLINE_LEN] }
    }
}

impl From<Vec<u8>> for MessageBytes {
    fn from(bytes: Vec<u8>) -> Self {
        Self::Heap(bytes)
    }
}

impl core::ops::Deref for MessageBytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            Self::Inline { len, bytes } => {
                let len = usize::from(*len).min(INLINE_LEN);
                // SAFETY: the first `len` bytes were written when the
                // message was made (`filled`); `MaybeUninit<u8>` has the
                // layout of `u8`.
                unsafe { core::slice::from_raw_parts(bytes.as_ptr().cast::<u8>(), len) }
            }
            Self::Heap(bytes) => bytes,
        }
    }
}

impl MessageBytes {
    /// `len` bytes, zeroed, for `fill` to write: inline when they fit
    /// (only those `len` bytes cleared), else one fallible heap allocation
    /// (`OutOfMemory`).
    fn filled(len: usize, fill: impl FnOnce(&mut [u8]) -> Result<(), CapError>) -> Result<Self, CapError> {
        if len <= INLINE_LEN {
            let mut bytes = [MaybeUninit::uninit(); INLINE_LEN];
            let out = &mut bytes[..len];
            out.fill(MaybeUninit::new(0));
            // SAFETY: every byte of `out` was initialised just above;
            // `MaybeUninit<u8>` has the layout of `u8`.
            fill(unsafe { &mut *(core::ptr::from_mut(out) as *mut [u8]) })?;
            // `len` fits u16: it is at most INLINE_LEN.
            return Ok(Self::Inline { len: len as u16, bytes });
        }
        let mut bytes = Vec::new();
        bytes.try_reserve_exact(len).map_err(|_| CapError::OutOfMemory)?;
        bytes.resize(len, 0);
        fill(&mut bytes)?;
        Ok(Self::Heap(bytes))
    }

    /// A copy of `data`.
    pub fn copy_of(data: &[u8]) -> Result<Self, CapError> {
        Self::filled(data.len(), |out| {
            out.copy_from_slice(data);
            Ok(())
        })
    }

    /// A copy of `parts` one after the other (a segment table and its
    /// segment; a header, data and padding).
    pub fn concat(parts: &[&[u8]]) -> Result<Self, CapError> {
        let len = parts.iter().map(|p| p.len()).fold(0usize, usize::saturating_add);
        if len > INLINE_LEN {
            // Appended, not zeroed first: a pipe's read of 64 KiB is one
            // copy.
            let mut bytes = Vec::new();
            bytes.try_reserve_exact(len).map_err(|_| CapError::OutOfMemory)?;
            for part in parts {
                bytes.extend_from_slice(part);
            }
            return Ok(Self::Heap(bytes));
        }
        Self::filled(len, |out| {
            let mut at = 0;
            for part in parts {
                out[at..at + part.len()].copy_from_slice(part);
                at += part.len();
            }
            Ok(())
        })
    }

    /// A copy of `len` bytes of user memory at `addr` (`BadAddress` if
    /// they are not all readable).
    pub fn from_user(space: &AddressSpace, addr: u64, len: u32) -> Result<Self, CapError> {
        Self::filled(len as usize, |out| {
            if space.copy_from_user(addr, out) { Ok(()) } else { Err(CapError::BadAddress) }
        })
    }

    /// The message of a root struct with the data words `data` and no
    /// pointers ([`capos_config::wire`]): no builder, no heap for up to
    /// 30 words.
    pub fn data_struct(data: &[u64]) -> Result<Self, CapError> {
        Self::filled(capos_config::wire::data_struct_len(data.len()), |out| {
            capos_config::wire::write_data_struct(data, out).map(|_| ()).ok_or(CapError::TooLarge)
        })
    }
}
