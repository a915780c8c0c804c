//! Endpoints: kernel-queued channels through which one process serves calls
//! of an interface to others.
//!
//! `EndpointFactory.create(interfaceId)` makes an [`EndpointCore`] and its
//! two sides: an [`EndpointClient`] (a cap implementing `interfaceId`; a
//! CALL on it is queued) and an [`EndpointServer`] (used with the RECV and
//! RETURN ring operations, handled in `ring.rs`).
//!
//! - A CALL waits in the endpoint's queue (at most [`QUEUE_DEPTH`] calls,
//!   then `WouldBlock`; release notices do not count) until a RECV takes
//!   it; a process has at most
//!   [`MAX_CALLS_IN_FLIGHT`] endpoint calls unanswered (then
//!   `QuotaExceeded`).
//! - RECV hands the server the params, the caps sent with the call
//!   (installed in its table), a token and the method number; if a call is
//!   already queued it completes at once, else when one arrives.
//! - RETURN with the token answers that call (results and caps, or an
//!   error); calls may be answered in any order; only the process that
//!   received a call may answer it.
//! - When the last `EndpointServer` goes (released, or its holders died),
//!   every queued and unanswered call, and every later one, completes with
//!   `PeerDied`. A client that dies leaves its call behind; the server's
//!   RETURN for it completes with `Cancelled`.
//! - A call may not carry a cap that keeps a server side alive (a server,
//!   or a revocable forwarding to one): `NotTransferable`. Queued with the
//!   call, it could hold the last reference to its own endpoint's server,
//!   and the endpoint with everything queued on it would never be freed.
//! - When the last `EndpointClient` goes, the calls already queued are
//!   still delivered; after them, every waiting and later RECV completes
//!   with `PeerDied` (like end-of-file on a pipe), so a server learns that
//!   nobody can call it any more.
//!
//! - `EndpointServer.mint(interfaceId, badge)` makes more client sides,
//!   each with its own interface id and a non-zero badge; a call through
//!   one reaches the server with the badge in the high 32 bits of its
//!   token. When the last reference to a minted client goes, the server
//!   receives a release notice (method [`RELEASED`], no params, nothing to
//!   answer) so it can free whatever the badge named.
//!
//! Kernel memory is charged to the process that causes it
//! (`mem::kmem_quota`): a call's params and queue entry to its caller
//! until the server receives it, then the pending call until it is
//! answered; an endpoint to the process that created it; a minted client,
//! with the room for its release notice, to the process that minted it.
//! Past the quota, or with the heap full, the call fails with
//! `OutOfMemory` and nothing is queued.
//!
//! A call handed to a waiting server makes the server's thread run next
//! (direct handoff), so a round trip does not wait behind other ready
//! threads.

use alloc::collections::VecDeque;
use alloc::sync::Arc;
use alloc::vec::Vec;
use capos_abi::error::CapError;
use capos_lib::endpoint_queue;
use capos_schema::{endpoint_factory, endpoint_server, interface_id, method};
use core::mem::size_of;
use spin::Mutex;

use crate::mem::kmem_quota::{self, Charge, HEAP_OVERHEAD};

use super::{
    Call, CapObject, CapRef, MessageBytes, Outcome, PendingCall, Reply, malformed, read_params, reply_with,
};

/// Most calls waiting in one endpoint's queue.
pub const QUEUE_DEPTH: usize = 32;
/// Most endpoint calls one process may have unanswered.
pub const MAX_CALLS_IN_FLIGHT: u32 = 64;

/// Kernel memory of a queued call besides its params: the queue entry,
/// and the pending call kept while it is served (its place in the
/// in-service list).
const CALL_COST: usize = size_of::<Incoming>() + IN_SERVICE_COST + 2 * HEAP_OVERHEAD;
/// Kernel memory of a call received and not yet answered.
const IN_SERVICE_COST: usize = size_of::<(u64, InService)>() + 2 * HEAP_OVERHEAD;
/// Kernel memory of a release notice (its entry and its empty message).
const NOTICE_COST: usize = size_of::<Incoming>() + 16 + 2 * HEAP_OVERHEAD;
/// Kernel memory of a minted client, its release notice included.
const CLIENT_COST: usize = ARC_COUNTS + size_of::<EndpointClient>() + HEAP_OVERHEAD + NOTICE_COST;
/// Kernel memory of an endpoint and its first two sides.
const ENDPOINT_COST: usize = 3 * (ARC_COUNTS + HEAP_OVERHEAD)
    + size_of::<EndpointCore>()
    + size_of::<EndpointServer>()
    + size_of::<EndpointClient>();
