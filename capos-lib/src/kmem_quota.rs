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
//!
//! Accounts form a tree: a child's account is [`carved`](Account::carve)
//! out of its parent's (its whole limit is charged to the parent while it
//! exists). When the last process using it has ended
//! ([`leave`](Account::leave)) the account is closed: its limit shrinks to
//! what is still charged (memory an ended process left queued elsewhere)
//! and the rest goes back to the parent at once; that remainder goes back
//! when the account is dropped, with its last charge. The root's limit is
//! all there is, so the limits of all accounts together, and so every
//! charge, never pass it. A chain of accounts, however long, is dropped
//! without recursion.

use alloc::sync::Arc;
use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

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

/// One process's kernel memory (shared by the processes it forked): a
/// limit and the bytes charged so far.
#[derive(Debug)]
pub struct Account {
    /// The limit, which is also what this account holds of its parent's.
    limit: AtomicUsize,
    used: AtomicUsize,
    /// Processes using it (see [`join`](Self::join)).
    users: AtomicUsize,
    /// Set once its last user has left: no new charge is taken.
    closed: AtomicBool,
    /// The account this one's limit is carved from (`None` for a root).
    carved_from: Option<Arc<Account>>,
}

impl Account {
    /// A root account (carved from nothing) with nothing charged.
    pub const fn new(limit: usize) -> Self {
        Self {
            limit: AtomicUsize::new(limit),
            used: AtomicUsize::new(0),
            users: AtomicUsize::new(0),
            closed: AtomicBool::new(false),
            carved_from: None,
        }
    }

    /// A child account of `limit` bytes carved out of `from` (charged to it
    /// until the child is closed and dropped), or [`Exceeded`] if `from`
    /// has fewer left (nothing carved).
    pub fn carve(from: &Arc<Account>, limit: usize) -> Result<Self, Exceeded> {
        from.add(limit)?;
        let mut account = Self::new(limit);
        account.carved_from = Some(from.clone());
        Ok(account)
    }

    /// One more process uses this account.
    pub fn join(&self) {
        self.users.fetch_add(1, Ordering::AcqRel);
    }

    /// A process that [`join`](Self::join)ed has ended; the last one closes
    /// the account: its limit shrinks to what is still charged, and the
    /// rest goes back to the account it was carved from. Nothing can be
    /// charged to it after that.
    pub fn leave(&self) {
        // A leave without a join (a bookkeeping bug) changes nothing.
        let before = self.users.fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1));
        if before == Ok(1) {
            self.closed.store(true, Ordering::Release);
            let used = self.used();
            let old = self.limit.fetch_min(used, Ordering::AcqRel);
            if let Some(from) = &self.carved_from {
                from.sub(old.saturating_sub(used));
            }
        }
    }

    /// What a child gets by default out of an account with `left` bytes
    /// left: `default`, or half of what is left if that is less.
    pub fn default_carve(left: usize, default: usize) -> usize {
        default.min(left / 2)
    }

    /// The limit in bytes.
    pub fn limit(&self) -> usize {
        self.limit.load(Ordering::Acquire)
    }

    /// Bytes charged now.
    pub fn used(&self) -> usize {
        self.used.load(Ordering::Relaxed)
    }

    /// Bytes that can still be charged.
    pub fn left(&self) -> usize {
        self.limit().saturating_sub(self.used())
    }

    /// Adds `bytes` to the count if it stays within the limit.
    fn add(&self, bytes: usize) -> Result<(), Exceeded> {
        if self.closed.load(Ordering::Acquire) && bytes > 0 {
            return Err(Exceeded { asked: bytes, left: 0 });
        }
        self.used
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |used| {
                used.checked_add(bytes).filter(|total| *total <= self.limit())
            })
            .map(|_| ())
            .map_err(|used| Exceeded { asked: bytes, left: self.limit().saturating_sub(used) })
    }

    /// Takes `bytes` off the count (never below zero: a release larger
    /// than what is charged is a bookkeeping bug, not a reason to wrap).
    /// A closed account passes them on: its limit shrinks by as much, and
    /// the account it was carved from gets them back (and so on up a chain
    /// of closed accounts, in a loop). Its `closed` is read first, so a
    /// release racing with [`leave`](Self::leave) can leave bytes in the
    /// limit (given back when the account is dropped), never give them
    /// back twice.
    fn sub(&self, bytes: usize) {
        let mut account = self;
        loop {
            let closed = account.closed.load(Ordering::Acquire);
            let _ = account
                .used
                .fetch_update(Ordering::AcqRel, Ordering::Acquire, |used| Some(used.saturating_sub(bytes)));
            if !closed {
                return;
            }
            let _ = account
                .limit
                .fetch_update(Ordering::AcqRel, Ordering::Acquire, |limit| Some(limit.saturating_sub(bytes)));
            match &account.carved_from {
                Some(from) => account = from,
                None => return,
            }
        }
    }
}

