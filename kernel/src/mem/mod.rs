//! Memory management: the virtual layout, physical frames, page tables and
//! the kernel heap.
pub mod address_space;
pub mod frame;
pub mod heap;
pub mod image_cache;
pub mod kmem_quota;
pub mod kstack;
pub mod layout;
pub mod paging;
