//! Size classes of the userspace heap's bins (`capos-rt`'s `heap`): small
//! blocks freed by a program are kept per class and handed out again
//! without a search of the free list, as allocators' thread caches do.
//!
//! A class holds blocks of a power-of-two size from [`MIN_SIZE`] to
//! [`MAX_SIZE`] aligned to [`ALIGN`]; a request of at most that size and
//! alignment is served from the smallest class that fits it (so a block
//! is less than twice the request, or [`MIN_SIZE`]). Each class keeps at
//! most [`limit`] free blocks, so what the bins hold stays small next to
//! what the program itself once had in use; the rest goes back to the heap.

/// Smallest class (bytes).
pub const MIN_SIZE: usize = 16;
/// Largest class (bytes): a RECV's 64 KiB buffer is one.
pub const MAX_SIZE: usize = 64 * 1024;
/// The alignment of every block of a class.
pub const ALIGN: usize = 16;
/// Number of classes (16 B to 64 KiB).
pub const CLASSES: usize = (MAX_SIZE.trailing_zeros() - MIN_SIZE.trailing_zeros() + 1) as usize;
/// Most bytes a class keeps free.
pub const LIMIT_BYTES: usize = 128 * 1024;
/// Most blocks a class keeps free.
pub const LIMIT_BLOCKS: usize = 32;

/// The class serving `size` bytes aligned to `align`, or `None` when the
/// request is larger or more aligned than any class.
pub fn class_of(size: usize, align: usize) -> Option<usize> {
    if size > MAX_SIZE || align > ALIGN {
        return None;
    }
    let block = size.max(MIN_SIZE).next_power_of_two();
    Some((block.trailing_zeros() - MIN_SIZE.trailing_zeros()) as usize)
}

/// The block size of class `class`.
pub fn class_size(class: usize) -> usize {
    MIN_SIZE << class
}

/// How many free blocks class `class` keeps (at least 2).
pub fn limit(class: usize) -> usize {
    (LIMIT_BYTES / class_size(class)).clamp(2, LIMIT_BLOCKS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_small_request_fits_its_class_with_less_than_double() {
        // Every size to 1 KiB, then each power of two and its neighbours
        // (where a class ends and the next begins): few enough for Miri.
        let edges = (10..=MAX_SIZE.trailing_zeros()).flat_map(|bit| {
            let p = 1usize << bit;
            [p - 1, p, p + 1]
        });
        for size in (0..=1024).chain(edges).filter(|&s| s <= MAX_SIZE) {
            let class = class_of(size, 8).expect("small requests have a class");
            assert!(class < CLASSES);
            let block = class_size(class);
            assert!(block >= size, "{size} in a {block}-byte class");
            assert!(block == MIN_SIZE || block < 2 * size, "{size} in a {block}-byte class");
            assert!(block.is_power_of_two());
        }
    }

    #[test]
    fn large_or_overaligned_requests_have_no_class() {
        assert_eq!(class_of(MAX_SIZE + 1, 1), None);
        assert_eq!(class_of(usize::MAX, 1), None);
        assert_eq!(class_of(16, 32), None);
        assert_eq!(class_of(16, ALIGN), Some(0));
        assert_eq!(class_of(MAX_SIZE, ALIGN), Some(CLASSES - 1));
    }

    #[test]
    fn classes_cover_min_to_max_and_limits_stay_small() {
        assert_eq!(class_size(0), MIN_SIZE);
        assert_eq!(class_size(CLASSES - 1), MAX_SIZE);
        let mut total = 0;
        for class in 0..CLASSES {
            assert!((2..=LIMIT_BLOCKS).contains(&limit(class)));
            total += limit(class) * class_size(class);
        }
        // What all bins together may keep free.
        assert!(total <= CLASSES * LIMIT_BYTES, "{total}");
    }
}
