//! Blocking synchronisation for threads of one process, built on ParkSpace
//! ([`crate::park`]): a [`Mutex`] and a [`Condvar`].
//!
//! The mutex word is 0 (unlocked), 1 (locked) or 2 (locked, maybe with
//! waiters): an uncontended lock or unlock is one atomic instruction; only
//! contention enters the kernel.

use core::cell::UnsafeCell;
use core::ops::{Deref, DerefMut};
use core::sync::atomic::{AtomicU32, Ordering};

use crate::park::{park, unpark};

/// A mutual-exclusion lock protecting a `T`.
pub struct Mutex<T> {
    state: AtomicU32,
    value: UnsafeCell<T>,
}

// SAFETY: access to `value` is serialised by the lock.
unsafe impl<T: Send> Sync for Mutex<T> {}
// SAFETY: as above; the mutex owns its value.
unsafe impl<T: Send> Send for Mutex<T> {}

/// Proof of holding a [`Mutex`]; unlocks when dropped.
pub struct MutexGuard<'a, T> {
    mutex: &'a Mutex<T>,
}

impl<T> Mutex<T> {
    /// An unlocked mutex holding `value`.
    pub const fn new(value: T) -> Self {
        Self { state: AtomicU32::new(0), value: UnsafeCell::new(value) }
    }

    /// Locks, waiting (parked in the kernel) while another thread holds it.
    pub fn lock(&self) -> MutexGuard<'_, T> {
        if self.state.compare_exchange(0, 1, Ordering::Acquire, Ordering::Relaxed).is_err() {
            // Mark contended; park until the holder hands it over.
            while self.state.swap(2, Ordering::Acquire) != 0 {
                let _ = park(&self.state, 2, 0);
            }
        }
        MutexGuard { mutex: self }
    }

    fn unlock(&self) {
        if self.state.swap(0, Ordering::Release) == 2 {
            let _ = unpark(&self.state, 1);
        }
    }
}

impl<T> Deref for MutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the guard holds the lock.
        unsafe { &*self.mutex.value.get() }
    }
}

impl<T> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the guard holds the lock, exclusively.
        unsafe { &mut *self.mutex.value.get() }
    }
}

impl<T> Drop for MutexGuard<'_, T> {
    fn drop(&mut self) {
        self.mutex.unlock();
    }
}

/// A condition variable, used with a [`Mutex`].
pub struct Condvar {
    sequence: AtomicU32,
}

impl Condvar {
    /// A condition variable with no waiters.
    pub const fn new() -> Self {
        Self { sequence: AtomicU32::new(0) }
    }

    /// Unlocks `guard`, waits for a notification, locks again. Like every
    /// condition variable it may wake without one: wait in a loop that
    /// checks the condition.
    pub fn wait<'a, T>(&self, guard: MutexGuard<'a, T>) -> MutexGuard<'a, T> {
        let seen = self.sequence.load(Ordering::Acquire);
        let mutex = guard.mutex;
        drop(guard);
        let _ = park(&self.sequence, seen, 0);
        mutex.lock()
    }

    /// Wakes one waiter.
    pub fn notify_one(&self) {
        self.sequence.fetch_add(1, Ordering::Release);
        let _ = unpark(&self.sequence, 1);
    }

    /// Wakes every waiter.
    pub fn notify_all(&self) {
        self.sequence.fetch_add(1, Ordering::Release);
        let _ = unpark(&self.sequence, u32::MAX);
    }
}

impl Default for Condvar {
    fn default() -> Self {
        Self::new()
    }
}