/// The reference counts in front of an `Arc`'s value.
const ARC_COUNTS: usize = 2 * size_of::<usize>();

/// The method number of a release notice.
pub const RELEASED: u16 = method::endpoint_server::RELEASED;

/// A call waiting to be received, or a release notice (no client).
struct Incoming {
    client: Option<PendingCall>,
    badge: u32,
    method: u16,
    /// Inline when small: a call queued or handed over takes no heap for
    /// its params then.
    params: MessageBytes,
    caps: Vec<CapRef>,
    /// Its kernel memory, charged to the caller (for a notice, to the
    /// process that minted the client).
    charge: Option<Charge>,
}

/// A server's RECV waiting for a call.
struct Receiving {
    server: PendingCall,
    server_pid: u64,
}

/// A call received and not yet answered.
struct InService {
    client: PendingCall,
    server_pid: u64,
    /// What is left of the call's charge.
    _charge: Option<Charge>,
}

/// What [`EndpointCore::pair`] decided (`capos_lib::endpoint_queue`):
/// calls to hand to receivers (with their tokens), receivers whose buffers
/// are too small (with the size or cap count needed), and calls whose
/// client died while they waited, dropped after the lock, since the caps
/// they carry may hold the last reference to a client of this very
/// endpoint, whose drop takes the lock.
type Pairing = endpoint_queue::Pairing<Incoming, Receiving>;

impl endpoint_queue::Queued for Incoming {
    fn caller_live(&self) -> bool {
        self.client.as_ref().is_none_or(|c| c.live_caller().is_some())
    }
    fn message_len(&self) -> usize {
        self.params.len()
    }
    fn caps(&self) -> usize {
        self.caps.len()
    }
    fn badge(&self) -> u32 {
        self.badge
    }
}

impl endpoint_queue::Receiver for Receiving {
    fn live(&self) -> bool {
        self.server.live_caller().is_some()
    }
    fn max_len(&self) -> usize {
        self.server.result_len as usize
    }
    fn max_caps(&self) -> usize {
        usize::from(self.server.caps_in_max)
    }
}

struct State {
    queue: VecDeque<Incoming>,
    receivers: VecDeque<Receiving>,
    /// Calls received and not yet answered, by token. A list, not a map:
    /// it keeps its capacity, so a round trip allocates nothing once the
    /// endpoint has served as many calls at once before (a map allocates
    /// and frees a node whenever it goes from empty to one call).
    in_service: Vec<(u64, InService)>,
    next_token: u32,
    server_gone: bool,
    clients_gone: bool,
    /// Live client-side objects (the original and minted ones).
    clients: usize,
}

/// The shared state of one endpoint.
pub struct EndpointCore {
    interface_id: u64,
    state: Mutex<State>,
    /// Charged to the process that created the endpoint.
    _charge: Option<Charge>,
}

/// The calling side of an endpoint: implements the endpoint's interface
/// (or, when minted, the interface it was minted with) and carries a badge
/// (0 for the original client side).
pub struct EndpointClient {
    core: Arc<EndpointCore>,
    interface_id: u64,
    badge: u32,
    /// A minted client's memory and the room for its release notice,
    /// charged to the process that minted it.
    charge: Option<Charge>,
    /// Open-file status flags (`CapObject::status_flags`): a file
    /// service's `File` is a minted client per open.
    flags: core::sync::atomic::AtomicU32,
}

/// The receiving side of an endpoint.
pub struct EndpointServer(Arc<EndpointCore>);

/// The endpoint factory capability.
pub struct EndpointFactory;

/// Ends an endpoint call for its client: releases the in-flight slot and
/// delivers the result.
fn finish_client(client: PendingCall, result: Result<Reply, CapError>) {
    if let Some(process) = client.process.upgrade() {
        let mut inner = process.inner.lock();
        inner.endpoint_calls = inner.endpoint_calls.saturating_sub(1);
    }
    client.complete(result);
}

