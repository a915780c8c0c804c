//! `init`, the first process. The kernel embeds it and starts it with the
//! caps `console`, `bootPackage`, `processSpawner` and `endpointFactory`.
//! It reads the boot manifest's config (the manifest without the contents
//! of binaries and files) through `bootPackage`, validates it, makes an
//! endpoint for every service export, starts every service in dependency
//! order with exactly the caps (and the memory limit) the service declares (the server side of
//! its exports under their names, the client side of the exports it
//! imports), and waits for them, restarting those whose policy says so (at
//! most [`MAX_RESTARTS`] times each). When every service has ended for good
//! it reports and exits: with the last exit status of the manifest's
//! `statusFrom` service if it names one (a fault counts as 139, a kill as
//! 137, as a POSIX shell reports them), else with 0.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use capos::prelude::*;
use capos_config::manifest::{self, CapSource, RestartPolicy, Service};

capos::entry_point!(main);

/// Restarts allowed per service before init gives up on it.
const MAX_RESTARTS: u32 = 3;

fn main(caps: Caps) -> i32 {
    let Ok(console) = Console::from_caps(&caps, "console") else { return 1 };
    let say = |text: &str| {
        let _ = console.line(&format!("[init] {text}"));
    };
    let (Ok(boot), Ok(spawner)) =
        (BootPackage::from_caps(&caps, "bootPackage"), ProcessSpawner::from_caps(&caps, "processSpawner"))
    else {
        say("missing the bootPackage or processSpawner cap");
        return 1;
    };
    let factory = EndpointFactory::from_caps(&caps, "endpointFactory").ok();
    match run(&boot, &spawner, factory.as_ref(), &say) {
        Ok(status) => status,
        Err(message) => {
            say(&message);
            1
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
/// cap ids in init's table.
type Endpoints = BTreeMap<(String, String), (u32, u32)>;

/// Makes one endpoint per export of every service.
fn make_endpoints(factory: Option<&EndpointFactory>, services: &[Service]) -> Result<Endpoints, String> {
    let mut endpoints = Endpoints::new();
    for service in services {
        for export in &service.exports {
            let factory = factory.ok_or("the manifest has exports but init holds no endpointFactory")?;
            let sides = factory
                .create(export.interface_id)
                .map_err(|e| format!("cannot make the endpoint {}.{}: {e}", service.name, export.name))?;
            endpoints.insert((service.name.clone(), export.name.clone()), sides);
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
                let (_, client) = endpoints
                    .get(&(from.clone(), export.clone()))
                    .ok_or_else(|| format!("service {}: no endpoint {from}.{export}", service.name))?;
                grants.push(Grant::cap(&decl.name, *client));
            }
        }
    }
    for export in &service.exports {
        if let Some((server, _)) = endpoints.get(&(service.name.clone(), export.name.clone())) {
            grants.push(Grant::cap(&export.name, *server));
        }
    }
    let args: Vec<&str> = service.args.iter().map(String::as_str).collect();
    let env: Vec<&str> = service.env.iter().map(String::as_str).collect();
    spawner
        .spawn_limited(&service.binary, &args, &env, &grants, service.memory_limit)
        .map_err(|e| format!("cannot start service {} ({}): {e}", service.name, service.binary))
}

/// After starting `service`: unless it may be restarted, init lets go of
/// the server sides of its exports, so its clients see `PeerDied` when it
/// ends (a service that is restarted keeps its endpoints, and its clients'
/// calls wait for the new instance).
fn release_server_sides(service: &Service, endpoints: &Endpoints) {
    if service.restart != RestartPolicy::Never {
        return;
    }
    for export in &service.exports {
        if let Some((server, _)) = endpoints.get(&(service.name.clone(), export.name.clone())) {
            let _ = capos::call::release(*server);
        }
    }
}

/// After every service has started: init lets go of the client side of
/// each export that no restartable service imports, so that once its
/// importers end, the server's RECV fails with `PeerDied` and it can stop.
fn release_client_sides(services: &[Service], endpoints: &Endpoints) {
    for ((from, export), (_, client)) in endpoints {
        let restartable_importer = services.iter().any(|s| {
            s.restart != RestartPolicy::Never
                && s.caps.iter().any(|d| {
                    matches!(&d.source, CapSource::Service { service, export: e } if service == from && e == export)
                })
        });
        if !restartable_importer {
            let _ = capos::call::release(*client);
        }
    }
}

fn run(
    boot: &BootPackage,
    spawner: &ProcessSpawner,
    factory: Option<&EndpointFactory>,
    say: &dyn Fn(&str),
) -> Result<i32, String> {
    // The config: the manifest without the contents of binaries and files.
    let bytes = boot.config().map_err(|e| format!("cannot read the boot manifest: {e}"))?;
    let manifest = manifest::decode_validated(&bytes).map_err(|e| format!("bad boot manifest: {e}"))?;
    drop(bytes);
    let order = manifest.start_order().map_err(|e| format!("bad boot manifest: {e}"))?;
    let endpoints = make_endpoints(factory, &manifest.services)?;
    let mut running: Vec<Running<'_>> = Vec::new();
    let mut failures = 0;
    let mut final_status = 0;
    for service in order {
        match start(spawner, service, &endpoints) {
            Ok((handle, pid)) => match handle.wait_async() {
                Ok(wait) => {
                    release_server_sides(service, &endpoints);
                    say(&format!("started {} (pid {pid})", service.name));
                    running.push(Running { service, handle, pid, restarts: 0, wait });
                }
                Err(e) => say(&format!("cannot wait for {}: {e}", service.name)),
            },
            Err(message) => {
                failures += 1;
                say(&message);
            }
        }
    }
    release_client_sides(&manifest.services, &endpoints);
    while !running.is_empty() {
        // Every service has a wait pending; handle whichever ends first.
        let waits: Vec<&capos::call::PendingCall> = running.iter().map(|r| &r.wait).collect();
        let ended = capos::call::wait_any(&waits).map_err(|e| format!("cannot wait: {e}"))?;
        let r = running.remove(ended);
        let reply = r.wait.wait().map_err(|e| format!("cannot wait for {}: {e}", r.service.name))?;
        let status = ProcessHandle::exit_status(reply).map_err(|e| format!("bad wait result: {e}"))?;
        say(&format!("{} (pid {}) {}", r.service.name, r.pid, status));
        if r.service.name == manifest.status_from {
            final_status = match status {
                ExitStatus::Exited(code) => code,
                ExitStatus::Faulted { .. } => 139,
                ExitStatus::Killed => 137,
            };
        }
        let _ = r.handle.release();
        let failed = status != ExitStatus::Exited(0);
        let again = match r.service.restart {
            RestartPolicy::Never => false,
            RestartPolicy::OnFailure => failed,
            RestartPolicy::Always => true,
        };
        if again && r.restarts < MAX_RESTARTS {
            match start(spawner, r.service, &endpoints).and_then(|(handle, pid)| {
                let wait = handle.wait_async().map_err(|e| format!("cannot wait: {e}"))?;
                Ok((handle, pid, wait))
            }) {
                Ok((handle, pid, wait)) => {
                    say(&format!("restarted {} (pid {pid})", r.service.name));
                    running.push(Running { service: r.service, handle, pid, restarts: r.restarts + 1, wait });
                }
                Err(message) => say(&message),
            }
        } else if again {
            say(&format!("{} restarted {MAX_RESTARTS} times; giving up", r.service.name));
        }
    }
    say(&format!("all services ended ({failures} could not start)"));
    Ok(final_status)
}
