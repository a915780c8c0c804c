//! A list whose first item is kept inline, for the kernel's short-lived
//! result lists (an endpoint's pairings, a pipe's completions): the usual
//! case of one item allocates nothing; more go to a `Vec`.

use alloc::vec::Vec;

/// A list whose first item is kept inline.
pub struct List<T> {
    first: Option<T>,
    rest: Vec<T>,
}

impl<T> Default for List<T> {
    fn default() -> Self {
        Self { first: None, rest: Vec::new() }
    }
}

impl<T> List<T> {
    /// Makes room for one more item: `Err` when the memory is missing.
    pub fn try_reserve_one(&mut self) -> Result<(), alloc::collections::TryReserveError> {
        if self.first.is_none() { Ok(()) } else { self.rest.try_reserve(1) }
    }

    /// Appends `item` (after [`Self::try_reserve_one`], this cannot
    /// allocate).
    pub fn push(&mut self, item: T) {
        if self.first.is_none() {
            self.first = Some(item);
        } else {
            self.rest.push(item);
        }
    }

    /// Whether it holds nothing.
    pub fn is_empty(&self) -> bool {
        self.first.is_none()
    }

    /// The items in order.
    pub fn iter(&self) -> impl Iterator<Item = &T> {
        self.first.iter().chain(self.rest.iter())
    }
}

impl<T> Extend<T> for List<T> {
    /// Appends every item (past the first, as `Vec::push` does: a failed
    /// allocation is not reported).
    fn extend<I: IntoIterator<Item = T>>(&mut self, items: I) {
        for item in items {
            self.push(item);
        }
    }
}

impl<T> IntoIterator for List<T> {
    type Item = T;
    type IntoIter = core::iter::Chain<core::option::IntoIter<T>, alloc::vec::IntoIter<T>>;

    fn into_iter(self) -> Self::IntoIter {
        self.first.into_iter().chain(self.rest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_keeps_its_order_with_the_first_item_inline() {
        let mut list = List::default();
        assert!(list.is_empty());
        for i in 0..5 {
            list.try_reserve_one().unwrap();
            list.push(i);
        }
        assert!(!list.is_empty());
        assert_eq!(list.iter().copied().collect::<Vec<_>>(), [0, 1, 2, 3, 4]);
        assert!(list.rest.capacity() >= 4);
        assert_eq!(list.into_iter().collect::<Vec<_>>(), [0, 1, 2, 3, 4]);
        let mut one = List::default();
        one.push("only");
        assert_eq!(one.rest.capacity(), 0, "one item takes no heap");
        assert_eq!(one.into_iter().collect::<Vec<_>>(), ["only"]);
    }
}