impl EndpointCore {
    /// Matches waiting receivers with queued calls; returns the pairs to
    /// deliver (after the lock is dropped), with their tokens. A call too
    /// big for the receiver's buffers fails that RECV with `ResultTooSmall`
    /// and stays queued.
    fn pair(state: &mut State) -> Pairing {
        let State { queue, receivers, next_token, in_service, .. } = state;
        endpoint_queue::pair(queue, receivers, next_token, |token| {
            in_service.iter().any(|(t, _)| *t == token)
        })
    }

    /// Delivers paired calls to their servers, outside the endpoint lock.
    fn deliver(self: &Arc<Self>, pairing: Pairing) {
        drop(pairing.dead);
        for (receiver, needed) in pairing.too_small {
            receiver.server.complete_with_aux(Err(CapError::ResultTooSmall), needed);
        }
        for (receiver, call, token) in pairing.deliveries {
            let Some(server_process) = receiver.server.live_caller() else {
                if let Some(client) = call.client {
                    finish_client(client, Err(CapError::PeerDied));
                }
                continue;
            };
            if let Some(client) = call.client {
                let mut charge = call.charge;
                if let Some(charge) = charge.as_mut() {
                    charge.shrink_to(IN_SERVICE_COST);
                }
                let kept = {
                    let mut state = self.state.lock();
                    let room = state.in_service.try_reserve(1).is_ok();
                    if room {
                        state.in_service.push((
                            token,
                            InService { client, server_pid: receiver.server_pid, _charge: charge },
                        ));
                        None
                    } else {
                        Some(client)
                    }
                };
                if let Some(client) = kept {
                    receiver.server.complete(Err(CapError::OutOfMemory));
                    finish_client(client, Err(CapError::OutOfMemory));
                    continue;
                }
            }
            let reply = Reply {
                message: call.params,
                caps: call.caps,
                aux: token,
                tag: u32::from(call.method),
                undo: None,
            };
            let delivered = super::ring::deliver(&server_process, &receiver.server, Ok(reply));
            if let Some(thread) = server_process.first_thread() {
                crate::sched::handoff(&thread);
            }
            if let Err(e) = delivered {
                // Taken out first: the lock guard of an `if let`'s
                // scrutinee would live on through its body, and finishing
                // the client takes the client's process lock and completes
                // its call.
                let entry = self.state.lock().take_in_service(token);
                if let Some(entry) = entry {
                    finish_client(entry.client, Err(e));
                }
            }
        }
    }

    /// A RECV from process `server_pid`: completes at once if a call is
    /// queued, else when one arrives; with `PeerDied` if none can arrive
    /// (every client side is gone and the queue is empty).
    pub fn recv(self: &Arc<Self>, server: PendingCall, server_pid: u64) {
        let pairing = {
            let mut state = self.state.lock();
            if state.clients_gone && state.queue.is_empty() {
                drop(state);
                server.complete(Err(CapError::PeerDied));
                return;
            }
            if state.receivers.try_reserve(1).is_err() {
                drop(state);
                server.complete(Err(CapError::OutOfMemory));
                return;
            }
            state.receivers.push_back(Receiving { server, server_pid });
            let pairing = Self::pair(&mut state);
            // The last queued call is taken and no client is left: nothing
            // more can come for the receivers still waiting.
            let stranded = if state.clients_gone && state.queue.is_empty() {
                core::mem::take(&mut state.receivers)
            } else {
                VecDeque::new()
            };
            (pairing, stranded)
        };
        let (pairing, stranded) = pairing;
        self.deliver(pairing);
        for receiver in stranded {
            receiver.server.complete(Err(CapError::PeerDied));
        }
    }

    /// A RETURN from process `server_pid` for `token`: the client's pending
    /// call, or `InvalidArgument` if that process holds no such call.
    pub fn take_call(&self, token: u64, server_pid: u64) -> Result<PendingCall, CapError> {
        let mut state = self.state.lock();
        match state.in_service.iter().find(|(t, _)| *t == token) {
            Some((_, entry)) if entry.server_pid == server_pid => {}
            _ => return Err(CapError::InvalidArgument),
        }
        state.take_in_service(token).map(|entry| entry.client).ok_or(CapError::InvalidArgument)
    }
}

impl State {
    /// Takes the call in service under `token` out of the list. The list
    /// keeps its capacity, unless it is empty after a burst of more than
    /// [`QUEUE_DEPTH`] calls: then it is freed (shrinking would allocate).
    fn take_in_service(&mut self, token: u64) -> Option<InService> {
        let at = self.in_service.iter().position(|(t, _)| *t == token)?;
        let (_, entry) = self.in_service.swap_remove(at);
        if self.in_service.is_empty() && self.in_service.capacity() > QUEUE_DEPTH {
            self.in_service = Vec::new();
        }
        Some(entry)
    }
}

