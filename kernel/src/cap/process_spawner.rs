//! `ProcessSpawner` (start a boot binary with chosen caps, args and
//! environment) and `ProcessHandle` (wait for, kill, or identify a process
//! it started).

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use capos_abi::error::CapError;
use capos_schema::{cap_grant, interface_id, method, process_handle, process_spawner};

use super::memory::FrameAllocator;
use super::{Call, CapObject, CapRef, Outcome, Reply, malformed, read_params, reply_with};
use crate::process::{Carve, ExitStatus, Process, Quotas};
use crate::spawn::{InitialCap, SpawnRequest, spawn};
use capos_abi::process::{DEFAULT_MEMORY_LIMIT, MAX_CHILDREN};
use capos_schema::KernelCap;

use capos_config::capset::MAX_STRINGS;

/// The spawner capability.
pub struct ProcessSpawner;

impl CapObject for ProcessSpawner {
    fn kernel_kind(&self) -> Option<capos_schema::KernelCap> {
        Some(capos_schema::KernelCap::ProcessSpawner)
    }

    fn interface_id(&self) -> u64 {
        interface_id::PROCESS_SPAWNER
    }

    fn call(&self, call: Call<'_>) -> Outcome {
        match call.method {
            method::process_spawner::SPAWN => spawn_call(&call).into(),
            method::process_spawner::KERNEL_MEMORY => {
                if let Err(e) = read_params(call.params) {
                    return Outcome::Error(e);
                }
                match caller() {
                    Ok(process) => kernel_memory_reply(&process).into(),
                    Err(e) => Outcome::Error(e),
                }
            }
            _ => Outcome::Error(CapError::UnknownMethod),
        }
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

/// The process making the call (calls run in the caller's context).
fn caller() -> Result<Arc<Process>, CapError> {
    crate::sched::current().and_then(|t| t.process()).ok_or(CapError::Cancelled)
}

/// What `CapGrant.kernel(kind)` gives a child of `spawner`, which sent
/// `sent` with the call. A spawner grants only what it has:
/// - `virtualMemory`: always, a new cap bound to the child's own address
///   space (power over nothing but the child, within the memory limit
///   carved out of the spawner's);
/// - `frameAllocator`: a new allocator whose budget is carved out of the
///   budget of one the spawner holds (or sent);
/// - every other kind: a copy of a cap of that kind the spawner holds (or
///   sent); `PermissionDenied` if it has none. Revocable copies and
///   endpoints do not count: they are not kernel caps of the kind.
fn kernel_grant(spawner: &Process, sent: &[CapRef], kind: KernelCap) -> Result<InitialCap, CapError> {
    if kind == KernelCap::VirtualMemory {
        return Ok(InitialCap::OwnVirtualMemory);
    }
    if kind == KernelCap::Entropy && !crate::arch::x86_64::cpu::features().rdrand {
        return Err(CapError::Unsupported);
    }
    let is_kind = |object: &CapRef| object.kernel_kind() == Some(kind);
    let held = match sent.iter().find(|object| is_kind(object)) {
        Some(object) => object.clone(),
        None => spawner.inner.lock().caps.find(is_kind).ok_or(CapError::PermissionDenied)?,
    };
    if kind == KernelCap::FrameAllocator {
        let any: &dyn core::any::Any = &*held;
        let allocator = any.downcast_ref::<FrameAllocator>().ok_or(CapError::PermissionDenied)?;
        // Charged to the spawner's kernel memory while the child holds it.
        let carved = allocator.carve(&spawner.kmem)?;
        return Ok(InitialCap::Object(Arc::try_new(carved).map_err(|_| CapError::OutOfMemory)?));
    }
    Ok(InitialCap::Object(held))
}

/// The frames of the child's memory limit: `memoryLimit` bytes rounded up
/// to pages, or for 0 the default (64 MiB, or half of what the spawner has
/// left if that is less). `QuotaExceeded` if the spawner has fewer left.
fn child_frames(spawner: &Process, limit: u64) -> Result<usize, CapError> {
    if limit > process_spawner::MAX_MEMORY_LIMIT {
        return Err(CapError::InvalidArgument);
    }
    if limit != 0 {
        return Ok(limit.div_ceil(4096) as usize);
    }
    let left = spawner.inner.lock().space.as_ref().ok_or(CapError::Cancelled)?.frames_left();
    Ok((DEFAULT_MEMORY_LIMIT.div_ceil(4096) as usize).min(left / 2))
}

/// Checks the spawner's limit on children, pruning its list of children
/// that ended. (There is no system-wide count: every process is charged
/// to a kernel-memory quota carved out of its spawner's, `kmem_quota`.)
pub(crate) fn check_process_limits(spawner: &Process) -> Result<(), CapError> {
    // Pruned outside the spawner's lock: asking a child how it is takes
    // the child's.
    let mut children = core::mem::take(&mut spawner.inner.lock().children);
    children.retain(|child| child.upgrade().is_some_and(|c| c.exit_status().is_none()));
    let result = if children.len() >= MAX_CHILDREN {
        Err(CapError::QuotaExceeded)
    } else {
        children.try_reserve(1).map_err(|_| CapError::OutOfMemory)
    };
    // Nothing else touches the list meanwhile: the kernel does not switch
    // threads inside a call.
    spawner.inner.lock().children = children;
    result
}

fn spawn_call(call: &Call<'_>) -> Result<Reply, CapError> {
    let spawner = caller()?;
    let message = read_params(call.params)?;
    let params = message.get_root::<process_spawner::spawn_params::Reader<'_>>().map_err(malformed)?;
    let binary = params.get_binary().map_err(malformed)?.to_str().map_err(|_| CapError::MalformedParams)?;
    let elf = crate::boot::manifest::binary(binary)?;
    // argv[0] is always the binary's name; `args` are the rest.
    let mut args = alloc::vec![String::from(binary)];
    args.extend(text_list(params.get_args().map_err(malformed)?)?);
    let env = text_list(params.get_env().map_err(malformed)?)?;
    check_process_limits(&spawner)?;
    let mut caps: Vec<(String, InitialCap)> = Vec::new();
    for grant in params.get_caps().map_err(malformed)? {
        let name = grant.get_name().map_err(malformed)?.to_str().map_err(|_| CapError::MalformedParams)?;
        let cap = match grant.which().map_err(|_| CapError::MalformedParams)? {
            cap_grant::Cap(index) => {
                InitialCap::Object(call.caps.get(index as usize).ok_or(CapError::InvalidArgument)?.clone())
            }
            cap_grant::Kernel(kind) => {
                kernel_grant(&spawner, &call.caps, kind.map_err(|_| CapError::InvalidArgument)?)?
            }
        };
        caps.push((String::from(name), cap));
    }
    let frames = child_frames(&spawner, params.get_memory_limit())?;
    let quotas = Quotas { frames, ..Quotas::DEFAULT };
    let kmem = crate::mem::kmem_quota::carve_for_child(
        &spawner.kmem,
        quotas.cap_slots,
        params.get_kernel_memory_limit(),
    )?;
    let carve = Carve::take(&spawner, frames)?;
    let child = spawn(SpawnRequest {
        name: binary,
        elf,
        caps,
        args,
        env,
        quotas,
        heap_size: crate::spawn::INITIAL_HEAP,
        parent_pid: spawner.pid,
        carve: Some(carve),
        kmem,
    })?;
    // Room was reserved by `check_process_limits`; the kernel does not
    // switch threads inside a call, so nobody took it meanwhile.
    spawner.inner.lock().children.push(Arc::downgrade(&child));
    let pid = child.pid;
    let reply = reply_with(|m| {
        let mut r = m.init_root::<process_spawner::spawn_results::Builder<'_>>();
        r.set_handle(0);
        r.set_pid(pid);
        Ok(())
    });
    let mut reply = match reply {
        Ok(reply) => reply,
        Err(e) => {
            child.terminate(ExitStatus::Killed);
            return Err(e);
        }
    };
    // If the reply cannot be delivered (result buffer too small, no room
    // for the handle), the child is killed before the caller sees the
    // error: nothing could ever stop it otherwise.
    let undo_child = child.clone();
    reply.undo = Some(alloc::boxed::Box::new(move || undo_child.terminate(ExitStatus::Killed)));
    reply.caps.push(Arc::new(ProcessHandle { process: child }));
    Ok(reply)
}

/// A handle on a process: wait for it, kill it, ask its id. One object per
/// process (copies of the cap share it).
pub struct ProcessHandle {
    /// The process.
    pub process: Arc<Process>,
}

impl Drop for ProcessHandle {
    /// The last handle on an ended process going (its parent reaped it):
    /// the zombie leaves the table of processes now, as POSIX has it — its
    /// pid and process group are gone for `kill` and `setpgid` — even if
    /// one of its threads still holds it while it finishes leaving.
    fn drop(&mut self) {
        if self.process.exit_status().is_some() {
            crate::process::unlist(self.process.pid);
        }
    }
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
            method::process_handle::JOB_STATE => {
                let after = match read_params(call.params).and_then(|m| {
                    m.get_root::<process_handle::job_state_params::Reader<'_>>()
                        .map(|p| p.get_after())
                        .map_err(|_| CapError::MalformedParams)
                }) {
                    Ok(after) => after,
                    Err(e) => return Outcome::Error(e),
                };
                let mut inner = self.process.inner.lock();
                if inner.job_changes > after || inner.exit.is_some() {
                    let (changes, sig, ended) = (inner.job_changes, inner.stop_signal, inner.exit.is_some());
                    drop(inner);
                    return job_state_reply(changes, sig, ended).into();
                }
                // Calls of callers that ended go (checked without this
                // process's lock: the caller may be this process). Nothing
                // else runs meanwhile: the kernel runs with interrupts off.
                let mut waiters = core::mem::take(&mut inner.job_waiters);
                drop(inner);
                waiters.retain(|w| w.live_caller().is_some());
                if waiters.try_reserve(1).is_err() {
                    self.process.inner.lock().job_waiters = waiters;
                    return Outcome::Error(CapError::OutOfMemory);
                }
                waiters.push(call.pending);
                self.process.inner.lock().job_waiters = waiters;
                Outcome::Pending
            }
            method::process_handle::KERNEL_MEMORY => kernel_memory_reply(&self.process).into(),
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

/// The results message of `kernelMemory` (both interfaces have the same
/// results): `process`'s kernel-memory limit and what is charged to it.
fn kernel_memory_reply(process: &Process) -> Result<Reply, CapError> {
    // Threads that ended still hold their processes until reaped: the
    // figures count only what is still there.
    crate::sched::reap();
    let (limit, used) = (process.kmem.limit() as u64, process.kmem.used() as u64);
    reply_with(|m| {
        let mut r = m.init_root::<process_handle::kernel_memory_results::Builder<'_>>();
        r.set_limit(limit);
        r.set_used(used);
        Ok(())
    })
}

/// The results message of `ProcessHandle.jobState`.
pub fn job_state_reply(changes: u64, stop_signal: u8, ended: bool) -> Result<Reply, CapError> {
    reply_with(|m| {
        let mut r = m.init_root::<process_handle::job_state_results::Builder<'_>>();
        r.set_changes(changes);
        r.set_stop_signal(stop_signal);
        r.set_ended(ended);
        Ok(())
    })
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
            ExitStatus::Signaled(sig) => s.set_signaled(sig),
        }
        Ok(())
    })
}
