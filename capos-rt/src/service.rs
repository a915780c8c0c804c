//! Writing a server without a hand-rolled message loop.
//!
//! [`serve`] receives calls on an endpoint, hands each to a [`Service`],
//! and answers with what it returns: results and caps, or a typed error.
//! A typed stub turns that into plain Rust methods for one interface: for
//! `Echo`, implement [`EchoServer`] and serve [`EchoStub`]:
//!
//! ```ignore
//! struct Upper;
//! impl EchoServer for Upper {
//!     fn echo(&mut self, text: &str) -> Result<String, CapError> { Ok(text.to_uppercase()) }
//! }
//! serve(&endpoint, &mut EchoStub(Upper))?;
//! ```
//!
//! A stub for another interface follows the same pattern: match the
//! method number, decode the method's params with the generated reader,
//! call the trait method, build the results with the generated builder.

use alloc::string::String;
use alloc::vec::Vec;
use capos_abi::error::CapError;
use capos_config::ring::TransferDescriptor;
use capos_schema::{echo, method};

use crate::call::Builder;
use crate::server::{Endpoint, Incoming};

/// What a service answers one call with.
pub struct Response {
    /// The results message.
    pub results: Builder,
    /// Caps returned with it (copied or moved from this process).
    pub caps: Vec<TransferDescriptor>,
    /// Whether to stop serving after this answer.
    pub stop: bool,
}

impl Response {
    /// A response with these results, no caps, serving on.
    pub fn new(results: Builder) -> Self {
        Self { results, caps: Vec::new(), stop: false }
    }
}

/// Something that answers calls of one interface.
pub trait Service {
    /// Answers one call (`Err` is sent to the caller as a typed error).
    fn handle(&mut self, call: &Incoming) -> Result<Response, CapError>;

    /// The last copy of the client minted with `badge` is gone (see
    /// `Endpoint::mint`); nothing is answered. Default: ignore.
    fn released(&mut self, _badge: u32) {}
}

/// Serves calls from `endpoint` until the service asks to stop or every
/// client side of the endpoint is gone (RECV fails with `PeerDied` once the
/// queue is drained; both give `Ok`), or receiving fails otherwise (then
/// that error). A caller that died before its answer is skipped.
pub fn serve(endpoint: &Endpoint, service: &mut impl Service) -> Result<(), CapError> {
    // The next call, when it came with the last answer (`reply_and_recv`:
    // one system call per call served).
    let mut next = None;
    loop {
        let call = match next.take().unwrap_or_else(|| endpoint.recv()) {
            Ok(call) => call,
            Err(CapError::PeerDied) => return Ok(()),
            Err(e) => return Err(e),
        };
        if call.method == crate::server::RELEASED {
            service.released(call.badge);
            continue;
        }
        let (outcome, stop) = match service.handle(&call) {
            Ok(response) if !response.stop => {
                let (answered, got) = endpoint.reply_and_recv(call.token, &response.results, &response.caps);
                next = Some(got);
                (answered, false)
            }
            Ok(response) => (endpoint.reply(call.token, &response.results, &response.caps), true),
            Err(e) => (endpoint.reply_error(call.token, e), false),
        };
        match outcome {
            Ok(()) | Err(CapError::Cancelled) => {}
            Err(e) => return Err(e),
        }
        if stop {
            return Ok(());
        }
    }
}

/// The methods of `Echo`, for a server to implement.
pub trait EchoServer {
    /// `echo(text) -> text`.
    fn echo(&mut self, text: &str) -> Result<String, CapError>;
    /// Whether to stop serving after answering `text` (default: never).
    fn stop_after(&mut self, _text: &str) -> bool {
        false
    }
}

/// Serves an [`EchoServer`] as a [`Service`]: decodes params, encodes
/// results, rejects unknown methods with `UnknownMethod`.
pub struct EchoStub<T>(pub T);

impl<T: EchoServer> Service for EchoStub<T> {
    fn handle(&mut self, call: &Incoming) -> Result<Response, CapError> {
        match call.method {
            method::echo::ECHO => {
                let params = call
                    .message
                    .get_root::<echo::echo_params::Reader<'_>>()
                    .map_err(|_| CapError::MalformedParams)?;
                let text = params.get_text().map_err(|_| CapError::MalformedParams)?;
                let text = text.to_str().map_err(|_| CapError::MalformedParams)?;
                let answer = self.0.echo(text)?;
                let mut results = crate::call::new_message();
                results.init_root::<echo::echo_results::Builder<'_>>().set_text(answer.as_str());
                let mut response = Response::new(results);
                response.stop = self.0.stop_after(text);
                Ok(response)
            }
            _ => Err(CapError::UnknownMethod),
        }
    }
}