/// Answers a received call: the client's result (or error) is delivered;
/// `Cancelled` if the client has died.
pub fn answer(client: PendingCall, result: Result<Reply, CapError>) -> Result<(), CapError> {
    let Some(process) = client.live_caller() else {
        return Err(CapError::Cancelled);
    };
    finish_client(client, result);
    if let Some(thread) = process.first_thread() {
        crate::sched::handoff(&thread);
    }
    Ok(())
}

impl CapObject for EndpointClient {
    fn interface_id(&self) -> u64 {
        self.interface_id
    }

    fn status_flags(&self) -> Option<&core::sync::atomic::AtomicU32> {
        Some(&self.flags)
    }

    fn call(&self, call: Call<'_>) -> Outcome {
        let Some(process) = call.pending.process.upgrade() else {
            return Outcome::Error(CapError::Cancelled);
        };
        if call.caps.iter().any(|cap| cap.holds_server()) {
            return Outcome::Error(CapError::NotTransferable);
        }
        let charge = match kmem_quota::charge(&process.kmem, CALL_COST.saturating_add(call.params.len())) {
            Ok(charge) => charge,
            Err(e) => return Outcome::Error(e),
        };
        let params = match MessageBytes::copy_of(call.params) {
            Ok(params) => params,
            Err(e) => return Outcome::Error(e),
        };
        let pairing = {
            let mut state = self.core.state.lock();
            if state.server_gone {
                return Outcome::Error(CapError::PeerDied);
            }
            // Release notices do not count: a client that closes many
            // files in a row must not make the next call fail.
            if state.queue.iter().filter(|i| i.client.is_some()).count() >= QUEUE_DEPTH {
                return Outcome::Error(CapError::WouldBlock);
            }
            {
                let mut inner = process.inner.lock();
                if inner.endpoint_calls >= MAX_CALLS_IN_FLIGHT {
                    return Outcome::Error(CapError::QuotaExceeded);
                }
                inner.endpoint_calls += 1;
            }
            if state.queue.try_reserve(1).is_err() {
                process.inner.lock().endpoint_calls -= 1;
                return Outcome::Error(CapError::OutOfMemory);
            }
            state.queue.push_back(Incoming {
                client: Some(call.pending),
                badge: self.badge,
                method: call.method,
                params,
                caps: call.caps,
                charge: Some(charge),
            });
            EndpointCore::pair(&mut state)
        };
        self.core.deliver(pairing);
        Outcome::Pending
    }
}

impl Drop for EndpointClient {
    /// A minted client is gone: its release notice is queued for the
    /// server. The last client side is gone: once the queue is drained,
    /// servers waiting in RECV (and later RECVs) get `PeerDied`.
    fn drop(&mut self) {
        let (pairing, receivers) = {
            let mut state = self.core.state.lock();
            state.clients = state.clients.saturating_sub(1);
            // A notice that cannot be queued (no memory) is dropped: the
            // server then keeps the badge's state until it ends.
            if self.badge != 0 && !state.server_gone && state.queue.try_reserve(1).is_ok() {
                state.queue.push_back(Incoming {
                    client: None,
                    badge: self.badge,
                    method: RELEASED,
                    // An empty struct, as a call without params reads.
                    params: MessageBytes::copy_of(&capos_config::wire::EMPTY_STRUCT).unwrap_or_default(),
                    caps: Vec::new(),
                    charge: self.charge.take().map(|mut charge| {
                        charge.shrink_to(NOTICE_COST);
                        charge
                    }),
                });
            }
            let pairing = EndpointCore::pair(&mut state);
            if state.clients == 0 {
                state.clients_gone = true;
            }
            let receivers = if state.clients_gone && state.queue.is_empty() {
                core::mem::take(&mut state.receivers)
            } else {
                VecDeque::new()
            };
            (pairing, receivers)
        };
        self.core.deliver(pairing);
        for receiver in receivers {
            receiver.server.complete(Err(CapError::PeerDied));
        }
    }
}

impl CapObject for EndpointServer {
    fn interface_id(&self) -> u64 {
        interface_id::ENDPOINT_SERVER
    }

    fn holds_server(&self) -> bool {
        true
    }

