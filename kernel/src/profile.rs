//! Profile counters (cargo feature `profile`, off by default): how many
//! process-lock acquisitions, heap allocations, CR3 writes, user copies and
//! ring entries an operation costs, and TSC cycles in the phases of
//! `cap_enter` (`capos_abi::profile` lists them). Without the feature every
//! function here is empty and [`Stamp`] has no field, so the hooks compile
//! to nothing; with it, `SYS_PROFILE` resets and reads the counters
//! ([`syscall`]).

use capos_abi::profile::Counter;

#[cfg(feature = "profile")]
mod counters {
    use core::sync::atomic::{AtomicU64, Ordering};

    /// One per `capos_abi::profile::Counter`; global (one CPU).
    pub static VALUES: [AtomicU64; capos_abi::profile::COUNTERS.len()] =
        [const { AtomicU64::new(0) }; capos_abi::profile::COUNTERS.len()];

    pub fn add(index: usize, n: u64) {
        if let Some(value) = VALUES.get(index) {
            value.fetch_add(n, Ordering::Relaxed);
        }
    }
}

/// Adds `n` to `counter`.
#[inline(always)]
pub fn add(counter: Counter, n: u64) {
    #[cfg(feature = "profile")]
    counters::add(counter as usize, n);
    #[cfg(not(feature = "profile"))]
    let _ = (counter, n);
}

/// Adds one to `counter`.
#[inline(always)]
pub fn count(counter: Counter) {
    add(counter, 1);
}

/// A TSC reading taken at the start of a timed phase (nothing without the
/// feature).
pub struct Stamp {
    #[cfg(feature = "profile")]
    tsc: u64,
}

impl Stamp {
    /// Now.
    #[inline(always)]
    pub fn now() -> Self {
        Self {
            #[cfg(feature = "profile")]
            tsc: crate::arch::x86_64::cpu::rdtsc(),
        }
    }

    /// Adds the cycles since the stamp to `counter`.
    #[inline(always)]
    pub fn end(self, counter: Counter) {
        #[cfg(feature = "profile")]
        add(counter, crate::arch::x86_64::cpu::rdtsc().wrapping_sub(self.tsc));
        #[cfg(not(feature = "profile"))]
        let _ = counter;
    }
}

/// `SYS_PROFILE(op, buf, len)` (`capos_abi::profile`): zero the counters,
/// or copy them to `buf` (at most `len`) and return how many were written.
#[cfg(feature = "profile")]
pub fn syscall(process: &crate::process::Process, args: [u64; 4]) -> Result<u64, capos_abi::error::CapError> {
    use capos_abi::error::CapError;
    use capos_abi::profile::{OP_READ, OP_RESET};
    use core::sync::atomic::Ordering;
    match args[0] {
        OP_RESET => {
            for value in &counters::VALUES {
                value.store(0, Ordering::Relaxed);
            }
            Ok(0)
        }
        OP_READ => {
            let n = counters::VALUES.len().min(usize::try_from(args[2]).unwrap_or(usize::MAX));
            let mut bytes = [0u8; capos_abi::profile::COUNTERS.len() * 8];
            for (chunk, value) in bytes.chunks_exact_mut(8).zip(&counters::VALUES) {
                chunk.copy_from_slice(&value.load(Ordering::Relaxed).to_le_bytes());
            }
            let mut inner = process.inner.lock();
            let space = inner.space.as_mut().ok_or(CapError::Cancelled)?;
            space.copy_to_user(args[1], &bytes[..n * 8]).map_err(CapError::from)?;
            Ok(n as u64)
        }
        _ => Err(CapError::InvalidArgument),
    }
}
