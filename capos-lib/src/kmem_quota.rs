//! Kernel-memory accounting: each process has an [`Account`] with a limit
//! in bytes, and every piece of kernel memory it causes (a queued message,
//! a pending call, a thread's kernel stack, its cap slots) is a [`Charge`]
//! against it, given back when the charge is dropped (the memory was
//! freed).
//!
//! An account is shared (`Arc`) between the process and every charge, so a
//! charge outlives neither its account nor needs a lock: the count is one
//! atomic, updated by compare-and-swap, so a charge can be taken or given
//! back under any kernel lock. A charge that would pass the limit fails
//! and changes nothing.

use alloc::sync::Arc;
use core::sync::atomic::{AtomicUsize, Ordering};

/// A charge would pass the account's limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exceeded {
    /// Bytes asked for.
    pub asked: usize,
    /// Bytes the account had left.
    pub left: usize,
}

impl From<Exceeded> for capos_abi::error::CapError {
    fn from(_: Exceeded) -> Self {
        Self::OutOfMemory
    }
}

/// One process's kernel memory: a limit and the bytes charged so far.
#[derive(Debug)]
pub struct Account {
    limit: usize,
    used: AtomicUsize,
}

impl Account {
    /// An account with nothing charged.
    pub const fn new(limit: usize) -> Self {
        Self { limit, used: AtomicUsize::new(0) }
    }

    /// An account whose first `fixed` bytes are charged for its whole life
    /// (what the process holds from its start to its end, such as the
    /// room of its cap table); `fixed` may exceed `limit`, which leaves
    /// nothing to charge.
    pub const fn with_fixed(limit: usize, fixed: usize) -> Self {
        Self { limit, used: AtomicUsize::new(fixed) }
    }

    /// The limit in bytes.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// Bytes charged now.
    pub fn used(&self) -> usize {
        self.used.load(Ordering::Relaxed)
    }

    /// Bytes that can still be charged.
    pub fn left(&self) -> usize {
        self.limit.saturating_sub(self.used())
    }

    /// Adds `bytes` to the count if it stays within the limit.
    fn add(&self, bytes: usize) -> Result<(), Exceeded> {
        self.used
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |used| {
                used.checked_add(bytes).filter(|total| *total <= self.limit)
            })
            .map(|_| ())
            .map_err(|used| Exceeded { asked: bytes, left: self.limit.saturating_sub(used) })
    }

    /// Takes `bytes` off the count (never below zero: a release larger
    /// than what is charged is a bookkeeping bug, not a reason to wrap).
    fn sub(&self, bytes: usize) {
        let _ = self
            .used
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |used| Some(used.saturating_sub(bytes)));
    }
}

/// Bytes charged to an account, given back when dropped.
#[derive(Debug)]
#[must_use = "dropping a charge gives its bytes back at once"]
pub struct Charge {
    account: Arc<Account>,
    bytes: usize,
}

impl Charge {
    /// Charges `bytes` to `account`, or [`Exceeded`] (nothing charged).
    pub fn take(account: &Arc<Account>, bytes: usize) -> Result<Self, Exceeded> {
        account.add(bytes)?;
        Ok(Self { account: account.clone(), bytes })
    }

    /// Bytes this charge holds.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// The account charged.
    pub fn account(&self) -> &Arc<Account> {
        &self.account
    }

    /// Gives back all but `bytes` (no effect if it holds no more than that):
    /// what is left of a queued call once its message has been handed on.
    pub fn shrink_to(&mut self, bytes: usize) {
        if bytes < self.bytes {
            self.account.sub(self.bytes - bytes);
            self.bytes = bytes;
        }
    }

    /// Grows the charge to `bytes`, or [`Exceeded`] (unchanged).
    pub fn grow_to(&mut self, bytes: usize) -> Result<(), Exceeded> {
        if bytes > self.bytes {
            self.account.add(bytes - self.bytes)?;
            self.bytes = bytes;
        }
        Ok(())
    }

