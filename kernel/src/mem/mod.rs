//! Memory management: the virtual layout, physical frames, page tables and
//! the kernel heap.
pub mod frame;
pub mod heap;
pub mod layout;
pub mod paging;
