//! `echo-service`: an `Echo` server written with the service layer. Plain
//! calls go to a one-method trait implementation (`text` is answered with
//! `text!`; `quit` stops it after answering; it also stops when its last
//! client is gone). Two texts show caps crossing
//! an endpoint: `give` answers with a copy of this service's console cap (a
//! fresh cap for the caller), and `take` accepts the caps the caller sent
//! (by move, the caller loses them) and says how many arrived.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::format;
use alloc::string::String;
use capos::call::Builder;
use capos::prelude::*;
use capos::schema::echo;
use capos::service::{EchoServer, EchoStub, Response, Service, serve};
use capos_config::ring::{TransferDescriptor, TransferMode};

capos::entry_point!(main);

/// The typed part: how many plain calls it answered.
struct Exclaim {
    answered: u32,
}

impl EchoServer for Exclaim {
    fn echo(&mut self, text: &str) -> Result<String, CapError> {
        self.answered += 1;
        Ok(format!("{text}!"))
    }

    fn stop_after(&mut self, text: &str) -> bool {
        text == "quit"
    }
}

/// The typed stub, plus the two cap-carrying texts.
struct WithCaps {
    typed: EchoStub<Exclaim>,
    console: u32,
}

fn text_reply(text: &str) -> Builder {
    let mut results = capos::call::new_message();
    results.init_root::<echo::echo_results::Builder<'_>>().set_text(text);
    results
}

impl Service for WithCaps {
    fn handle(&mut self, call: &Incoming) -> Result<Response, CapError> {
        let text = call
            .message
            .get_root::<echo::echo_params::Reader<'_>>()
            .ok()
            .and_then(|p| p.get_text().ok())
            .and_then(|t| t.to_str().ok())
            .unwrap_or_default();
        match text {
            "give" => {
                let mut response = Response::new(text_reply("here is a console"));
                response.caps.push(TransferDescriptor { cap: self.console, mode: TransferMode::Copy });
                Ok(response)
            }
            "take" => Ok(Response::new(text_reply(&format!("took {} caps", call.caps.len())))),
            _ => self.typed.handle(call),
        }
    }
}

fn main(caps: Caps) -> i32 {
    let console = match Console::from_caps(&caps, "console") {
        Ok(console) => console,
        Err(e) => return fail(e),
    };
    let endpoint = match Endpoint::from_caps(&caps, "endpoint") {
        Ok(endpoint) => endpoint,
        Err(e) => return fail(e),
    };
    let mut service = WithCaps { typed: EchoStub(Exclaim { answered: 0 }), console: console.id() };
    let result = serve(&endpoint, &mut service);
    let _ =
        console.line(&format!("echo-service: answered {} calls, then {result:?}", service.typed.0.answered));
    if result.is_ok() { 0 } else { 1 }
}