    /// Splits `bytes` off into a charge of its own (to the same account),
    /// or `None` if this one holds fewer.
    pub fn split(&mut self, bytes: usize) -> Option<Self> {
        let rest = self.bytes.checked_sub(bytes)?;
        self.bytes = rest;
        Some(Self { account: self.account.clone(), bytes })
    }
}

impl Drop for Charge {
    fn drop(&mut self) {
        self.account.sub(self.bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(limit: usize) -> Arc<Account> {
        Arc::new(Account::new(limit))
    }

    #[test]
    fn charges_add_up_and_come_back_when_dropped() {
        let a = account(100);
        let c1 = Charge::take(&a, 30).unwrap();
        let c2 = Charge::take(&a, 70).unwrap();
        assert_eq!(a.used(), 100);
        assert_eq!(a.left(), 0);
        drop(c1);
        assert_eq!(a.used(), 70);
        drop(c2);
        assert_eq!(a.used(), 0);
    }

    #[test]
    fn a_charge_past_the_limit_fails_and_changes_nothing() {
        let a = account(100);
        let _c = Charge::take(&a, 60).unwrap();
        assert_eq!(Charge::take(&a, 41).unwrap_err(), Exceeded { asked: 41, left: 40 });
        assert_eq!(a.used(), 60);
        let _d = Charge::take(&a, 40).unwrap();
        assert_eq!(a.used(), 100);
        assert!(Charge::take(&a, 1).is_err());
        // Zero bytes always fit.
        let _z = Charge::take(&a, 0).unwrap();
    }

    #[test]
    fn a_fixed_part_stays_charged() {
        let a = Arc::new(Account::with_fixed(100, 40));
        assert_eq!(a.used(), 40);
        assert!(Charge::take(&a, 61).is_err());
        drop(Charge::take(&a, 60).unwrap());
        assert_eq!(a.used(), 40);
        let full = Arc::new(Account::with_fixed(10, 20));
        assert_eq!(full.left(), 0);
        assert!(Charge::take(&full, 1).is_err());
    }

    #[test]
    fn huge_charges_do_not_wrap() {
        let a = account(usize::MAX);
        let _c = Charge::take(&a, usize::MAX - 1).unwrap();
        assert!(Charge::take(&a, 2).is_err());
        assert_eq!(a.used(), usize::MAX - 1);
    }

    #[test]
    fn shrink_grow_and_split_keep_the_count_right() {
        let a = account(1000);
        let mut c = Charge::take(&a, 600).unwrap();
        c.shrink_to(100);
        assert_eq!((c.bytes(), a.used()), (100, 100));
        c.shrink_to(500);
        assert_eq!((c.bytes(), a.used()), (100, 100), "shrink_to never grows");
        c.grow_to(900).unwrap();
        assert_eq!(a.used(), 900);
        assert!(c.grow_to(1001).is_err());
        assert_eq!((c.bytes(), a.used()), (900, 900));
        let part = c.split(300).unwrap();
        assert_eq!((c.bytes(), part.bytes(), a.used()), (600, 300, 900));
        assert!(c.split(601).is_none());
        drop(part);
        assert_eq!(a.used(), 600);
        drop(c);
        assert_eq!(a.used(), 0);
    }

    #[test]
    fn charges_outlive_the_owner_of_the_account() {
        let a = account(10);
        let c = Charge::take(&a, 10).unwrap();
        let weak = Arc::downgrade(&a);
        drop(a);
        assert_eq!(c.account().used(), 10);
        drop(c);
        assert!(weak.upgrade().is_none(), "the last charge frees the account");
    }

    #[test]
    fn many_charges_from_threads_never_pass_the_limit() {
        let a = account(1000);
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let a = a.clone();
                std::thread::spawn(move || {
                    let mut kept = Vec::new();
                    for _ in 0..if cfg!(miri) { 50 } else { 5000 } {
                        if let Ok(c) = Charge::take(&a, 7) {
                            assert!(a.used() <= 1000);
                            kept.push(c);
                        }
                        if kept.len() > 20 {
                            kept.clear();
                        }
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(a.used(), 0);
    }
}
