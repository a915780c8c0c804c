//! `ProcessSpawner` (start a boot binary with chosen caps, args and
//! environment) and `ProcessHandle` (wait for, kill, or identify a process
//! it started).

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use capos_abi::error::CapError;
use capos_schema::{cap_grant, interface_id, method, process_handle, process_spawner};

use super::{Call, CapObject, Outcome, Reply, malformed, read_params, reply_with};
use crate::process::{ExitStatus, Process, Quotas};
use crate::spawn::{InitialCap, SpawnRequest, spawn};

use capos_config::capset::MAX_STRINGS;

/// The spawner capability.
pub struct ProcessSpawner;

impl CapObject for ProcessSpawner {
    fn interface_id(&self) -> u64 {
        interface_id::PROCESS_SPAWNER
    }

    fn call(&self, call: Call<'_>) -> Outcome {
        if call.method != method::process_spawner::SPAWN {
            return Outcome::Error(CapError::UnknownMethod);
        }
        spawn_call(&call).into()
    }
}

fn text_list(list: capnp::text_list::Reader<'_>) -> Result<Vec<String>, CapError> {
    if list.len() as usize > MAX_STRINGS {
        return Err(CapError::TooLarge);
    }
    let mut out = Vec::new();
    for item in list {
        let text = item.map_err(malformed)?.to_str().map_err(|_| CapError::MalformedParams)?;
        if text.contains('\0') {
            return Err(CapError::InvalidArgument);
        }
        out.push(String::from(text));
    }
    Ok(out)
}

fn spawn_call(call: &Call<'_>) -> Result<Reply, CapError> {
    let message = read_params(call.params)?;
    let params = message.get_root::<process_spawner::spawn_params::Reader<'_>>().map_err(malformed)?;
    let binary = params.get_binary().map_err(malformed)?.to_str().map_err(|_| CapError::MalformedParams)?;
    let elf = crate::boot::manifest::binary(binary)?;
    // argv[0] is always the binary's name; `args` are the rest.
    let mut args = alloc::vec![String::from(binary)];
    args.extend(text_list(params.get_args().map_err(malformed)?)?);
    let env = text_list(params.get_env().map_err(malformed)?)?;
    let mut caps: Vec<(String, InitialCap)> = Vec::new();
    for grant in params.get_caps().map_err(malformed)? {
        let name = grant.get_name().map_err(malformed)?.to_str().map_err(|_| CapError::MalformedParams)?;
        let cap = match grant.which().map_err(|_| CapError::MalformedParams)? {
            cap_grant::Cap(index) => {
                InitialCap::Object(call.caps.get(index as usize).ok_or(CapError::InvalidArgument)?.clone())
            }
            cap_grant::Kernel(kind) => super::kernel_cap(kind.map_err(|_| CapError::InvalidArgument)?)?,
        };
        caps.push((String::from(name), cap));
    }
    let limit = params.get_memory_limit();
    if limit > process_spawner::MAX_MEMORY_LIMIT {
        return Err(CapError::InvalidArgument);
    }
    let quotas = match limit {
        0 => Quotas::DEFAULT,
        bytes => Quotas { frames: bytes.div_ceil(4096) as usize, ..Quotas::DEFAULT },
    };
    let child = spawn(SpawnRequest {
        name: binary,
        elf,
        caps,
        args,
        env,
        quotas,
        heap_size: crate::spawn::INITIAL_HEAP,
        // Calls run in the caller's context: the current process spawns.
        parent_pid: crate::sched::current().and_then(|t| t.process()).map_or(0, |p| p.pid),
    })?;
    let pid = child.pid;
    let mut reply = reply_with(|m| {
        let mut r = m.init_root::<process_spawner::spawn_results::Builder<'_>>();
        r.set_handle(0);
        r.set_pid(pid);
        Ok(())
    })?;
    reply.caps.push(Arc::new(ProcessHandle { process: child }));
    Ok(reply)
}

/// A handle on a process: wait for it, kill it, ask its id.
pub struct ProcessHandle {
    /// The process.
    pub process: Arc<Process>,
}

impl CapObject for ProcessHandle {
    fn interface_id(&self) -> u64 {
        interface_id::PROCESS_HANDLE
    }

    fn call(&self, call: Call<'_>) -> Outcome {
        if let Err(e) = read_params(call.params) {
            return Outcome::Error(e);
        }
        match call.method {
            method::process_handle::WAIT => {
                let mut inner = self.process.inner.lock();
                if let Some(status) = inner.exit {
                    drop(inner);
                    return exit_status_reply(status).into();
                }
                if inner.exit_waiters.try_reserve(1).is_err() {
                    return Outcome::Error(CapError::OutOfMemory);
                }
                inner.exit_waiters.push(call.pending);
                Outcome::Pending
            }
            method::process_handle::KILL => {
                self.process.terminate(ExitStatus::Killed);
                super::empty_reply().into()
            }
            method::process_handle::PID => {
                let pid = self.process.pid;
                reply_with(|m| {
                    m.init_root::<process_handle::pid_results::Builder<'_>>().set_pid(pid);
                    Ok(())
                })
                .into()
            }
            _ => Outcome::Error(CapError::UnknownMethod),
        }
    }
}

/// The results message of `ProcessHandle.wait` for `status`.
pub fn exit_status_reply(status: ExitStatus) -> Result<Reply, CapError> {
    reply_with(|m| {
        let results = m.init_root::<process_handle::wait_results::Builder<'_>>();
        let mut s = results.init_status();
        match status {
            ExitStatus::Exited(code) => s.set_exited(code),
            ExitStatus::Faulted { vector, error_code, address, rip } => {
                let mut f = s.init_faulted();
                f.set_vector(vector);
                f.set_error_code(error_code);
                f.set_address(address);
                f.set_rip(rip);
            }
            ExitStatus::Killed => s.set_killed(()),
        }
        Ok(())
    })
}
