//! `ipc-server`: serves `Echo` on the endpoint it was given as `endpoint`
//! (the reply is the text in upper case; `quit` ends it).
//!
//! With the argument `reverse` it receives two calls and answers the
//! second before the first (calls may be answered in any order), then
//! serves normally.
//!
//! With the argument `hold` it keeps the first call it receives
//! unanswered; when a second call arrives it answers the first (reporting
//! what the kernel said — `Cancelled` if that caller died meanwhile) and
//! tells the second caller about it, then serves normally.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::format;
use alloc::string::String;
use capos::prelude::*;
use capos::schema::{echo, method};

capos::entry_point!(main);

fn text_of(call: &Incoming) -> Result<String, CapError> {
    let params =
        call.message.get_root::<echo::echo_params::Reader<'_>>().map_err(|_| CapError::MalformedParams)?;
    let text = params.get_text().map_err(|_| CapError::MalformedParams)?;
    Ok(String::from(text.to_str().map_err(|_| CapError::MalformedParams)?))
}

fn answer(endpoint: &Endpoint, token: u64, text: &str) -> Result<(), CapError> {
    let mut results = capos::call::new_message();
    results.init_root::<echo::echo_results::Builder<'_>>().set_text(text);
    endpoint.reply(token, &results, &[])
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
    let hold = caps.args().nth(1) == Some("hold");
    if caps.args().nth(1) == Some("reverse") {
        let calls = (endpoint.recv(), endpoint.recv());
        let (Ok(first), Ok(second)) = calls else {
            let _ = console.line("ipc-server: recv failed");
            return 1;
        };
        for call in [&second, &first] {
            let text = text_of(call).unwrap_or_default();
            let _ = answer(&endpoint, call.token, &text.to_uppercase());
        }
        let _ = console.line("ipc-server: answered the second call before the first");
    }
    if !hold {
        let bogus = endpoint.reply_error(0xdead_beef, CapError::Unsupported);
        let _ = console.line(&format!("ipc-server: RETURN to a call it does not hold: {bogus:?}"));
    }
    let mut held: Option<u64> = None;
    let mut held_once = false;
    // The next call, when it came with the last answer.
    let mut next = None;
    loop {
        let call = match next.take().unwrap_or_else(|| endpoint.recv()) {
            Ok(call) => call,
            Err(e) => {
                let _ = console.line(&format!("ipc-server: recv failed: {e}"));
                return 1;
            }
        };
        if call.method != method::echo::ECHO {
            let _ = endpoint.reply_error(call.token, CapError::UnknownMethod);
            continue;
        }
        let Ok(text) = text_of(&call) else {
            let _ = endpoint.reply_error(call.token, CapError::MalformedParams);
            continue;
        };
        if hold && !held_once {
            held = Some(call.token);
            held_once = true;
            let _ = console.line("ipc-server: holding a call unanswered");
            continue;
        }
        if let Some(first) = held.take() {
            let outcome = answer(&endpoint, first, "late answer");
            let _ = answer(&endpoint, call.token, &format!("first call answered: {outcome:?}"));
            continue;
        }
        if text == "quit" {
            if let Err(e) = answer(&endpoint, call.token, "bye") {
                let _ = console.line(&format!("ipc-server: reply failed: {e}"));
            }
            return 0;
        }
        // The answer and the RECV of the next call in one system call.
        let mut results = capos::call::new_message();
        results.init_root::<echo::echo_results::Builder<'_>>().set_text(text.to_uppercase().as_str());
        let (answered, got) = endpoint.reply_and_recv(call.token, &results, &[]);
        if let Err(e) = answered {
            let _ = console.line(&format!("ipc-server: reply failed: {e}"));
        }
        next = Some(got);
    }
}
