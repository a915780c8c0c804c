//! `EntropySource`: random bytes from the CPU's RDRAND.

use alloc::vec::Vec;
use capos_abi::error::CapError;
use capos_schema::{entropy_source, interface_id, method};

use super::{Call, CapObject, Outcome, malformed, read_params, reply_with};

/// The entropy capability.
pub struct EntropySource;

fn rdrand64() -> Option<u64> {
    for _ in 0..10 {
        let mut value = 0u64;
        // SAFETY: RDRAND only writes its register operand and CF; the cap
        // is granted only when CPUID reports RDRAND.
        let ok = unsafe { core::arch::x86_64::_rdrand64_step(&mut value) };
        if ok == 1 {
            return Some(value);
        }
    }
    None
}

/// A random word for the kernel's own use (hash keys): RDRAND where the CPU
/// has it, else the TSC (unpredictable enough to a process that cannot
/// read it at the moment of the draw).
pub fn kernel_random() -> u64 {
    if crate::arch::x86_64::cpu::features().rdrand
        && let Some(word) = rdrand64()
    {
        return word;
    }
    crate::arch::x86_64::cpu::rdtsc().wrapping_mul(0x9e37_79b9_7f4a_7c15).rotate_left(29)
}

impl CapObject for EntropySource {
    fn kernel_kind(&self) -> Option<capos_schema::KernelCap> {
        Some(capos_schema::KernelCap::Entropy)
    }

    fn interface_id(&self) -> u64 {
        interface_id::ENTROPY_SOURCE
    }

    fn call(&self, call: Call<'_>) -> Outcome {
        if call.method != method::entropy_source::GET_BYTES {
            return Outcome::Error(CapError::UnknownMethod);
        }
        let result = (|| {
            let message = read_params(call.params)?;
            let count = message
                .get_root::<entropy_source::get_bytes_params::Reader<'_>>()
                .map_err(malformed)?
                .get_count();
            if count > entropy_source::MAX_BYTES {
                return Err(CapError::TooLarge);
            }
            if !crate::arch::x86_64::cpu::features().rdrand {
                return Err(CapError::Unsupported);
            }
            let mut bytes = Vec::with_capacity(count as usize);
            while bytes.len() < count as usize {
                let word = rdrand64().ok_or(CapError::WouldBlock)?;
                let take = (count as usize - bytes.len()).min(8);
                bytes.extend_from_slice(&word.to_le_bytes()[..take]);
            }
            reply_with(|m| {
                m.init_root::<entropy_source::get_bytes_results::Builder<'_>>().set_bytes(&bytes);
                Ok(())
            })
        })();
        result.into()
    }
}
