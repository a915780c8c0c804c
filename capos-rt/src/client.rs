//! Typed clients for the kernel's interfaces. Each wraps a cap id and turns
//! method calls into ring CALLs with Cap'n Proto params and results (the
//! schema is `schema/capos.capnp`).
//!
//! Each client owns its cap (see [`crate::handle`]): dropping it releases
//! the cap, `try_clone` makes a second owner, `into_id` gives it up.
//! Look a bootstrap cap up with `from_caps(&caps, "name")`, which checks
//! the interface id and gives a [`crate::handle::Borrowed`] view that is
//! never released; take ownership of an id with `from_id`. Calls that make
//! caps (`spawn`, `allocate`, `create`, `open`) return owners.

use alloc::string::String;
use alloc::vec::Vec;
use capos_abi::error::CapError;
use capos_config::ring::{TransferDescriptor, TransferMode};
use capos_schema::{
    KernelCap, MapRights, TimeProvenance, boot_package, console, echo, endpoint_factory, entropy_source,
    exit_status, frame_allocator, interface_id, memory_object, method, process_handle, process_spawner,
    revocation_factory, terminal_session, timer, virtual_memory, wall_clock,
};

use crate::call::{PendingCall, Reply, Request, call, submit};
use crate::caps::Caps;
use crate::handle::{Cap, Handle};

fn malformed(_: capnp::Error) -> CapError {
    CapError::MalformedParams
}

/// Owners of every cap a reply carries, so they are released if decoding
/// the reply fails; `mem::forget` them once the caps have their owners.
pub(crate) fn returned_caps(reply: &Reply) -> Vec<Cap> {
    reply.caps.iter().map(|&id| Cap::from_id(id)).collect()
}

/// The cap at `index` of a reply's cap list as an owner `T`; the reply's
/// other caps are released (as they are when `index` is out of range).
pub(crate) fn returned_cap<T: Handle>(reply: &Reply, index: u32) -> Result<T, CapError> {
    let mut caps = returned_caps(reply);
    if (index as usize) < caps.len() {
        Ok(caps.swap_remove(index as usize).into_typed())
    } else {
        Err(CapError::MalformedParams)
    }
}

macro_rules! client {
    ($(#[$doc:meta])* $name:ident, $iface:expr) => {
        $(#[$doc])*
        ///
        /// Owns its cap (see [`crate::handle`]): not `Copy`; dropping it
        /// releases the cap; [`Self::try_clone`] makes a second owner,
        /// [`Self::into_id`] gives ownership up.
        #[derive(Debug, PartialEq, Eq)]
        pub struct $name(crate::handle::Cap);

        impl crate::handle::Handle for $name {
            const INTERFACE_ID: u64 = $iface;

            fn from_id(id: u32) -> Self {
                Self(crate::handle::Cap::from_id(id))
            }

            fn id(&self) -> u32 {
                self.0.id()
            }

            fn into_id(self) -> u32 {
                self.0.into_id()
            }
        }

        impl $name {
            /// The interface id this client speaks.
            pub const INTERFACE_ID: u64 = $iface;

            /// A view of the bootstrap cap named `name`, checked to be this
            /// interface; it is never released (the error names the cap;
            /// `?` also turns it into a [`CapError`]). To own the cap, to
            /// give it away, use [`Caps::take`].
            pub fn from_caps(
                caps: &Caps,
                name: &str,
            ) -> Result<crate::handle::Borrowed<'static, Self>, crate::caps::CapLookupError> {
                caps.get(name)
            }

            /// Takes ownership of cap id `id` (unchecked: a wrong one fails
            /// each call with `WrongInterface`, `InvalidCap` or `StaleCap`);
            /// dropping the client releases it.
            pub fn from_id(id: u32) -> Self {
                crate::handle::Handle::from_id(id)
            }

            /// The cap id (ownership stays here).
            pub fn id(&self) -> u32 {
                self.0.id()
            }

            /// Gives ownership up without releasing, e.g. to send the cap
            /// by move.
            pub fn into_id(self) -> u32 {
                self.0.into_id()
            }

            /// A second owner of the same object under a new id.
            pub fn try_clone(&self) -> Result<Self, CapError> {
                crate::handle::Handle::try_clone(self)
            }

            /// Releases the cap now (RELEASE) and reports the error;
            /// dropping the client does the same silently.
            pub fn release(self) -> Result<(), CapError> {
                self.0.release()
            }

            #[allow(dead_code, reason = "a client whose calls all take the fast path (`WallClock`) builds no request")]
            fn request(&self, method: u16) -> Request<'static> {
                Request::new(self.0.id(), Self::INTERFACE_ID, method)
            }
        }
    };
}

/// The typed-client boilerplate, for the other client modules (`fs`).
pub(crate) use client;

