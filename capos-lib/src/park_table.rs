//! The table of parked calls behind the kernel's ParkSpace (PARK/UNPARK,
//! `kernel/src/cap/park.rs`), as pure logic: waiters per (process, word)
//! in arrival order, their deadlines in a min-heap, and no allocation that
//! can fail by panicking.
//!
//! - [`ParkTable::park`] reserves every place it needs before it changes
//!   anything; when the memory is missing it hands the waiter back.
//! - [`ParkTable::wake`] takes the oldest waiter of a word, in O(1).
//! - [`ParkTable::expire`] takes the waiter whose deadline passed first, in
//!   O(log n): the kernel's tick calls it a bounded number of times, so a
//!   flood of timeouts is spread over ticks instead of scanning every
//!   waiter per expiry (the table it replaces did, with interrupts off).
//! - A waiter that leaves before its deadline (woken, or its process
//!   ended) leaves its heap entry behind; those entries are dropped when
//!   they reach the top, and the heap is compacted when they outnumber
//!   the live ones, so it never holds more than about twice the waiters.
//!
//! The map's hasher is keyed (SipHash with keys the kernel draws from its
//! entropy source), so no process can pick word addresses that collide.

use alloc::collections::{BinaryHeap, VecDeque};
use core::cmp::Reverse;
use core::hash::BuildHasher;
use hashbrown::HashMap;

/// Where a waiter waits: (process id, word address).
pub type Key = (u64, u64);

/// A keyed SipHash for the table's map.
#[derive(Clone, Copy, Debug)]
pub struct Keyed {
    k0: u64,
    k1: u64,
}

impl BuildHasher for Keyed {
    #[allow(deprecated)] // `core` has no other keyed hasher.
    type Hasher = core::hash::SipHasher;

    #[allow(deprecated)]
    fn build_hasher(&self) -> Self::Hasher {
        core::hash::SipHasher::new_with_keys(self.k0, self.k1)
    }
}

struct Waiter<T> {
    seq: u64,
    timed: bool,
    item: T,
}

/// Stale heap entries tolerated before a compaction is considered.
const STALE_SLACK: usize = 64;

/// Parked waiters of type `T` (the kernel's pending calls).
pub struct ParkTable<T> {
    queues: HashMap<Key, VecDeque<Waiter<T>>, Keyed>,
    /// (deadline, seq, key) of every timed waiter, and stale entries.
    deadlines: BinaryHeap<Reverse<(u64, u64, Key)>>,
    /// Heap entries whose waiter has left.
    stale: usize,
    next_seq: u64,
    len: usize,
}

impl<T> ParkTable<T> {
    /// An empty table whose map hashes with SipHash keys `keys`.
    pub fn new(keys: (u64, u64)) -> Self {
        Self {
            queues: HashMap::with_hasher(Keyed { k0: keys.0, k1: keys.1 }),
            deadlines: BinaryHeap::new(),
            stale: 0,
            next_seq: 0,
            len: 0,
        }
    }

    /// Waiters parked.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no waiter is parked.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Waiters parked on `key`.
    pub fn waiting(&self, key: Key) -> usize {
        self.queues.get(&key).map_or(0, VecDeque::len)
    }

    /// Entries in the deadline heap, stale ones included.
    pub fn heap_len(&self) -> usize {
        self.deadlines.len()
    }

