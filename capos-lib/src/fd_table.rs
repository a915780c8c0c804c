//! An fd table: small integers naming open objects, the lowest free one
//! handed out first (POSIX's rule; WASI hosts do the same), below a fixed
//! limit. One implementation for the POSIX adapter (`libcapos-posix`'s
//! `fd`) and the WASI host (`capos-wasm`'s `fds`); each decides what an fd
//! holds (`T`) and turns [`FdError`] into its own errno.

use alloc::vec::Vec;

/// Why a table operation failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FdError {
    /// The fd is not open, or is not below the limit (`EBADF`).
    BadFd,
    /// No fd is free in the range asked for (`EMFILE`).
    Full,
}

/// The table: slot `fd` holds `Some(entry)` while `fd` is open.
#[derive(Debug)]
pub struct FdTable<T> {
    slots: Vec<Option<T>>,
    limit: usize,
}

impl<T> FdTable<T> {
    /// An empty table whose fds are below `limit`.
    pub const fn new(limit: usize) -> Self {
        Self { slots: Vec::new(), limit }
    }

    /// The limit: every fd is below it.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// What `fd` holds, if it is open.
    pub fn get(&self, fd: usize) -> Option<&T> {
        self.slots.get(fd).and_then(Option::as_ref)
    }

    /// Every open fd and what it holds, lowest first.
    pub fn iter(&self) -> impl Iterator<Item = (usize, &T)> + '_ {
        self.slots.iter().enumerate().filter_map(|(fd, slot)| slot.as_ref().map(|entry| (fd, entry)))
    }

    /// What `fd` holds, to change, if it is open.
    pub fn get_mut(&mut self, fd: usize) -> Option<&mut T> {
        self.slots.get_mut(fd).and_then(Option::as_mut)
    }

    /// Puts `entry` at the lowest free fd not below `min` and returns it.
    pub fn insert(&mut self, entry: T, min: usize) -> Result<usize, FdError> {
        let free = (min..self.limit)
            .find(|&fd| self.slots.get(fd).is_none_or(Option::is_none))
            .ok_or(FdError::Full)?;
        if self.slots.len() <= free {
            self.slots.resize_with(free + 1, || None);
        }
        self.slots[free] = Some(entry);
        Ok(free)
    }

    /// Puts `entry` at exactly `fd`; returns what was there (for the
    /// caller to drop where it likes: dropping may release a cap).
    pub fn place(&mut self, fd: usize, entry: T) -> Result<Option<T>, FdError> {
        if fd >= self.limit {
            return Err(FdError::BadFd);
        }
        if self.slots.len() <= fd {
            self.slots.resize_with(fd + 1, || None);
        }
        Ok(self.slots[fd].replace(entry))
    }

    /// Closes `fd`: returns what it held.
    pub fn remove(&mut self, fd: usize) -> Result<T, FdError> {
        self.slots.get_mut(fd).and_then(Option::take).ok_or(FdError::BadFd)
    }

    /// Moves `from` to `to` (both must be open; WASI's `fd_renumber`):
    /// `from` is closed, and what `to` held is returned.
    pub fn renumber(&mut self, from: usize, to: usize) -> Result<Option<T>, FdError> {
        if self.get(from).is_none() || self.get(to).is_none() {
            return Err(FdError::BadFd);
        }
        if from == to {
            return Ok(None);
        }
        let entry = self.remove(from)?;
        self.place(to, entry)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowest_free_first_and_reused() {
        let mut t = FdTable::new(8);
        assert_eq!(t.insert('a', 0), Ok(0));
        assert_eq!(t.insert('b', 0), Ok(1));
        assert_eq!(t.insert('c', 0), Ok(2));
        assert_eq!(t.remove(1), Ok('b'));
        assert_eq!(t.insert('d', 0), Ok(1));
        assert_eq!(t.insert('e', 5), Ok(5));
        assert_eq!(t.insert('f', 3), Ok(3));
        assert_eq!(t.get(5), Some(&'e'));
        assert_eq!(t.get(4), None);
        assert_eq!(t.get(100), None);
    }

    #[test]
    fn full_and_out_of_range() {
        let mut t = FdTable::new(2);
        assert_eq!(t.insert(1, 0), Ok(0));
        assert_eq!(t.insert(2, 0), Ok(1));
        assert_eq!(t.insert(3, 0), Err(FdError::Full));
        assert_eq!(t.insert(3, 7), Err(FdError::Full));
        assert_eq!(t.place(2, 3), Err(FdError::BadFd));
        assert_eq!(t.remove(2), Err(FdError::BadFd));
        assert_eq!(t.remove(0), Ok(1));
        assert_eq!(t.remove(0), Err(FdError::BadFd));
    }

    #[test]
    fn place_replaces_and_grows() {
        let mut t = FdTable::new(16);
        assert_eq!(t.place(9, "x"), Ok(None));
        assert_eq!(t.place(9, "y"), Ok(Some("x")));
        assert_eq!(t.insert("z", 0), Ok(0));
        *t.get_mut(9).unwrap() = "w";
        assert_eq!(t.get(9), Some(&"w"));
        assert_eq!(t.limit(), 16);
    }

    #[test]
    fn renumber_moves_and_closes_the_target() {
        let mut t = FdTable::new(8);
        t.insert("a", 0).unwrap();
        t.insert("b", 0).unwrap();
        assert_eq!(t.renumber(0, 1), Ok(Some("b")));
        assert_eq!(t.get(0), None);
        assert_eq!(t.get(1), Some(&"a"));
        assert_eq!(t.renumber(0, 1), Err(FdError::BadFd));
        assert_eq!(t.renumber(1, 5), Err(FdError::BadFd));
        assert_eq!(t.renumber(1, 1), Ok(None));
        assert_eq!(t.get(1), Some(&"a"));
    }

    #[test]
    fn iter_lists_the_open_fds_in_order() {
        let mut t: FdTable<char> = FdTable::new(8);
        for c in ['a', 'b', 'c'] {
            t.insert(c, 0).unwrap();
        }
        t.remove(1).unwrap();
        assert_eq!(t.iter().collect::<alloc::vec::Vec<_>>(), [(0, &'a'), (2, &'c')]);
    }
}
