//! Revocation: `RevocationFactory.wrap(target)` returns a [`Revocable`]
//! that forwards every call to the target and a [`Revoker`] that cuts it
//! off. Copies of the revocable cap are the same object, so revoking ends
//! access through every copy in every process; calls after that fail with
//! `Revoked`. Revoking drops the revocable's reference to the target.

use alloc::sync::Arc;
use capos_abi::error::CapError;
use capos_schema::{interface_id, method, revocation_factory};
use spin::Mutex;

use super::{Call, CapObject, CapRef, Outcome, empty_reply, malformed, read_params, reply_with};

/// A cap that forwards to another until revoked.
pub struct Revocable {
    interface_id: u64,
    target: Mutex<Option<CapRef>>,
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
            let revocable =
                Arc::new(Revocable { interface_id: target.interface_id(), target: Mutex::new(Some(target)) });
            let mut reply = reply_with(|m| {
                let mut r = m.init_root::<revocation_factory::wrap_results::Builder<'_>>();
                r.set_revocable(0);
                r.set_revoker(1);
                Ok(())
            })?;
            reply.caps.push(revocable.clone());
            reply.caps.push(Arc::new(Revoker(revocable)));
            Ok(reply)
        })();
        result.into()
    }
}