    fn call(&self, call: Call<'_>) -> Outcome {
        if call.method != method::endpoint_server::MINT {
            return Outcome::Error(CapError::UnknownMethod);
        }
        let result = (|| {
            let message = read_params(call.params)?;
            let params = message.get_root::<endpoint_server::mint_params::Reader<'_>>().map_err(malformed)?;
            let badge = params.get_badge();
            if badge == 0 {
                return Err(CapError::InvalidArgument);
            }
            let iface = match params.get_interface_id() {
                0 => self.0.interface_id,
                id => id,
            };
            let minter = call.pending.process.upgrade().ok_or(CapError::Cancelled)?;
            let charge = kmem_quota::charge(&minter.kmem, CLIENT_COST)?;
            let mut reply = reply_with(|m| {
                m.init_root::<endpoint_server::mint_results::Builder<'_>>().set_client(0);
                Ok(())
            })?;
            reply.caps.try_reserve_exact(1).map_err(|_| CapError::OutOfMemory)?;
            let client = Arc::try_new(EndpointClient {
                core: self.0.clone(),
                interface_id: iface,
                badge,
                charge: Some(charge),
                flags: Default::default(),
            })
            .map_err(|_| CapError::OutOfMemory)?;
            self.0.state.lock().clients += 1;
            reply.caps.push(client);
            Ok(reply)
        })();
        result.into()
    }
}

impl EndpointServer {
    /// The endpoint this side serves.
    pub fn core(&self) -> &Arc<EndpointCore> {
        &self.0
    }
}

impl Drop for EndpointServer {
    /// The last server side is gone: every waiting and unanswered call, and
    /// every later one, fails with `PeerDied`.
    fn drop(&mut self) {
        let (queued, in_service, receivers) = {
            let mut state = self.0.state.lock();
            state.server_gone = true;
            (
                core::mem::take(&mut state.queue),
                core::mem::take(&mut state.in_service),
                core::mem::take(&mut state.receivers),
            )
        };
        drop(receivers);
        for client in queued.into_iter().filter_map(|call| call.client) {
            finish_client(client, Err(CapError::PeerDied));
        }
        for (_, entry) in in_service {
            finish_client(entry.client, Err(CapError::PeerDied));
        }
    }
}

impl CapObject for EndpointFactory {
    fn kernel_kind(&self) -> Option<capos_schema::KernelCap> {
        Some(capos_schema::KernelCap::EndpointFactory)
    }

    fn interface_id(&self) -> u64 {
        interface_id::ENDPOINT_FACTORY
    }

    fn call(&self, call: Call<'_>) -> Outcome {
        if call.method != method::endpoint_factory::CREATE {
            return Outcome::Error(CapError::UnknownMethod);
        }
        let result = (|| {
            let message = read_params(call.params)?;
            let params =
                message.get_root::<endpoint_factory::create_params::Reader<'_>>().map_err(malformed)?;
            let iface = params.get_interface_id();
            if iface == 0 {
                return Err(CapError::InvalidArgument);
            }
            let creator = call.pending.process.upgrade().ok_or(CapError::Cancelled)?;
            let charge = kmem_quota::charge(&creator.kmem, ENDPOINT_COST)?;
            let core = Arc::try_new(EndpointCore {
                interface_id: iface,
                state: Mutex::new(State {
                    queue: VecDeque::new(),
                    receivers: VecDeque::new(),
                    in_service: Vec::new(),
                    next_token: 1,
                    server_gone: false,
                    clients_gone: false,
                    clients: 1,
                }),
                _charge: Some(charge),
            })
            .map_err(|_| CapError::OutOfMemory)?;
            let mut reply = reply_with(|m| {
                let mut r = m.init_root::<endpoint_factory::create_results::Builder<'_>>();
                r.set_server(0);
                r.set_client(1);
                Ok(())
            })?;
            reply.caps.try_reserve_exact(2).map_err(|_| CapError::OutOfMemory)?;
            let server = Arc::try_new(EndpointServer(core.clone())).map_err(|_| CapError::OutOfMemory)?;
            let client = Arc::try_new(EndpointClient {
                core,
                interface_id: iface,
                badge: 0,
                charge: None,
                flags: Default::default(),
            })
            .map_err(|_| CapError::OutOfMemory)?;
            reply.caps.push(server);
            reply.caps.push(client);
            Ok(reply)
        })();
        result.into()
    }
}