client!(
    /// `Console`: text output.
    Console,
    interface_id::CONSOLE
);
client!(
    /// `Timer`: monotonic time and sleeping.
    Timer,
    interface_id::TIMER
);
client!(
    /// `WallClock`: calendar time.
    WallClock,
    interface_id::WALL_CLOCK
);
client!(
    /// `EntropySource`: random bytes.
    EntropySource,
    interface_id::ENTROPY_SOURCE
);
client!(
    /// `BootPackage`: the boot manifest and its binaries.
    BootPackage,
    interface_id::BOOT_PACKAGE
);
client!(
    /// `ProcessSpawner`: start boot binaries.
    ProcessSpawner,
    interface_id::PROCESS_SPAWNER
);
client!(
    /// `ProcessHandle`: wait for, kill or identify a process.
    ProcessHandle,
    interface_id::PROCESS_HANDLE
);
client!(
    /// `FrameAllocator`: physical memory objects.
    FrameAllocator,
    interface_id::FRAME_ALLOCATOR
);
client!(
    /// `MemoryObject`: frames held by a cap.
    MemoryObject,
    interface_id::MEMORY_OBJECT
);
client!(
    /// `VirtualMemory`: map, unmap and protect memory.
    VirtualMemory,
    interface_id::VIRTUAL_MEMORY
);
client!(
    /// `EndpointFactory`: make endpoints.
    EndpointFactory,
    interface_id::ENDPOINT_FACTORY
);
client!(
    /// `Echo`, served by a process through an endpoint.
    Echo,
    interface_id::ECHO
);

client!(
    /// `RevocationFactory`: make revocable copies of caps.
    RevocationFactory,
    interface_id::REVOCATION_FACTORY
);
client!(
    /// `Revoker`: cut off a revocable cap.
    Revoker,
    interface_id::REVOKER
);

impl RevocationFactory {
    /// A revocable copy of cap `target` (copied; the caller keeps it) and
    /// its revoker: `(revocable, revoker)`. The revocable cap implements
    /// `target`'s interface ([`Cap::into_typed`] makes it a client).
    pub fn wrap(&self, target: u32) -> Result<(Cap, Revoker), CapError> {
        let descriptors = [TransferDescriptor { cap: target, mode: TransferMode::Copy }];
        let mut r = self.request(method::revocation_factory::WRAP);
        r.params.init_root::<revocation_factory::wrap_params::Builder<'_>>().set_target(0);
        r.caps = &descriptors;
        r.caps_in_max = 2;
        let reply = call(r)?;
        let res =
            reply.message.get_root::<revocation_factory::wrap_results::Reader<'_>>().map_err(malformed)?;
        let caps = returned_caps(&reply);
        let id = |i: u32| reply.caps.get(i as usize).copied().ok_or(CapError::MalformedParams);
        let (revocable, revoker) = (id(res.get_revocable())?, id(res.get_revoker())?);
        core::mem::forget(caps);
        Ok((Cap::from_id(revocable), Revoker::from_id(revoker)))
    }
}

impl Revoker {
    /// Revokes: every call on the revocable cap now fails with `Revoked`.
    pub fn revoke(&self) -> Result<(), CapError> {
        call(self.request(method::revoker::REVOKE)).map(|_| ())
    }
}

impl EndpointFactory {
    /// A new endpoint for `interface_id`: its `(server, client)` sides (the
    /// client implements `interface_id`; [`Cap::into_typed`] makes it a
    /// typed client).
    pub fn create(&self, interface_id: u64) -> Result<(crate::server::Endpoint, Cap), CapError> {
        let mut r = self.request(method::endpoint_factory::CREATE);
        r.params.init_root::<endpoint_factory::create_params::Builder<'_>>().set_interface_id(interface_id);
        r.caps_in_max = 2;
        let reply = call(r)?;
        let res =
            reply.message.get_root::<endpoint_factory::create_results::Reader<'_>>().map_err(malformed)?;
        let caps = returned_caps(&reply);
        let id = |i: u32| reply.caps.get(i as usize).copied().ok_or(CapError::MalformedParams);
        let (server, client) = (id(res.get_server())?, id(res.get_client())?);
        core::mem::forget(caps);
        Ok((crate::server::Endpoint::from_id(server), Cap::from_id(client)))
    }
}

impl Echo {
    /// Starts `echo(text)`; finish with [`Self::finish`].
    pub fn echo_async(&self, text: &str) -> Result<PendingCall, CapError> {
        let mut r = self.request(method::echo::ECHO);
        r.params.init_root::<echo::echo_params::Builder<'_>>().set_text(text);
        submit(r)
    }

