//! Serving an endpoint: take calls with RECV, answer them with RETURN (see
//! `docs/ring-abi.md`). The server side of an endpoint comes from
//! `EndpointFactory.create`, usually through whoever spawned the server.
//!
//! ```ignore
//! let endpoint = Endpoint::from_caps(&caps, "endpoint")?;
//! loop {
//!     let call = endpoint.recv()?;
//!     // decode call.message as the method's params, build results …
//!     endpoint.reply(call.token, &results, &[])?;
//! }
//! ```

use alloc::vec::Vec;
use capos_abi::error::CapError;
use capos_config::ring::{MAX_CALL_CAPS, MAX_PARAMS_LEN, Opcode, Sqe, TransferDescriptor, sqe_flags};
use capos_schema::{endpoint_server, interface_id, method};

/// The method number of a release notice.
pub const RELEASED: u16 = method::endpoint_server::RELEASED;

use crate::call::{Builder, Completion, PendingCall, Reader, submit_sqe};
use crate::caps::Caps;
use crate::handle::{Borrowed, Cap, Handle};

/// A received call, or a release notice (`method` is [`RELEASED`]: the
/// last copy of the client minted with `badge` is gone; nothing to answer).
pub struct Incoming {
    /// Names the call in [`Endpoint::reply`].
    pub token: u64,
    /// The badge of the client side the call came through (0: the
    /// endpoint's original client side; see [`Endpoint::mint`]).
    pub badge: u32,
    /// The method number.
    pub method: u16,
    /// The params message.
    pub message: Reader,
    /// The caps the caller sent, now in this process's table (owned:
    /// released with the `Incoming` unless moved out).
    pub caps: Vec<Cap>,
}

/// The receiving side of an endpoint. It owns its cap like every client
/// (see [`crate::handle`]): dropping the last server side of an endpoint
/// fails its callers with `PeerDied`.
#[derive(Debug, PartialEq, Eq)]
pub struct Endpoint(Cap);

impl Handle for Endpoint {
    const INTERFACE_ID: u64 = interface_id::ENDPOINT_SERVER;

    fn from_id(id: u32) -> Self {
        Self(Cap::from_id(id))
    }

    fn id(&self) -> u32 {
        self.0.id()
    }

    fn into_id(self) -> u32 {
        self.0.into_id()
    }
}