impl Drop for Account {
    /// Gives the carved limit back to the parent, and the parent's to its
    /// own if this was the last reference to it, and so on: a loop, not a
    /// recursion, so a chain of any length cannot overflow the stack.
    fn drop(&mut self) {
        let mut next = self.carved_from.take().map(|from| (from, self.limit()));
        while let Some((from, bytes)) = next {
            from.sub(bytes);
            next = Arc::into_inner(from)
                .and_then(|mut parent| parent.carved_from.take().map(|grand| (grand, parent.limit())));
        }
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
    fn a_carve_takes_from_the_parent_until_the_child_goes() {
        let root = account(100);
        let child = Arc::new(Account::carve(&root, 60).unwrap());
        assert_eq!((root.used(), root.left(), child.limit(), child.used()), (60, 40, 60, 0));
        assert_eq!(Account::carve(&root, 41).unwrap_err(), Exceeded { asked: 41, left: 40 });
        assert_eq!(root.used(), 60, "a refused carve changes nothing");
        let charge = Charge::take(&child, 60).unwrap();
        assert!(Charge::take(&child, 1).is_err(), "the child has only its carve");
        drop(child);
        assert_eq!(root.used(), 60, "a charge keeps the child's account, so its carve");
        drop(charge);
        assert_eq!(root.used(), 0, "the last charge gives the carve back");
    }

    #[test]
    fn the_last_user_leaving_gives_back_what_is_not_charged() {
        let root = account(100);
        let child = Arc::new(Account::carve(&root, 60).unwrap());
        child.join();
        child.join();
        let kept = Charge::take(&child, 10).unwrap();
        child.leave();
        assert_eq!(root.used(), 60, "a user is left");
        child.leave();
        assert_eq!((root.used(), child.limit()), (10, 10), "what is charged stays carved");
        assert!(Charge::take(&child, 0).is_ok());
        assert!(Charge::take(&child, 1).is_err(), "a closed account takes no charge");
        drop(child);
        assert_eq!(root.used(), 10);
        drop(kept);
        assert_eq!(root.used(), 0, "the rest comes back with the last charge");
        // Closing a child whose own child still runs: the grandchild's
        // carve is charged to the child, so it stays carved from the root.
        let child = Arc::new(Account::carve(&root, 60).unwrap());
        child.join();
        let grandchild = Arc::new(Account::carve(&child, 20).unwrap());
        grandchild.join();
        child.leave();
        assert_eq!(root.used(), 20);
        drop(child);
        grandchild.leave();
        assert_eq!(root.used(), 0, "the grandchild's end frees the chain");
        drop(grandchild);
        assert_eq!(root.used(), 0);
        // A charge released after the close goes back up at once.
        let child = Arc::new(Account::carve(&root, 60).unwrap());
        child.join();
        let kept = Charge::take(&child, 25).unwrap();
        child.leave();
        assert_eq!(root.used(), 25);
        drop(kept);
        assert_eq!((root.used(), child.limit()), (0, 0));
        drop(child);
        assert_eq!(root.used(), 0);
    }

    #[test]
    fn a_tree_of_carves_and_charges_never_passes_the_root() {
        // Random trees: whatever is carved and charged, the charges of all
        // accounts together stay within the root's limit, and all of it
        // comes back.
        let root = account(10_000);
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut accounts = vec![root.clone()];
        let mut charges: Vec<(Charge, usize)> = Vec::new();
        for _ in 0..if cfg!(miri) { 300 } else { 20_000 } {
            let at = (next() as usize) % accounts.len();
            let size = (next() as usize) % 700;
            match next() % 4 {
                0 => {
                    let want = Account::default_carve(accounts[at].left(), size);
                    if let Ok(child) = Account::carve(&accounts[at], want) {
                        child.join();
                        accounts.push(Arc::new(child));
                    }
                }
                1 => {
                    if let Ok(c) = Charge::take(&accounts[at], size) {
                        charges.push((c, size));
                    }
                }
                2 if !charges.is_empty() => {
                    let i = (next() as usize) % charges.len();
                    drop(charges.swap_remove(i));
                }
                _ if at != 0 => {
                    // Its process ended: what it has not charged goes back.
                    accounts.swap_remove(at).leave();
                }
                _ => {}
            }
            let charged: usize = charges.iter().map(|(_, bytes)| bytes).sum();
            assert!(charged <= 10_000);
            assert!(root.used() <= 10_000);
        }
        accounts.truncate(1);
        charges.clear();
        assert_eq!(root.used(), 0, "every carve came back");
    }

    #[test]
    fn a_long_chain_of_carves_is_dropped_without_recursion() {
        let root = account(usize::MAX);
        let depth = if cfg!(miri) { 1000 } else { 200_000 };
        let mut leaf = root.clone();
        for _ in 0..depth {
            leaf = Arc::new(Account::carve(&leaf, 1 << 20).unwrap());
        }
        let charge = Charge::take(&leaf, 5).unwrap();
        drop(leaf);
        assert_eq!(root.used(), 1 << 20);
        // On a thread with a small stack: a recursive drop would overflow it.
        std::thread::Builder::new().stack_size(64 << 10).spawn(move || drop(charge)).unwrap().join().unwrap();
        assert_eq!(root.used(), 0);
    }

    #[test]
    fn the_default_carve_is_the_default_or_half_of_what_is_left() {
        assert_eq!(Account::default_carve(100, 30), 30);
        assert_eq!(Account::default_carve(40, 30), 20);
        assert_eq!(Account::default_carve(1, 30), 0);
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
