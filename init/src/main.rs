//! `init`, the first process. The kernel embeds it and starts it with the
//! caps `console`, `bootPackage`, `processSpawner` and `endpointFactory`.
//! It reads the boot manifest's config (the manifest without the contents
//! of binaries and files) through `bootPackage`, validates it, makes an
//! endpoint for every service export, starts every service in dependency
//! order with exactly the caps (and the memory limit) the service declares (the server side of
//! its exports under their names, the client side of the exports it
//! imports), and waits for them, restarting those whose policy says so (at
//! most [`MAX_RESTARTS`] times each).
//!
//! If the manifest names a `statusFrom` service, that service's end is the
//! system's: once it has ended for good, init kills the services still
//! running, waits for them, and exits with its last exit status (a fault
//! counts as 139, a kill as 137, as a POSIX shell reports them). Without
//! one, init waits until every service has ended and exits with 0. (The
//! kernel then ends whatever else still runs: children that outlived the
//! services that started them.)
//!
//! Errors — a service that cannot start or be restarted, a manifest init
//! cannot use — are printed as `[init] error: MESSAGE`
//! (`capos_abi::serial::INIT_ERROR`). When the manifest is unusable or the
//! `statusFrom` service cannot start, the boot failed: init stops what it
//! started and exits with `capos_abi::process::BOOT_FAILED` (125).
#![no_std]
#![no_main]

extern crate alloc;

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use capos::prelude::*;
use capos_abi::process::BOOT_FAILED;
use capos_abi::serial::INIT_ERROR;
use capos_config::manifest::{self, CapSource, RestartPolicy, Service};

capos::entry_point!(main);

/// Restarts allowed per service before init gives up on it.
const MAX_RESTARTS: u32 = 3;

/// Where init reports: `[init] ...` lines and `[init] error: ...` lines on
/// its console.
struct Log {
    console: Borrowed<'static, Console>,
}

impl Log {
    /// A progress line: `[init] TEXT`.
    fn say(&self, text: &str) {
        let _ = self.console.line(&format!("[init] {text}"));
    }

    /// An error line: `[init] error: TEXT`.
    fn error(&self, text: &str) {
        let _ = self.console.line(&format!("{INIT_ERROR}{text}"));
    }
}

fn main(caps: Caps) -> i32 {
    let Ok(console) = Console::from_caps(&caps, "console") else { return BOOT_FAILED };
    let log = Log { console };
    let (boot, spawner) = match (
        BootPackage::from_caps(&caps, "bootPackage"),
        ProcessSpawner::from_caps(&caps, "processSpawner"),
    ) {
        (Ok(boot), Ok(spawner)) => (boot, spawner),
        (Err(e), _) | (_, Err(e)) => {
            log.error(&format!("{e}"));
            return BOOT_FAILED;
        }
    };
    let factory = EndpointFactory::from_caps(&caps, "endpointFactory").ok();
    match run(&boot, &spawner, factory.as_deref(), &log) {
        Ok(status) => status,
        Err(message) => {
            log.error(&message);
            BOOT_FAILED
        }
    }
}

fn kernel_cap(cap: manifest::KernelCap) -> KernelCap {
    match cap {
        manifest::KernelCap::Console => KernelCap::Console,
        manifest::KernelCap::Timer => KernelCap::Timer,
        manifest::KernelCap::WallClock => KernelCap::WallClock,
        manifest::KernelCap::Entropy => KernelCap::Entropy,
        manifest::KernelCap::BootPackage => KernelCap::BootPackage,
        manifest::KernelCap::ProcessSpawner => KernelCap::ProcessSpawner,
        manifest::KernelCap::FrameAllocator => KernelCap::FrameAllocator,
        manifest::KernelCap::VirtualMemory => KernelCap::VirtualMemory,
        manifest::KernelCap::EndpointFactory => KernelCap::EndpointFactory,
        manifest::KernelCap::RevocationFactory => KernelCap::RevocationFactory,
        manifest::KernelCap::Terminal => KernelCap::Terminal,
        manifest::KernelCap::Stderr => KernelCap::Stderr,
        manifest::KernelCap::PipeFactory => KernelCap::PipeFactory,
    }
}

