//! The pure part of an endpoint's queueing: which waiting receiver gets
//! which queued call, and the token that names a call while it is served.
//! The kernel's `cap/endpoint.rs` keeps the queues and the calls in
//! service under the endpoint's lock and delivers what [`pair`] decides
//! after the lock is released.
//!
//! Rules, in queue order:
//! - a receiver whose process has ended is dropped (it can receive nothing);
//! - a call whose caller has died is handed back in [`Pairing::dead`] (to
//!   be dropped outside the lock); release notices have no caller and are
//!   never dead;
//! - a call larger than the receiver's buffer, or with more caps than it
//!   has room for, fails that receiver (`too_small`, with the size or cap
//!   count needed) and stays first in the queue;
//! - otherwise the first receiver gets the first call, with a fresh token.
//!
//! Every result list is reserved before a pairing is recorded: when the
//! memory for that is missing, pairing stops and what is left waits for
//! the next call or receiver, changing nothing else. A list keeps its
//! first item inline ([`List`]), so the usual pairing (one call, one
//! receiver) allocates nothing.

use alloc::collections::VecDeque;

pub use crate::inline_list::List;

/// A queued call (or release notice), as pairing sees it.
pub trait Queued {
    /// False once the caller has died (always true for a release notice).
    fn caller_live(&self) -> bool;
    /// Bytes of its message.
    fn message_len(&self) -> usize;
    /// Caps it carries.
    fn caps(&self) -> usize;
    /// The badge of the client it came through.
    fn badge(&self) -> u32;
}

/// A waiting receiver, as pairing sees it.
pub trait Receiver {
    /// False once the receiving process has ended.
    fn live(&self) -> bool;
    /// Its buffer's size in bytes.
    fn max_len(&self) -> usize;
    /// Room for caps.
    fn max_caps(&self) -> usize;
}

/// What [`pair`] decided.
pub struct Pairing<C, R> {
    /// Receivers with their calls and tokens.
    pub deliveries: List<(R, C, u64)>,
    /// Receivers whose buffers are too small, with the size or cap count
    /// the first call needs.
    pub too_small: List<(R, u64)>,
    /// Calls whose callers died while they waited.
    pub dead: List<C>,
}

impl<C, R> Default for Pairing<C, R> {
    fn default() -> Self {
        Self { deliveries: List::default(), too_small: List::default(), dead: List::default() }
    }
}

/// A token for a call through `badge`: the badge in the high 32 bits and a
/// sequence number (never 0) for which `in_use` is false in the low ones.
/// `next` is the endpoint's sequence counter.
pub fn next_token(next: &mut u32, badge: u32, in_use: impl Fn(u64) -> bool) -> u64 {
    loop {
        let seq = *next;
        *next = next.wrapping_add(1).max(1);
        let token = (u64::from(badge) << 32) | u64::from(seq);
        if !in_use(token) {
            return token;
        }
    }
}

