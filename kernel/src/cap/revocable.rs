//! Revocation: `RevocationFactory.wrap(target)` returns a [`Revocable`]
//! that forwards every call to the target and a [`Revoker`] that cuts it
//! off. Copies of the revocable cap are the same object, so revoking ends
//! access through every copy in every process; calls after that fail with
//! `Revoked`. Revoking drops the revocable's reference to the target.
//!
//! A revocable may wrap a revocable, up to [`MAX_DEPTH`] deep
//! (`QuotaExceeded` past it): a call through a chain runs one kernel frame
//! per link, and dropping the chain one drop per link, so an unbounded
//! chain (kept alive by one cap, its other links released) would overflow
//! the kernel stack. Each pair is charged to the kernel-memory quota of
//! the process that asked for it (`OutOfMemory` past it).

use alloc::sync::Arc;
use capos_abi::error::CapError;
use capos_schema::{interface_id, method, revocation_factory};
use spin::Mutex;

use super::{Call, CapObject, CapRef, Outcome, empty_reply, malformed, read_params, reply_with};
use crate::mem::kmem_quota::{self, Charge};

/// Most revocables one call may pass through (a revocable of a revocable
/// … of a cap).
pub const MAX_DEPTH: u32 = 8;

/// Kernel memory of one wrap: the revocable and its revoker.
const WRAP_COST: usize = core::mem::size_of::<Revocable>()
    + core::mem::size_of::<Revoker>()
    + 2 * (kmem_quota::HEAP_OVERHEAD + 2 * core::mem::size_of::<usize>());

/// A cap that forwards to another until revoked.
pub struct Revocable {
    interface_id: u64,
    target: Mutex<Option<CapRef>>,
    /// Revocables a call passes through to reach the target, this one
    /// included.
    depth: u32,
    /// Its and its revoker's memory, charged to whoever wrapped.
    _charge: Charge,
}

/// Cuts off one [`Revocable`].
pub struct Revoker(Arc<Revocable>);

/// The revocation factory capability.
pub struct RevocationFactory;

impl CapObject for Revocable {
    fn interface_id(&self) -> u64 {
        self.interface_id
    }

    fn call(&self, call: Call<'_>) -> Outcome {
        let target = self.target.lock().clone();
        match target {
            Some(target) => target.call(call),
            None => Outcome::Error(CapError::Revoked),
        }
    }

    fn holds_server(&self) -> bool {
        let target = self.target.lock().clone();
        target.is_some_and(|t| t.holds_server())
    }

    fn forwarding_depth(&self) -> u32 {
        self.depth
    }
}

impl CapObject for Revoker {
    fn interface_id(&self) -> u64 {
        interface_id::REVOKER
    }

    fn call(&self, call: Call<'_>) -> Outcome {
        if call.method != method::revoker::REVOKE {
            return Outcome::Error(CapError::UnknownMethod);
        }
        if let Err(e) = read_params(call.params) {
            return Outcome::Error(e);
        }
        // Drop the target outside the lock: it may be the last reference.
        let target = self.0.target.lock().take();
        drop(target);
        empty_reply().into()
    }
}

impl CapObject for RevocationFactory {
    fn kernel_kind(&self) -> Option<capos_schema::KernelCap> {
        Some(capos_schema::KernelCap::RevocationFactory)
    }

    fn interface_id(&self) -> u64 {
        interface_id::REVOCATION_FACTORY
    }

    fn call(&self, call: Call<'_>) -> Outcome {
        if call.method != method::revocation_factory::WRAP {
            return Outcome::Error(CapError::UnknownMethod);
        }
        let result = (|| {
            let message = read_params(call.params)?;
            let params =
                message.get_root::<revocation_factory::wrap_params::Reader<'_>>().map_err(malformed)?;
            let target =
                call.caps.get(params.get_target() as usize).ok_or(CapError::InvalidArgument)?.clone();
            let depth = target.forwarding_depth() + 1;
            if depth > MAX_DEPTH {
                return Err(CapError::QuotaExceeded);
            }
            let caller = call.pending.process.upgrade().ok_or(CapError::Cancelled)?;
            let charge = kmem_quota::charge(&caller.kmem, WRAP_COST)?;
            let mut reply = reply_with(|m| {
                let mut r = m.init_root::<revocation_factory::wrap_results::Builder<'_>>();
                r.set_revocable(0);
                r.set_revoker(1);
                Ok(())
            })?;
            reply.caps.try_reserve_exact(2).map_err(|_| CapError::OutOfMemory)?;
            let revocable = Arc::try_new(Revocable {
                interface_id: target.interface_id(),
                target: Mutex::new(Some(target)),
                depth,
                _charge: charge,
            })
            .map_err(|_| CapError::OutOfMemory)?;
            let revoker = Arc::try_new(Revoker(revocable.clone())).map_err(|_| CapError::OutOfMemory)?;
            reply.caps.push(revocable);
            reply.caps.push(revoker);
            Ok(reply)
        })();
        result.into()
    }
}