    /// Parks `item` on `key`, last in its queue, until woken or (with a
    /// deadline) until [`expire`](Self::expire) passes `deadline`. When
    /// the memory for it is missing, nothing changes and `item` comes
    /// back.
    pub fn park(&mut self, key: Key, deadline: Option<u64>, item: T) -> Result<(), T> {
        if deadline.is_some() && self.deadlines.try_reserve(1).is_err() {
            return Err(item);
        }
        if !self.queues.contains_key(&key) && self.queues.try_reserve(1).is_err() {
            return Err(item);
        }
        let queue = self.queues.entry(key).or_default();
        if queue.try_reserve(1).is_err() {
            if queue.is_empty() {
                self.queues.remove(&key);
            }
            return Err(item);
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        queue.push_back(Waiter { seq, timed: deadline.is_some(), item });
        if let Some(deadline) = deadline {
            // Room was reserved above.
            self.deadlines.push(Reverse((deadline, seq, key)));
        }
        self.len += 1;
        Ok(())
    }

    /// Takes the oldest waiter on `key`.
    pub fn wake(&mut self, key: Key) -> Option<T> {
        let queue = self.queues.get_mut(&key)?;
        let waiter = queue.pop_front();
        if queue.is_empty() {
            self.queues.remove(&key);
        }
        let waiter = waiter?;
        self.left(1, usize::from(waiter.timed));
        Some(waiter.item)
    }

    /// The earliest deadline still to come or passed, if any waiter has
    /// one (stale heap entries may make it early: `expire` then finds
    /// nothing).
    pub fn next_deadline(&self) -> Option<u64> {
        self.deadlines.peek().map(|Reverse((deadline, _, _))| *deadline)
    }

    /// Takes a waiter whose deadline is at or before `now`, earliest
    /// first.
    pub fn expire(&mut self, now: u64) -> Option<T> {
        loop {
            let &Reverse((deadline, seq, key)) = self.deadlines.peek()?;
            if deadline > now {
                return None;
            }
            self.deadlines.pop();
            let Some(queue) = self.queues.get_mut(&key) else {
                self.stale = self.stale.saturating_sub(1);
                continue;
            };
            let Some(at) = queue.iter().position(|w| w.seq == seq) else {
                self.stale = self.stale.saturating_sub(1);
                continue;
            };
            let waiter = queue.remove(at);
            if queue.is_empty() {
                self.queues.remove(&key);
            }
            if let Some(waiter) = waiter {
                self.len -= 1;
                return Some(waiter.item);
            }
        }
    }

    /// Takes every waiter of process `pid` out (it ended), calling `drop`
    /// on each; returns how many.
    pub fn forget(&mut self, pid: u64, mut drop: impl FnMut(T)) -> usize {
        let (mut gone, mut timed) = (0, 0);
        self.queues.retain(|&(p, _), queue| {
            if p != pid {
                return true;
            }
            for waiter in queue.drain(..) {
                gone += 1;
                timed += usize::from(waiter.timed);
                drop(waiter.item);
            }
            false
        });
        self.left(gone, timed);
        gone
    }

    /// Bookkeeping after `gone` waiters left other than by expiring,
    /// `timed` of them with a heap entry now stale.
    fn left(&mut self, gone: usize, timed: usize) {
        self.len -= gone;
        self.stale += timed;
        if self.stale > STALE_SLACK && self.stale > self.deadlines.len() / 2 {
            let queues = &self.queues;
            self.deadlines.retain(|Reverse((_, seq, key))| {
                queues.get(key).is_some_and(|q| q.iter().any(|w| w.seq == *seq))
            });
            self.stale = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    fn table() -> ParkTable<u32> {
        ParkTable::new((1, 2))
    }

    #[test]
    fn wakes_in_arrival_order_per_word() {
        let mut t = table();
        t.park((1, 8), None, 10).unwrap();
        t.park((1, 8), None, 11).unwrap();
        t.park((1, 12), None, 20).unwrap();
        t.park((2, 8), None, 30).unwrap();
        assert_eq!(t.len(), 4);
        assert_eq!(t.wake((1, 8)), Some(10));
        assert_eq!(t.wake((1, 8)), Some(11));
        assert_eq!(t.wake((1, 8)), None);
        assert_eq!(t.waiting((1, 12)), 1);
        assert_eq!(t.wake((2, 8)), Some(30));
        assert_eq!(t.len(), 1);
    }

    #[test]
    fn expires_earliest_first_and_only_when_due() {
        let mut t = table();
        t.park((1, 8), Some(300), 3).unwrap();
        t.park((1, 8), Some(100), 1).unwrap();
        t.park((1, 16), Some(200), 2).unwrap();
        t.park((1, 24), None, 9).unwrap();
        assert_eq!(t.next_deadline(), Some(100));
        assert_eq!(t.expire(99), None);
        assert_eq!(t.expire(250), Some(1));
        assert_eq!(t.expire(250), Some(2));
        assert_eq!(t.expire(250), None);
        assert_eq!(t.expire(u64::MAX), Some(3));
        assert_eq!(t.expire(u64::MAX), None);
        assert_eq!(t.len(), 1);
        assert_eq!(t.wake((1, 24)), Some(9));
        assert!(t.is_empty());
    }

    #[test]
    fn a_woken_waiter_does_not_expire_later() {
        let mut t = table();
        t.park((1, 8), Some(100), 1).unwrap();
        t.park((1, 8), Some(50), 2).unwrap();
        assert_eq!(t.wake((1, 8)), Some(1));
        assert_eq!(t.expire(1000), Some(2));
        assert_eq!(t.expire(1000), None);
        assert!(t.is_empty());
        assert_eq!(t.heap_len(), 0);
    }

    #[test]
    fn forget_takes_one_process_only() {
        let mut t = table();
        for i in 0..10 {
            t.park((1, 8 * (i % 3)), Some(i), i as u32).unwrap();
            t.park((2, 8), Some(i), 100 + i as u32).unwrap();
        }
        let mut dropped = Vec::new();
        assert_eq!(t.forget(1, |item| dropped.push(item)), 10);
        dropped.sort_unstable();
        assert_eq!(dropped, (0..10).collect::<Vec<_>>());
        assert_eq!(t.len(), 10);
        let mut expired = Vec::new();
        while let Some(item) = t.expire(u64::MAX) {
            expired.push(item);
        }
        assert_eq!(expired, (100..110).collect::<Vec<_>>());
        assert!(t.is_empty());
    }

    #[test]
    fn the_heap_stays_within_twice_the_waiters() {
        let mut t = table();
        // Park and wake timed waiters far in the future, over and over:
        // every wake leaves a stale heap entry behind.
        let rounds = if cfg!(miri) { 400 } else { 10_000u64 };
        for round in 0..rounds {
            t.park((round % 7, 8), Some(u64::MAX - round), 0).unwrap();
            if round % 10 != 0 {
                assert_eq!(t.wake((round % 7, 8)), Some(0));
            }
            assert!(t.heap_len() <= 2 * t.len() + STALE_SLACK + 1, "heap {} for {}", t.heap_len(), t.len());
        }
        assert_eq!(t.len() as u64, rounds / 10);
        let mut n = 0;
        while t.expire(u64::MAX).is_some() {
            n += 1;
        }
        assert_eq!(n, rounds / 10);
        assert_eq!(t.heap_len(), 0);
    }

    #[test]
    fn keys_make_the_hash() {
        let a = Keyed { k0: 1, k1: 2 }.hash_one((1u64, 8u64));
        let b = Keyed { k0: 3, k1: 4 }.hash_one((1u64, 8u64));
        assert_ne!(a, b);
    }
}