impl Endpoint {
    /// A view of the bootstrap cap named `name`, checked to be an
    /// `EndpointServer` (never released; see [`Caps::take`] to own it).
    pub fn from_caps(
        caps: &Caps,
        name: &str,
    ) -> Result<Borrowed<'static, Self>, crate::caps::CapLookupError> {
        caps.get(name)
    }

    /// Takes ownership of cap id `id`.
    pub fn from_id(id: u32) -> Self {
        Self(Cap::from_id(id))
    }

    /// The cap id (ownership stays here).
    pub fn id(&self) -> u32 {
        self.0.id()
    }

    /// Gives ownership up without releasing.
    pub fn into_id(self) -> u32 {
        self.0.into_id()
    }

    /// A second owner of the same server side.
    pub fn try_clone(&self) -> Result<Self, CapError> {
        Handle::try_clone(self)
    }

    /// Releases the cap now and reports the error.
    pub fn release(self) -> Result<(), CapError> {
        self.0.release()
    }

    /// Starts a RECV; finish it with [`Self::finish_recv`].
    pub fn recv_async(&self) -> Result<PendingCall, CapError> {
        let sqe = Sqe { opcode: Opcode::Recv as u8, cap: self.0.id(), ..Sqe::default() };
        submit_sqe(sqe, Vec::new(), &[], MAX_PARAMS_LEN, MAX_CALL_CAPS)
    }

    /// Decodes a finished RECV.
    pub fn finish_recv(pending: PendingCall) -> Result<Incoming, CapError> {
        Ok(Self::incoming(pending.wait()?))
    }

    /// A received call, from its RECV's completion.
    fn incoming(reply: crate::call::Reply) -> Incoming {
        Incoming {
            token: reply.aux,
            badge: (reply.aux >> 32) as u32,
            method: reply.tag as u16,
            message: reply.message,
            caps: reply.caps.into_iter().map(Cap::from_id).collect(),
        }
    }

    /// Makes another client side of this endpoint, implementing
    /// `interface_id` (0: the endpoint's own) and carrying `badge` (not 0);
    /// returns it owned (send it on, usually by move with `into_id`).
    pub fn mint(&self, interface_id: u64, badge: u32) -> Result<Cap, CapError> {
        let mut request = crate::call::Request::new(
            self.0.id(),
            interface_id::ENDPOINT_SERVER,
            method::endpoint_server::MINT,
        );
        {
            let mut p = request.params.init_root::<endpoint_server::mint_params::Builder<'_>>();
            p.set_interface_id(interface_id);
            p.set_badge(badge);
        }
        request.caps_in_max = 1;
        let reply = crate::call::call(request)?;
        let results = reply
            .message
            .get_root::<endpoint_server::mint_results::Reader<'_>>()
            .map_err(|_| CapError::MalformedParams)?;
        crate::client::returned_cap(&reply, results.get_client())
    }

    /// Waits for the next call.
    pub fn recv(&self) -> Result<Incoming, CapError> {
        Self::finish_recv(self.recv_async()?)
    }

    /// Answers call `token` with `results` and the caps `caps` sends.
    /// `Cancelled` if the caller has died; `InvalidArgument` if this
    /// process holds no call `token`.
    pub fn reply(&self, token: u64, results: &Builder, caps: &[TransferDescriptor]) -> Result<(), CapError> {
        let params = capnp::serialize::write_message_to_words(results);
        let sqe =
            Sqe { opcode: Opcode::Return as u8, cap: self.0.id(), interface_id: token, ..Sqe::default() };
        submit_sqe(sqe, params, caps, 0, 0)?.wait_raw().map(|_| ())
    }

    /// Answers call `token` with `results` and the caps `caps` sends, and
    /// waits for the next call: the RETURN and the RECV go to the kernel
    /// in one `cap_enter` (a server loop's fast path: one system call per
    /// call served, where [`Self::reply`] then [`Self::recv`] make two).
    /// The first result is the answer's, as [`Self::reply`]'s; the second
    /// the next call, as [`Self::recv`]'s.
    pub fn reply_and_recv(
        &self,
        token: u64,
        results: &Builder,
        caps: &[TransferDescriptor],
    ) -> (Result<(), CapError>, Result<Incoming, CapError>) {
        let (answered, received) = self.reply_and_recv_raw(token, results, caps);
        (answered, received.and_then(Completion::into_reply).map(Self::incoming))
    }

    /// [`Self::reply_and_recv`] with the next call as its raw completion
    /// (for a server that looks at the method before decoding anything).
    pub fn reply_and_recv_raw(
        &self,
        token: u64,
        results: &Builder,
        caps: &[TransferDescriptor],
    ) -> (Result<(), CapError>, Result<Completion, CapError>) {
        let params = capnp::serialize::write_message_to_words(results);
        let sqe =
            Sqe { opcode: Opcode::Return as u8, cap: self.0.id(), interface_id: token, ..Sqe::default() };
        let answer = match submit_sqe(sqe, params, caps, 0, 0) {
            Ok(answer) => answer,
            Err(e) => return (Err(e), self.recv_async().and_then(PendingCall::wait_raw)),
        };
        let next = match self.recv_async() {
            Ok(next) => next,
            Err(e) => return (answer.wait_raw().map(|_| ()), Err(e)),
        };
        // On an error both calls are dropped: their buffers are kept until
        // their completions arrive (`PendingCall`'s drop).
        match crate::ring::wait_for_pair(answer.user_data(), next.user_data()) {
            Ok((answered, received)) => (answer.finish_raw(answered).map(|_| ()), next.finish_raw(received)),
            Err(e) => (Err(e), Err(e)),
        }
    }

    /// Answers call `token` with the error `error`.
    pub fn reply_error(&self, token: u64, error: CapError) -> Result<(), CapError> {
        let sqe = Sqe {
            opcode: Opcode::Return as u8,
            flags: sqe_flags::RETURN_ERROR,
            method: error.code(),
            cap: self.0.id(),
            interface_id: token,
            ..Sqe::default()
        };
        submit_sqe(sqe, Vec::new(), &[], 0, 0)?.wait_raw().map(|_| ())
    }
}
