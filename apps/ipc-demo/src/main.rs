//! `ipc-demo`: the endpoint IPC tour.
//!
//! 1. makes an `Echo` endpoint, starts `ipc-server` on its server side and
//!    `ipc-client` on its client side, and waits for the client;
//! 2. kills a server that holds its call: the caller gets `PeerDied`;
//! 3. kills a client whose call a server holds: the server's RETURN gets
//!    `Cancelled`;
//! 4. ends the first server with `quit`;
//! 5. calls `echo-service`, a server written with `capos::service`.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::format;
use capos::prelude::*;
use capos::schema::{echo, interface_id, method};
use capos_config::ring::{TransferDescriptor, TransferMode};

capos::entry_point!(main);

const MS: u64 = 1_000_000;

fn main(caps: Caps) -> i32 {
    let console = match Console::from_caps(&caps, "console") {
        Ok(console) => console,
        Err(e) => return fail(e),
    };
    match run(&caps, &console) {
        Ok(()) => 0,
        Err(e) => fail(e),
    }
}

/// Starts `binary` with a console and one endpoint side named `name`; this
/// process's copy of that side is released when `side` is dropped here.
fn start(
    spawner: &ProcessSpawner,
    console: &Console,
    binary: &str,
    args: &[&str],
    name: &str,
    side: Endpoint,
) -> Result<ProcessHandle, CapError> {
    let grants = [Grant::cap("console", console.id()), Grant::cap(name, side.id())];
    let (handle, _) = spawner.spawn(binary, args, &[], &grants)?;
    Ok(handle)
}

/// Sends `echo(text)` with `caps` and room for one returned cap; returns
/// the answer and the returned cap ids.
fn echo_with_caps(
    echo: &Echo,
    text: &str,
    caps: &[TransferDescriptor],
) -> Result<(alloc::string::String, alloc::vec::Vec<u32>), CapError> {
    let mut request = capos::call::Request::new(echo.id(), interface_id::ECHO, method::echo::ECHO);
    request.params.init_root::<echo::echo_params::Builder<'_>>().set_text(text);
    request.caps = caps;
    request.caps_in_max = 1;
    let reply = capos::call::call(request)?;
    let results =
        reply.message.get_root::<echo::echo_results::Reader<'_>>().map_err(|_| CapError::MalformedParams)?;
    let answer = results.get_text().ok().and_then(|t| t.to_str().ok()).unwrap_or_default();
    Ok((alloc::string::String::from(answer), reply.caps))
}

/// Caps across an endpoint: the server hands us a fresh console cap, we
/// use it, then pass it back by move and lose it.
fn transfer(echo: &Echo, console: &Console) -> Result<(), CapError> {
    let (answer, received) = echo_with_caps(echo, "give", &[])?;
    let &[fresh] = received.as_slice() else { return Err(CapError::MalformedParams) };
    let fresh = Console::from_id(fresh);
    fresh.line("ipc-demo: (printed through the console cap the server handed over)")?;
    console.line(&format!(
        "ipc-demo: give -> {answer:?}, got cap {:#x}, a new id (ours is {:#x})",
        fresh.id(),
        console.id()
    ))?;
    // Sent by move: ownership leaves this process with the call.
    let fresh = fresh.into_id();
    let moved = [TransferDescriptor { cap: fresh, mode: TransferMode::Move }];
    let (answer, _) = echo_with_caps(echo, "take", &moved)?;
    let after = Borrowed::<Console>::from_id(fresh).write("unreachable");
    console.line(&format!("ipc-demo: take (by move) -> {answer:?}; using the moved cap now: {after:?}"))
}

fn run(caps: &Caps, console: &Console) -> Result<(), capos::Error> {
    let spawner = ProcessSpawner::from_caps(caps, "processSpawner")?;
    let factory = EndpointFactory::from_caps(caps, "endpointFactory")?;
    let timer = Timer::from_caps(caps, "timer")?;

    // 1. A server and a client.
    let (server, client) = factory.create(interface_id::ECHO)?;
    let client_copy: Echo = client.into_typed();
    let server1 = start(&spawner, console, "ipc-server", &[], "endpoint", server)?;
    let (client1, _) = spawner.spawn(
        "ipc-client",
        &[],
        &[],
        &[Grant::cap("console", console.id()), Grant::cap("echo", client_copy.id())],
    )?;
    console.line(&format!("ipc-demo: ipc-client {}", client1.wait()?))?;

    // 1b. Calls answered out of order: a server that answers the second
    // call before the first.
    let (server, client) = factory.create(interface_id::ECHO)?;
    let reverse = start(&spawner, console, "ipc-server", &["reverse"], "endpoint", server)?;
    let echo: Echo = client.into_typed();
    // Each answer must reach the call it answers, whatever the order.
    let (first, second) = (echo.echo_async("first")?, echo.echo_async("second")?);
    let (a, b) = (Echo::finish(first)?, Echo::finish(second)?);
    console.line(&format!("ipc-demo: answered out of order: first call got {a:?}, second call got {b:?}"))?;
    echo.echo("quit")?;
    reverse.wait()?;

    // 2. A server killed while it holds a call.
    let (server, client) = factory.create(interface_id::ECHO)?;
    let server2 = start(&spawner, console, "ipc-server", &["hold"], "endpoint", server)?;
    let client: Echo = client.into_typed();
    let pending = client.echo_async("anyone there?")?;
    timer.sleep(50 * MS)?;
    server2.kill()?;
    console.line(&format!("ipc-demo: call to a server killed mid-call: {:?}", Echo::finish(pending)))?;
    console.line(&format!("ipc-demo: a later call to it: {:?}", client.echo("hello?")))?;

    // 3. A client killed while a server holds its call.
    let (server, client) = factory.create(interface_id::ECHO)?;
    let server3 = start(&spawner, console, "ipc-server", &["hold"], "endpoint", server)?;
    let (client3, _) = spawner.spawn(
        "ipc-client",
        &["hang"],
        &[],
        &[Grant::cap("console", console.id()), Grant::cap("echo", client.id())],
    )?;
    let client: Echo = client.into_typed();
    timer.sleep(50 * MS)?;
    client3.kill()?;
    console.line(&format!("ipc-demo: client killed mid-call {}", client3.wait()?))?;
    console.line(&format!("ipc-demo: the server then says: {:?}", client.echo("report")))?;
    client.echo("quit")?;
    console.line(&format!("ipc-demo: hold server {}", server3.wait()?))?;

    // 4. Done with the first server.
    console.line(&format!("ipc-demo: quit -> {:?}", client_copy.echo("quit")))?;
    console.line(&format!("ipc-demo: ipc-server {}", server1.wait()?))?;
    let _ = server2.wait();

    // 5. A server written with the service layer (capos::service).
    let (server, client) = factory.create(interface_id::ECHO)?;
    let typed = start(&spawner, console, "echo-service", &[], "endpoint", server)?;
    let echo: Echo = client.into_typed();
    console.line(&format!("ipc-demo: typed service: {:?}", echo.echo("typed")))?;
    transfer(&echo, console)?;
    console.line(&format!("ipc-demo: typed service: {:?}", echo.echo("quit")))?;
    console.line(&format!("ipc-demo: echo-service {}", typed.wait()?))?;
    Ok(console.line("ipc-demo: done")?)
}