/// A started service and the `wait` call pending on it.
struct Running<'m> {
    service: &'m Service,
    handle: ProcessHandle,
    pid: u64,
    restarts: u32,
    wait: capos::call::PendingCall,
}

/// The endpoints of every export: (service, export) -> (server, client)
/// sides in init's table; `None` once init let go of that side.
type Endpoints = BTreeMap<(String, String), (Option<Endpoint>, Option<Cap>)>;

/// Makes one endpoint per export of every service.
fn make_endpoints(factory: Option<&EndpointFactory>, services: &[Service]) -> Result<Endpoints, String> {
    let mut endpoints = Endpoints::new();
    for service in services {
        for export in &service.exports {
            let factory = factory.ok_or("the manifest has exports but init holds no endpointFactory")?;
            let sides = factory
                .create(export.interface_id)
                .map_err(|e| format!("cannot make the endpoint {}.{}: {e}", service.name, export.name))?;
            endpoints.insert((service.name.clone(), export.name.clone()), (Some(sides.0), Some(sides.1)));
        }
    }
    Ok(endpoints)
}

fn start(
    spawner: &ProcessSpawner,
    service: &Service,
    endpoints: &Endpoints,
) -> Result<(ProcessHandle, u64), String> {
    let mut grants = Vec::new();
    for decl in &service.caps {
        match &decl.source {
            CapSource::Kernel(kind) => grants.push(Grant::kernel(&decl.name, kernel_cap(*kind))),
            CapSource::Service { service: from, export } => {
                let client = endpoints
                    .get(&(from.clone(), export.clone()))
                    .and_then(|(_, client)| client.as_ref())
                    .ok_or_else(|| format!("service {}: no endpoint {from}.{export}", service.name))?;
                grants.push(Grant::cap(&decl.name, client.id()));
            }
        }
    }
    for export in &service.exports {
        if let Some((Some(server), _)) = endpoints.get(&(service.name.clone(), export.name.clone())) {
            grants.push(Grant::cap(&export.name, server.id()));
        }
    }
    let args: Vec<&str> = service.args.iter().map(String::as_str).collect();
    let env: Vec<&str> = service.env.iter().map(String::as_str).collect();
    spawner
        .spawn_with_limits(
            &service.binary,
            &args,
            &env,
            &grants,
            service.memory_limit,
            service.kernel_memory_limit,
        )
        .map_err(|e| format!("cannot start service {} ({}): {e}", service.name, service.binary))
}

/// After starting `service`: unless it may be restarted, init lets go of
/// the server sides of its exports, so its clients see `PeerDied` when it
/// ends (a service that is restarted keeps its endpoints, and its clients'
/// calls wait for the new instance). After a service failed to start (or
/// restart), `always` is set: nobody will serve them.
fn release_server_sides(service: &Service, endpoints: &mut Endpoints, always: bool) {
    if service.restart != RestartPolicy::Never && !always {
        return;
    }
    for export in &service.exports {
        if let Some((server, _)) = endpoints.get_mut(&(service.name.clone(), export.name.clone())) {
            drop(server.take());
        }
    }
}

/// After every service has started: init lets go of the client side of
/// each export that no restartable service imports, so that once its
/// importers end, the server's RECV fails with `PeerDied` and it can stop.
fn release_client_sides(services: &[Service], endpoints: &mut Endpoints) {
    for ((from, export), (_, client)) in endpoints.iter_mut() {
        let restartable_importer = services.iter().any(|s| {
            s.restart != RestartPolicy::Never
                && s.caps.iter().any(|d| {
                    matches!(&d.source, CapSource::Service { service, export: e } if service == from && e == export)
                })
        });
        if !restartable_importer {
            drop(client.take());
        }
    }
}