/// Matches waiting receivers with queued calls (see the module
/// documentation); `in_use` tells the tokens of calls being served.
pub fn pair<C: Queued, R: Receiver>(
    queue: &mut VecDeque<C>,
    receivers: &mut VecDeque<R>,
    next: &mut u32,
    in_use: impl Fn(u64) -> bool,
) -> Pairing<C, R> {
    let mut out = Pairing::default();
    while !queue.is_empty() {
        if out.deliveries.try_reserve_one().is_err() || out.too_small.try_reserve_one().is_err() {
            break;
        }
        let Some(receiver) = receivers.pop_front() else { break };
        if !receiver.live() {
            continue;
        }
        let Some(call) = queue.pop_front() else { break };
        if !call.caller_live() {
            receivers.push_front(receiver);
            if out.dead.try_reserve_one().is_err() {
                queue.push_front(call);
                break;
            }
            out.dead.push(call);
            continue;
        }
        if call.message_len() > receiver.max_len() {
            out.too_small.push((receiver, call.message_len() as u64));
            queue.push_front(call);
            continue;
        }
        if call.caps() > receiver.max_caps() {
            out.too_small.push((receiver, call.caps() as u64));
            queue.push_front(call);
            continue;
        }
        let token = next_token(next, call.badge(), &in_use);
        out.deliveries.push((receiver, call, token));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::collections::BTreeSet;

    #[derive(Debug, Clone, PartialEq)]
    struct Call {
        id: u32,
        live: bool,
        len: usize,
        caps: usize,
        badge: u32,
    }

    impl Queued for Call {
        fn caller_live(&self) -> bool {
            self.live
        }
        fn message_len(&self) -> usize {
            self.len
        }
        fn caps(&self) -> usize {
            self.caps
        }
        fn badge(&self) -> u32 {
            self.badge
        }
    }

    #[derive(Debug, Clone, PartialEq)]
    struct Recv {
        id: u32,
        live: bool,
        max_len: usize,
        max_caps: usize,
    }

    impl Receiver for Recv {
        fn live(&self) -> bool {
            self.live
        }
        fn max_len(&self) -> usize {
            self.max_len
        }
        fn max_caps(&self) -> usize {
            self.max_caps
        }
    }

    fn call(id: u32) -> Call {
        Call { id, live: true, len: 8, caps: 0, badge: 0 }
    }

    fn recv(id: u32) -> Recv {
        Recv { id, live: true, max_len: 64, max_caps: 4 }
    }

    fn ids<C, R>(p: &Pairing<C, R>, f: impl Fn(&R, &C) -> (u32, u32)) -> Vec<(u32, u32)> {
        p.deliveries.iter().map(|(r, c, _)| f(r, c)).collect()
    }

    #[test]
    fn receivers_get_calls_in_order_and_the_rest_waits() {
        let mut q: VecDeque<Call> = (1..=3).map(call).collect();
        let mut r: VecDeque<Recv> = (10..=11).map(recv).collect();
        let mut next = 1;
        let p = pair(&mut q, &mut r, &mut next, |_| false);
        assert_eq!(ids(&p, |r, c| (r.id, c.id)), [(10, 1), (11, 2)]);
        assert_eq!(q.iter().map(|c| c.id).collect::<Vec<_>>(), [3]);
        assert!(r.is_empty() && p.too_small.is_empty() && p.dead.is_empty());
        let tokens: Vec<u64> = p.deliveries.iter().map(|d| d.2).collect();
        assert_eq!(tokens, [1, 2]);
    }

    #[test]
    fn receivers_wait_when_nothing_is_queued() {
        let mut q: VecDeque<Call> = VecDeque::new();
        let mut r: VecDeque<Recv> = (1..=2).map(recv).collect();
        let p = pair(&mut q, &mut r, &mut 1, |_| false);
        assert!(p.deliveries.is_empty());
        assert_eq!(r.len(), 2);
    }

    #[test]
    fn dead_receivers_are_dropped_and_dead_calls_handed_back() {
        let mut q: VecDeque<Call> = [Call { live: false, ..call(1) }, call(2)].into();
        let mut r: VecDeque<Recv> = [Recv { live: false, ..recv(10) }, recv(11)].into();
        let p = pair(&mut q, &mut r, &mut 1, |_| false);
        assert_eq!(p.dead.iter().map(|c| c.id).collect::<Vec<_>>(), [1]);
        assert_eq!(ids(&p, |r, c| (r.id, c.id)), [(11, 2)]);
        assert!(q.is_empty() && r.is_empty());
    }

    #[test]
    fn too_small_receivers_fail_and_the_call_stays_first() {
        let big = Call { len: 100, ..call(1) };
        let many = Call { caps: 5, ..call(2) };
        let mut q: VecDeque<Call> = [big, many].into();
        let mut r: VecDeque<Recv> = [recv(10), Recv { max_len: 100, ..recv(11) }, recv(12)].into();
        let p = pair(&mut q, &mut r, &mut 1, |_| false);
        assert_eq!(p.too_small.iter().map(|(r, n)| (r.id, *n)).collect::<Vec<_>>(), [(10, 100), (12, 5)]);
        assert_eq!(ids(&p, |r, c| (r.id, c.id)), [(11, 1)]);
        assert_eq!(q.iter().map(|c| c.id).collect::<Vec<_>>(), [2]);
        assert!(r.is_empty());
    }

    #[test]
    fn tokens_carry_the_badge_skip_zero_and_those_in_use() {
        let mut next = u32::MAX;
        let in_use = |t: u64| t == (7u64 << 32 | 1);
        assert_eq!(next_token(&mut next, 7, in_use), 7u64 << 32 | u64::from(u32::MAX));
        // Wraps past 0 to 1, which is in use, so 2.
        assert_eq!(next_token(&mut next, 7, in_use), 7u64 << 32 | 2);
        assert_eq!(next, 3);
    }

    /// A random model: calls and receivers arrive in any order, some die;
    /// every call is delivered at most once, in queue order, with a token
    /// unique among those in service, and nothing is lost.
    #[test]
    #[cfg_attr(miri, ignore = "long randomized model; the unit tests above cover the paths under Miri")]
    fn random_arrivals_lose_and_duplicate_nothing() {
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        let mut rand = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let (mut q, mut r) = (VecDeque::new(), VecDeque::new());
        let mut next = 1;
        let mut in_service = BTreeSet::new();
        let (mut made, mut seen) = (0u32, BTreeSet::new());
        let mut last_delivered = 0;
        for _ in 0..20_000 {
            match rand() % 4 {
                0 | 1 => {
                    made += 1;
                    q.push_back(Call {
                        id: made,
                        live: rand() % 10 != 0,
                        len: (rand() % 80) as usize,
                        caps: 0,
                        badge: (rand() % 3) as u32,
                    });
                }
                2 => r.push_back(Recv { id: 0, live: rand() % 10 != 0, max_len: 64, max_caps: 1 }),
                _ => {
                    if let Some(t) = in_service.iter().next().copied() {
                        in_service.remove(&t);
                    }
                }
            }
            let p = pair(&mut q, &mut r, &mut next, |t| in_service.contains(&t));
            for (_, c, token) in p.deliveries {
                assert!(c.live && c.len <= 64);
                assert!(c.id > last_delivered, "delivered out of order");
                last_delivered = c.id;
                assert!(seen.insert(c.id), "call {} delivered twice", c.id);
                assert!(in_service.insert(token), "token {token:#x} given twice");
                assert_eq!((token >> 32) as u32, c.badge);
            }
            for c in p.dead {
                assert!(!c.live);
                assert!(seen.insert(c.id));
            }
            for (_, need) in p.too_small {
                assert!(need > 64);
            }
            // A call too big for every receiver blocks the queue: drop it
            // as a server giving up would, keeping the model moving.
            if let Some(c) = q.pop_front_if(|c: &mut Call| c.len > 64) {
                assert!(seen.insert(c.id));
            }
        }
        let waiting: BTreeSet<u32> = q.iter().map(|c| c.id).collect();
        assert_eq!(seen.len() + waiting.len(), made as usize, "calls lost");
    }
}