    /// Decodes a finished `echo`.
    pub fn finish(pending: PendingCall) -> Result<String, CapError> {
        let reply = pending.wait()?;
        let r = reply.message.get_root::<echo::echo_results::Reader<'_>>().map_err(malformed)?;
        Ok(String::from(r.get_text().map_err(malformed)?.to_str().map_err(|_| CapError::MalformedParams)?))
    }

    /// `echo(text)` (params built and results read on the stack:
    /// [`crate::call::call_built`]).
    pub fn echo(&self, text: &str) -> Result<String, CapError> {
        crate::call::call_built(
            self.0.id(),
            Self::INTERFACE_ID,
            method::echo::ECHO,
            |m| m.init_root::<echo::echo_params::Builder<'_>>().set_text(text),
            |results| {
                let r = results.get_root::<echo::echo_results::Reader<'_>>().map_err(malformed)?;
                Ok(String::from(
                    r.get_text().map_err(malformed)?.to_str().map_err(|_| CapError::MalformedParams)?,
                ))
            },
        )
    }
}

impl Console {
    /// Writes text.
    pub fn write(&self, text: &str) -> Result<(), CapError> {
        for chunk in chunks(text, console::MAX_WRITE_BYTES as usize) {
            crate::call::call_built(
                self.0.id(),
                Self::INTERFACE_ID,
                method::console::WRITE,
                |m| m.init_root::<console::write_params::Builder<'_>>().set_text(chunk),
                |_| Ok(()),
            )?;
        }
        Ok(())
    }

    /// Writes a line (text and `\n`).
    pub fn line(&self, text: &str) -> Result<(), CapError> {
        let mut s = String::with_capacity(text.len() + 1);
        s.push_str(text);
        s.push('\n');
        self.write(&s)
    }

    /// Writes raw bytes.
    pub fn write_bytes(&self, data: &[u8]) -> Result<(), CapError> {
        for chunk in data.chunks(console::MAX_WRITE_BYTES as usize) {
            let mut r = self.request(method::console::WRITE_BYTES);
            r.params.init_root::<console::write_bytes_params::Builder<'_>>().set_data(chunk);
            call(r)?;
        }
        Ok(())
    }
}

/// Splits `text` into pieces of at most `max` bytes at char boundaries.
fn chunks(text: &str, max: usize) -> impl Iterator<Item = &str> {
    let mut rest = text;
    core::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let mut end = rest.len().min(max);
        while !rest.is_char_boundary(end) {
            end -= 1;
        }
        let (head, tail) = rest.split_at(end);
        rest = tail;
        Some(head)
    })
}

impl Timer {
    /// Monotonic nanoseconds since boot.
    pub fn now(&self) -> Result<u64, CapError> {
        // The call fast path: no params, one word of results, no heap.
        // `ns` is data word 0, read in place where the message has the
        // shape the kernel writes, else with capnp.
        crate::call::call_inline_raw(
            self.0.id(),
            Self::INTERFACE_ID,
            method::timer::NOW,
            &capos_config::wire::NULL_ROOT,
            |bytes| match capos_config::wire::read_data_struct(bytes) {
                Some(data) => Ok(data.word(0)),
                None => crate::call::read_in_place(bytes, |message| {
                    Ok(message.get_root::<timer::now_results::Reader<'_>>().map_err(malformed)?.get_ns())
                }),
            },
        )
    }

    /// Waits `ns` nanoseconds.
    pub fn sleep(&self, ns: u64) -> Result<(), CapError> {
        self.sleep_async(ns)?.wait().map(|_| ())
    }

    /// Starts a sleep; wait on the returned call to finish it.
    pub fn sleep_async(&self, ns: u64) -> Result<PendingCall, CapError> {
        let mut r = self.request(method::timer::SLEEP);
        r.params.init_root::<timer::sleep_params::Builder<'_>>().set_ns(ns);
        submit(r)
    }
}

/// A wall-clock reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WallTime {
    /// Seconds since the Unix epoch.
    pub seconds: i64,
    /// Nanoseconds within the second.
    pub nanos: u32,
    /// Where the time came from.
    pub provenance: TimeProvenance,
}

impl WallClock {
    /// The current time.
    pub fn now(&self) -> Result<WallTime, CapError> {
        // The call fast path, as `Timer::now`: no params, no heap.
        // `seconds` is data word 0; `nanos` the low half of word 1 and
        // `provenance` (UInt16) the 16 bits above it (capos-config's wire
        // tests check the layout against capnp).
        crate::call::call_inline_raw(
            self.0.id(),
            Self::INTERFACE_ID,
            method::wall_clock::NOW,
            &capos_config::wire::NULL_ROOT,
            |bytes| match capos_config::wire::read_data_struct(bytes) {
                Some(data) => Ok(WallTime {
                    seconds: data.word(0) as i64,
                    nanos: data.word(1) as u32,
                    provenance: TimeProvenance::try_from((data.word(1) >> 32) as u16)
                        .unwrap_or(TimeProvenance::Unset),
                }),
                None => crate::call::read_in_place(bytes, |message| {
                    let r = message.get_root::<wall_clock::now_results::Reader<'_>>().map_err(malformed)?;
                    Ok(WallTime {
                        seconds: r.get_seconds(),
                        nanos: r.get_nanos(),
                        provenance: r.get_provenance().unwrap_or(TimeProvenance::Unset),
                    })
                }),
            },
        )
    }
}