fn run(
    boot: &BootPackage,
    spawner: &ProcessSpawner,
    factory: Option<&EndpointFactory>,
    log: &Log,
) -> Result<i32, String> {
    // The config: the manifest without the contents of binaries and files.
    let bytes = boot.config().map_err(|e| format!("cannot read the boot manifest: {e}"))?;
    let manifest = manifest::decode_validated(&bytes).map_err(|e| format!("bad boot manifest: {e}"))?;
    drop(bytes);
    let order = manifest.start_order().map_err(|e| format!("bad boot manifest: {e}"))?;
    let mut endpoints = make_endpoints(factory, &manifest.services)?;
    let mut running: Vec<Running<'_>> = Vec::new();
    let mut failures = 0;
    let mut final_status = 0;
    let mut boot_failed = false;
    for service in order {
        match start(spawner, service, &endpoints).and_then(|(handle, pid)| match handle.wait_async() {
            Ok(wait) => Ok((handle, pid, wait)),
            Err(e) => {
                let _ = handle.kill();
                Err(format!("cannot wait for {}: {e}", service.name))
            }
        }) {
            Ok((handle, pid, wait)) => {
                release_server_sides(service, &mut endpoints, false);
                log.say(&format!("started {} (pid {pid})", service.name));
                running.push(Running { service, handle, pid, restarts: 0, wait });
            }
            Err(message) => {
                failures += 1;
                log.error(&message);
                release_server_sides(service, &mut endpoints, true);
                if service.name == manifest.status_from {
                    boot_failed = true;
                    break;
                }
            }
        }
    }
    release_client_sides(&manifest.services, &mut endpoints);
    if boot_failed {
        log.error(&format!("the boot failed: {} (statusFrom) did not start", manifest.status_from));
        stop_all(log, running)?;
        log.say(&format!("all services ended ({failures} could not start)"));
        return Ok(BOOT_FAILED);
    }
    while !running.is_empty() {
        // Every service has a wait pending; handle whichever ends first.
        let waits: Vec<&capos::call::PendingCall> = running.iter().map(|r| &r.wait).collect();
        let ended = capos::call::wait_any(&waits).map_err(|e| format!("cannot wait: {e}"))?;
        let r = running.remove(ended);
        let (service, restarts) = (r.service, r.restarts);
        let status = ended_status(log, r)?;
        let is_status_from = service.name == manifest.status_from;
        if is_status_from {
            final_status = status_code(status);
        }
        let failed = status != ExitStatus::Exited(0);
        let again = match service.restart {
            RestartPolicy::Never => false,
            RestartPolicy::OnFailure => failed,
            RestartPolicy::Always => true,
        };
        let mut restarted = false;
        if again && restarts < MAX_RESTARTS {
            match start(spawner, service, &endpoints).and_then(|(handle, pid)| {
                let wait = handle.wait_async().map_err(|e| format!("cannot wait: {e}"))?;
                Ok((handle, pid, wait))
            }) {
                Ok((handle, pid, wait)) => {
                    log.say(&format!("restarted {} (pid {pid})", service.name));
                    running.push(Running { service, handle, pid, restarts: restarts + 1, wait });
                    restarted = true;
                }
                Err(message) => {
                    log.error(&message);
                    release_server_sides(service, &mut endpoints, true);
                }
            }
        } else if again {
            log.error(&format!("{} restarted {MAX_RESTARTS} times; giving up", service.name));
            release_server_sides(service, &mut endpoints, true);
        }
        if is_status_from && !restarted {
            // The system's end: stop whatever else still runs.
            if !running.is_empty() {
                let names: Vec<&str> = running.iter().map(|r| r.service.name.as_str()).collect();
                log.say(&format!("{} ended; stopping {}", service.name, names.join(", ")));
            }
            stop_all(log, core::mem::take(&mut running))?;
        }
    }
    log.say(&format!("all services ended ({failures} could not start)"));
    Ok(final_status)
}

/// The status a POSIX shell reports for how a process ended.
fn status_code(status: ExitStatus) -> i32 {
    status.shell_status()
}

/// Collects how a service whose wait completed ended, reports it and lets
/// its handle go.
fn ended_status(log: &Log, r: Running<'_>) -> Result<ExitStatus, String> {
    let reply = r.wait.wait().map_err(|e| format!("cannot wait for {}: {e}", r.service.name))?;
    let status = ProcessHandle::exit_status(reply).map_err(|e| format!("bad wait result: {e}"))?;
    log.say(&format!("{} (pid {}) {}", r.service.name, r.pid, status));
    // Dropping `r` releases the handle.
    Ok(status)
}

/// Kills every service in `running` and waits for each to end.
fn stop_all(log: &Log, running: Vec<Running<'_>>) -> Result<(), String> {
    for r in &running {
        let _ = r.handle.kill();
    }
    for r in running {
        ended_status(log, r)?;
    }
    Ok(())
}