impl EntropySource {
    /// `count` random bytes (at most `EntropySource.maxBytes`).
    pub fn get_bytes(&self, count: u32) -> Result<Vec<u8>, CapError> {
        let mut r = self.request(method::entropy_source::GET_BYTES);
        r.params.init_root::<entropy_source::get_bytes_params::Builder<'_>>().set_count(count);
        let reply = call(r)?;
        let bytes =
            reply.message.get_root::<entropy_source::get_bytes_results::Reader<'_>>().map_err(malformed)?;
        Ok(bytes.get_bytes().map_err(malformed)?.to_vec())
    }
}

/// Calls `r`, whose results are `(data :Data)` of at most `length` bytes.
fn read_data(mut r: Request<'_>, length: u32) -> Result<Vec<u8>, CapError> {
    r.result_len = length.saturating_add(256);
    let reply = call(r)?;
    let data =
        reply.message.get_root::<boot_package::read_manifest_results::Reader<'_>>().map_err(malformed)?;
    Ok(data.get_data().map_err(malformed)?.to_vec())
}

/// `size` bytes read in chunks by `read(offset)`.
fn read_whole(size: u64, read: impl Fn(u64) -> Result<Vec<u8>, CapError>) -> Result<Vec<u8>, CapError> {
    let mut out = Vec::new();
    out.try_reserve_exact(size as usize).map_err(|_| CapError::OutOfMemory)?;
    while (out.len() as u64) < size {
        let chunk = read(out.len() as u64)?;
        if chunk.is_empty() {
            break;
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

impl BootPackage {
    /// Size of the boot manifest in bytes.
    pub fn manifest_size(&self) -> Result<u64, CapError> {
        let reply = call(self.request(method::boot_package::MANIFEST_SIZE))?;
        Ok(reply
            .message
            .get_root::<boot_package::manifest_size_results::Reader<'_>>()
            .map_err(malformed)?
            .get_size())
    }

    /// Up to `length` bytes of the manifest from `offset`.
    pub fn read_manifest(&self, offset: u64, length: u32) -> Result<Vec<u8>, CapError> {
        let mut r = self.request(method::boot_package::READ_MANIFEST);
        let mut p = r.params.init_root::<boot_package::read_manifest_params::Builder<'_>>();
        p.set_offset(offset);
        p.set_length(length);
        read_data(r, length)
    }

    /// The whole manifest (binaries and files included: see [`Self::config`]).
    pub fn manifest(&self) -> Result<Vec<u8>, CapError> {
        read_whole(self.manifest_size()?, |offset| self.read_manifest(offset, boot_package::MAX_CHUNK))
    }

    /// Size of the config (the manifest without contents) in bytes.
    pub fn config_size(&self) -> Result<u64, CapError> {
        let reply = call(self.request(method::boot_package::CONFIG_SIZE))?;
        Ok(reply
            .message
            .get_root::<boot_package::config_size_results::Reader<'_>>()
            .map_err(malformed)?
            .get_size())
    }

    /// Up to `length` bytes of the config from `offset`.
    pub fn read_config(&self, offset: u64, length: u32) -> Result<Vec<u8>, CapError> {
        let mut r = self.request(method::boot_package::READ_CONFIG);
        let mut p = r.params.init_root::<boot_package::read_config_params::Builder<'_>>();
        p.set_offset(offset);
        p.set_length(length);
        read_data(r, length)
    }

    /// The whole config: a `SystemManifest` whose binaries and files have
    /// empty contents, small whatever the package carries.
    pub fn config(&self) -> Result<Vec<u8>, CapError> {
        read_whole(self.config_size()?, |offset| self.read_config(offset, boot_package::MAX_CHUNK))
    }

    /// Up to `length` bytes of file number `index` (manifest order) from
    /// `offset`; fewer only at its end.
    pub fn read_file(&self, index: u32, offset: u64, length: u32) -> Result<Vec<u8>, CapError> {
        let mut r = self.request(method::boot_package::READ_FILE);
        let mut p = r.params.init_root::<boot_package::read_file_params::Builder<'_>>();
        p.set_index(index);
        p.set_offset(offset);
        p.set_length(length);
        read_data(r, length)
    }

    /// Names of the embedded binaries.
    pub fn list_binaries(&self) -> Result<Vec<String>, CapError> {
        let reply = call(self.request(method::boot_package::LIST_BINARIES))?;
        let r =
            reply.message.get_root::<boot_package::list_binaries_results::Reader<'_>>().map_err(malformed)?;
        let mut names = Vec::new();
        for name in r.get_names().map_err(malformed)? {
            names.push(String::from(
                name.map_err(malformed)?.to_str().map_err(|_| CapError::MalformedParams)?,
            ));
        }
        Ok(names)
    }

    /// Size in bytes of the binary `name` (`NotFound` if there is none).
    pub fn binary_size(&self, name: &str) -> Result<u64, CapError> {
        let mut r = self.request(method::boot_package::BINARY_SIZE);
        r.params.init_root::<boot_package::binary_size_params::Builder<'_>>().set_name(name);
        let reply = call(r)?;
        Ok(reply
            .message
            .get_root::<boot_package::binary_size_results::Reader<'_>>()
            .map_err(malformed)?
            .get_size())
    }
}

/// One cap given to a new process.
#[derive(Debug, Clone, Copy)]
pub struct Grant<'a> {
    /// The name the child will find it under.
    pub name: &'a str,
    /// Where it comes from.
    pub source: GrantSource,
}

/// Where a granted cap comes from.
#[derive(Debug, Clone, Copy)]
pub enum GrantSource {
    /// One of the caller's caps (copied; the caller keeps it).
    Cap(u32),
    /// A kernel cap of a kind the caller holds (a copy of it), the child's
    /// own `virtualMemory`, or a `frameAllocator` whose budget is carved
    /// out of the caller's (see `CapGrant.kernel` in the schema).
    Kernel(KernelCap),
}

impl<'a> Grant<'a> {
    /// A grant of one of the caller's caps.
    pub fn cap(name: &'a str, cap: u32) -> Self {
        Self { name, source: GrantSource::Cap(cap) }
    }

    /// A grant of a kernel cap of kind `kind`; the spawn fails with
    /// `PermissionDenied` unless the caller holds one (`virtualMemory`
    /// excepted).
    pub fn kernel(name: &'a str, kind: KernelCap) -> Self {
        Self { name, source: GrantSource::Kernel(kind) }
    }
}

pub use capos_abi::process::ExitStatus;

impl ProcessSpawner {
    /// Starts boot binary `binary` with arguments `args` (the kernel puts
    /// the binary's name before them as `argv[0]`), environment `env`
    /// (`KEY=VALUE`) and the caps `grants`.
    pub fn spawn(
        &self,
        binary: &str,
        args: &[&str],
        env: &[&str],
        grants: &[Grant<'_>],
    ) -> Result<(ProcessHandle, u64), CapError> {
        self.spawn_limited(binary, args, env, grants, 0)
    }

    /// [`Self::spawn`] with a memory limit in bytes for the new process,
    /// carved out of the caller's own while it runs (0: the default, 64 MiB
    /// or half of what the caller has left if less; at most
    /// `ProcessSpawner.maxMemoryLimit`).
    pub fn spawn_limited(
        &self,
        binary: &str,
        args: &[&str],
        env: &[&str],
        grants: &[Grant<'_>],
        memory_limit: u64,
    ) -> Result<(ProcessHandle, u64), CapError> {
        self.spawn_with_limits(binary, args, env, grants, memory_limit, 0)
    }

    /// [`Self::spawn_limited`] with a kernel-memory quota in bytes too,
    /// carved out of the caller's own (0: the default, 4 MiB or half of
    /// what the caller has left if less).
    pub fn spawn_with_limits(
        &self,
        binary: &str,
        args: &[&str],
        env: &[&str],
        grants: &[Grant<'_>],
        memory_limit: u64,
        kernel_memory_limit: u64,
    ) -> Result<(ProcessHandle, u64), CapError> {
        let descriptors: Vec<TransferDescriptor> = grants
            .iter()
            .filter_map(|g| match g.source {
                GrantSource::Cap(cap) => Some(TransferDescriptor { cap, mode: TransferMode::Copy }),
                GrantSource::Kernel(_) => None,
            })
            .collect();
        let mut r = self.request(method::process_spawner::SPAWN);
        {
            let mut p = r.params.init_root::<process_spawner::spawn_params::Builder<'_>>();
            p.set_binary(binary);
            p.set_memory_limit(memory_limit);
            p.set_kernel_memory_limit(kernel_memory_limit);
            let mut a = p.reborrow().init_args(args.len() as u32);
            for (i, s) in args.iter().enumerate() {
                a.set(i as u32, capnp::text::Reader::from(*s));
            }
            let mut e = p.reborrow().init_env(env.len() as u32);
            for (i, s) in env.iter().enumerate() {
                e.set(i as u32, capnp::text::Reader::from(*s));
            }
            let mut c = p.init_caps(grants.len() as u32);
            let mut sent = 0;
            for (i, g) in grants.iter().enumerate() {
                let mut entry = c.reborrow().get(i as u32);
                entry.set_name(g.name);
                match g.source {
                    GrantSource::Cap(_) => {
                        entry.set_cap(sent);
                        sent += 1;
                    }
                    GrantSource::Kernel(kind) => entry.set_kernel(kind),
                }
            }
        }
        r.caps = &descriptors;
        r.caps_in_max = 1;
        let reply: Reply = call(r)?;
        let results =
            reply.message.get_root::<process_spawner::spawn_results::Reader<'_>>().map_err(malformed)?;
        let handle = returned_cap(&reply, results.get_handle())?;
        Ok((handle, results.get_pid()))
    }

    /// The caller's own kernel-memory quota: `(limit, used)` in bytes.
    pub fn kernel_memory(&self) -> Result<(u64, u64), CapError> {
        let reply = call(self.request(method::process_spawner::KERNEL_MEMORY))?;
        let r = reply
            .message
            .get_root::<process_spawner::kernel_memory_results::Reader<'_>>()
            .map_err(malformed)?;
        Ok((r.get_limit(), r.get_used()))
    }
}

impl ProcessHandle {
    /// Waits for the process to end.
    pub fn wait(&self) -> Result<ExitStatus, CapError> {
        Self::exit_status(self.wait_async()?.wait()?)
    }

    /// Decodes the reply of a `wait` started with [`Self::wait_async`].
    pub fn exit_status(reply: Reply) -> Result<ExitStatus, CapError> {
        {
            let r =
                reply.message.get_root::<process_handle::wait_results::Reader<'_>>().map_err(malformed)?;
            let status = r.get_status().map_err(malformed)?;
            Ok(match status.which().map_err(|_| CapError::MalformedParams)? {
                exit_status::Exited(code) => ExitStatus::Exited(code),
                exit_status::Faulted(f) => {
                    let f = f.map_err(malformed)?;
                    ExitStatus::Faulted {
                        vector: f.get_vector(),
                        error_code: f.get_error_code(),
                        address: f.get_address(),
                        rip: f.get_rip(),
                    }
                }
                exit_status::Killed(()) => ExitStatus::Killed,
                exit_status::Signaled(sig) => ExitStatus::Signaled(sig),
            })
        }
    }

    /// Starts a wait; finish it with [`PendingCall::wait`] and
    /// [`Self::exit_status`].
    pub fn wait_async(&self) -> Result<PendingCall, CapError> {
        submit(self.request(method::process_handle::WAIT))
    }

    /// Kills the process.
    pub fn kill(&self) -> Result<(), CapError> {
        call(self.request(method::process_handle::KILL)).map(|_| ())
    }

    /// Starts a `jobState(after)` call: completes once the process stopped,
    /// continued or ended more than `after` times in all. Finish it with
    /// [`PendingCall::wait`] and [`Self::job_state`].
    pub fn job_state_async(&self, after: u64) -> Result<PendingCall, CapError> {
        let mut r = self.request(method::process_handle::JOB_STATE);
        r.params.init_root::<process_handle::job_state_params::Builder<'_>>().set_after(after);
        submit(r)
    }

    /// The `(changes, stop signal or 0, ended)` of a `jobState` reply.
    pub fn job_state(reply: Reply) -> Result<(u64, u8, bool), CapError> {
        let r =
            reply.message.get_root::<process_handle::job_state_results::Reader<'_>>().map_err(malformed)?;
        Ok((r.get_changes(), r.get_stop_signal(), r.get_ended()))
    }

    /// The process's kernel-memory quota: `(limit, used)` in bytes.
    pub fn kernel_memory(&self) -> Result<(u64, u64), CapError> {
        let reply = call(self.request(method::process_handle::KERNEL_MEMORY))?;
        let r = reply
            .message
            .get_root::<process_handle::kernel_memory_results::Reader<'_>>()
            .map_err(malformed)?;
        Ok((r.get_limit(), r.get_used()))
    }

    /// The process id.
    pub fn pid(&self) -> Result<u64, CapError> {
        let reply = call(self.request(method::process_handle::PID))?;
        Ok(reply.message.get_root::<process_handle::pid_results::Reader<'_>>().map_err(malformed)?.get_pid())
    }
}

impl FrameAllocator {
    /// A memory object of `pages` zeroed frames.
    pub fn allocate(&self, pages: u32) -> Result<MemoryObject, CapError> {
        let mut r = self.request(method::frame_allocator::ALLOCATE);
        r.params.init_root::<frame_allocator::allocate_params::Builder<'_>>().set_pages(pages);
        r.caps_in_max = 1;
        let reply = call(r)?;
        let index = reply
            .message
            .get_root::<frame_allocator::allocate_results::Reader<'_>>()
            .map_err(malformed)?
            .get_memory();
        returned_cap(&reply, index)
    }
}

impl MemoryObject {
    /// Size in bytes.
    pub fn size(&self) -> Result<u64, CapError> {
        let reply = call(self.request(method::memory_object::SIZE))?;
        Ok(reply
            .message
            .get_root::<memory_object::size_results::Reader<'_>>()
            .map_err(malformed)?
            .get_bytes())
    }
}

impl VirtualMemory {
    /// Maps `size` bytes of fresh zeroed memory; `hint` 0 lets the kernel
    /// pick the address.
    pub fn map(&self, size: u64, rights: MapRights, hint: u64) -> Result<u64, CapError> {
        let mut r = self.request(method::virtual_memory::MAP);
        let mut p = r.params.init_root::<virtual_memory::map_params::Builder<'_>>();
        p.set_size(size);
        p.set_rights(rights);
        p.set_hint(hint);
        let reply = call(r)?;
        Ok(reply
            .message
            .get_root::<virtual_memory::map_results::Reader<'_>>()
            .map_err(malformed)?
            .get_address())
    }

    /// Maps `size` bytes of `memory` from `offset` (the mapping keeps the
    /// object: dropping `memory` afterwards does not unmap it).
    pub fn map_object(
        &self,
        memory: &MemoryObject,
        offset: u64,
        size: u64,
        rights: MapRights,
        hint: u64,
    ) -> Result<u64, CapError> {
        let descriptors = [TransferDescriptor { cap: memory.id(), mode: TransferMode::Copy }];
        let mut r = self.request(method::virtual_memory::MAP_OBJECT);
        let mut p = r.params.init_root::<virtual_memory::map_object_params::Builder<'_>>();
        p.set_memory(0);
        p.set_offset(offset);
        p.set_size(size);
        p.set_rights(rights);
        p.set_hint(hint);
        r.caps = &descriptors;
        let reply = call(r)?;
        Ok(reply
            .message
            .get_root::<virtual_memory::map_results::Reader<'_>>()
            .map_err(malformed)?
            .get_address())
    }

    /// Unmaps `[address, address+size)`.
    pub fn unmap(&self, address: u64, size: u64) -> Result<(), CapError> {
        let mut r = self.request(method::virtual_memory::UNMAP);
        let mut p = r.params.init_root::<virtual_memory::unmap_params::Builder<'_>>();
        p.set_address(address);
        p.set_size(size);
        call(r).map(|_| ())
    }

    /// Changes the rights of `[address, address+size)`.
    pub fn protect(&self, address: u64, size: u64, rights: MapRights) -> Result<(), CapError> {
        let mut r = self.request(method::virtual_memory::PROTECT);
        let mut p = r.params.init_root::<virtual_memory::protect_params::Builder<'_>>();
        p.set_address(address);
        p.set_size(size);
        p.set_rights(rights);
        call(r).map(|_| ())
    }
}

client!(
    /// `TerminalSession`: the terminal (line discipline on a serial port).
    TerminalSession,
    interface_id::TERMINAL_SESSION
);

/// A terminal's mode (`TerminalMode` in the schema).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TerminalMode {
    /// Line editing; otherwise raw.
    pub canonical: bool,
    /// Typed bytes are written back.
    pub echo: bool,
    /// Ctrl-C interrupts and Ctrl-D ends input (canonical mode only).
    pub signals: bool,
    /// POSIX `TOSTOP`: a background group's write stops it (`SIGTTOU`).
    pub tostop: bool,
}

/// Most bytes one `TerminalSession.write` or `read` moves.
pub const TERMINAL_MAX_IO: usize = 64 * 1024;
/// Bytes one `TerminalSession.write` call carries from [`TerminalSession::write`]
/// (the params message must fit the ring's 64 KiB limit with its framing).
pub const TERMINAL_WRITE_CHUNK: usize = 60 * 1024;

impl TerminalSession {
    /// Writes bytes (split into calls of at most [`TERMINAL_WRITE_CHUNK`]:
    /// a 64 KiB `data` and the message around it would not fit one call).
    pub fn write(&self, data: &[u8]) -> Result<(), CapError> {
        for chunk in data.chunks(TERMINAL_WRITE_CHUNK) {
            let mut r = self.request(method::terminal_session::WRITE);
            r.params.init_root::<terminal_session::write_params::Builder<'_>>().set_data(chunk);
            call(r)?;
        }
        Ok(())
    }

    /// Starts a read of at most `max` bytes; finish with [`Self::finish_read`].
    pub fn read_async(&self, max: usize) -> Result<PendingCall, CapError> {
        let max = max.clamp(1, TERMINAL_MAX_IO);
        let mut r = self.request(method::terminal_session::READ);
        r.params.init_root::<terminal_session::read_params::Builder<'_>>().set_max(max as u32);
        r.result_len = max as u32 + 64;
        submit(r)
    }

    /// Decodes a finished read: the bytes (empty at end of file).
    pub fn finish_read(pending: PendingCall) -> Result<Vec<u8>, CapError> {
        let reply = pending.wait()?;
        let res =
            reply.message.get_root::<terminal_session::read_results::Reader<'_>>().map_err(malformed)?;
        Ok(res.get_data().map_err(malformed)?.to_vec())
    }

    /// Reads: a line in canonical mode, what has arrived in raw mode; empty
    /// at end of file; `Interrupted` on Ctrl-C.
    pub fn read(&self, max: usize) -> Result<Vec<u8>, CapError> {
        Self::finish_read(self.read_async(max)?)
    }

    /// The current mode.
    pub fn mode(&self) -> Result<TerminalMode, CapError> {
        let reply = call(self.request(method::terminal_session::GET_MODE))?;
        let res =
            reply.message.get_root::<terminal_session::get_mode_results::Reader<'_>>().map_err(malformed)?;
        let m = res.get_mode().map_err(malformed)?;
        Ok(TerminalMode {
            canonical: m.get_canonical(),
            echo: m.get_echo(),
            signals: m.get_signals(),
            tostop: m.get_tostop(),
        })
    }

    /// Changes the mode.
    pub fn set_mode(&self, mode: TerminalMode) -> Result<(), CapError> {
        let mut r = self.request(method::terminal_session::SET_MODE);
        let mut m = r.params.init_root::<terminal_session::set_mode_params::Builder<'_>>().init_mode();
        m.set_canonical(mode.canonical);
        m.set_echo(mode.echo);
        m.set_signals(mode.signals);
        m.set_tostop(mode.tostop);
        call(r).map(|_| ())
    }

    /// `(rows, cols)`.
    pub fn window_size(&self) -> Result<(u16, u16), CapError> {
        let reply = call(self.request(method::terminal_session::WINDOW_SIZE))?;
        let res = reply
            .message
            .get_root::<terminal_session::window_size_results::Reader<'_>>()
            .map_err(malformed)?;
        Ok((res.get_rows(), res.get_cols()))
    }

    /// Sets the window size.
    pub fn set_window_size(&self, rows: u16, cols: u16) -> Result<(), CapError> {
        let mut r = self.request(method::terminal_session::SET_WINDOW_SIZE);
        let mut p = r.params.init_root::<terminal_session::set_window_size_params::Builder<'_>>();
        p.set_rows(rows);
        p.set_cols(cols);
        call(r).map(|_| ())
    }

    /// How many Ctrl-C interrupts the terminal has seen.
    pub fn interrupts(&self) -> Result<u64, CapError> {
        let reply = call(self.request(method::terminal_session::INTERRUPTS))?;
        let res = reply
            .message
            .get_root::<terminal_session::interrupts_results::Reader<'_>>()
            .map_err(malformed)?;
        Ok(res.get_count())
    }

    /// Makes process group `group` the foreground group (`tcsetpgrp`; 0:
    /// none): Ctrl-C sends it `SIGINT`.
    pub fn set_foreground(&self, group: u64) -> Result<(), CapError> {
        let mut r = self.request(method::terminal_session::SET_FOREGROUND);
        r.params.init_root::<terminal_session::set_foreground_params::Builder<'_>>().set_group(group);
        call(r).map(drop)
    }

    /// The foreground process group (`tcgetpgrp`; 0: none set).
    pub fn foreground(&self) -> Result<u64, CapError> {
        let reply = call(self.request(method::terminal_session::FOREGROUND))?;
        let res = reply
            .message
            .get_root::<terminal_session::foreground_results::Reader<'_>>()
            .map_err(malformed)?;
        Ok(res.get_group())
    }

    /// Starts waiting until the interrupt count exceeds `after`; finish
    /// with [`Self::finish_wait_interrupt`].
    pub fn wait_interrupt_async(&self, after: u64) -> Result<PendingCall, CapError> {
        let mut r = self.request(method::terminal_session::WAIT_INTERRUPT);
        r.params.init_root::<terminal_session::wait_interrupt_params::Builder<'_>>().set_after(after);
        submit(r)
    }

    /// Decodes a finished `waitInterrupt`: the interrupt count.
    pub fn finish_wait_interrupt(pending: PendingCall) -> Result<u64, CapError> {
        let reply = pending.wait()?;
        let res = reply
            .message
            .get_root::<terminal_session::wait_interrupt_results::Reader<'_>>()
            .map_err(malformed)?;
        Ok(res.get_count())
    }
}
