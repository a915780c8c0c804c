//! Random SQE ingredients: addresses (the fuzzer's own scratch memory,
//! unmapped, kernel, non-canonical, read-only, the ring itself), lengths
//! around every limit, cap ids (its own, stale, made up) and the pool of
//! ids and RECV tokens the fuzzer has collected.

use crate::rng::Rng;
use capos::schema::interface_id;

/// Scratch memory the kernel may read from and write to as the fuzzer
/// likes (params, results, transfer lists); nothing of the fuzzer's own
/// state lives there.
pub struct Arena {
    /// Its bytes.
    pub bytes: &'static mut [u8],
}

impl Arena {
    /// Its address.
    pub fn addr(&self) -> u64 {
        self.bytes.as_ptr() as u64
    }

    /// Whether `[addr, addr + len)` lies inside it.
    pub fn contains(&self, addr: u64, len: u64) -> bool {
        addr >= self.addr() && addr.saturating_add(len) <= self.addr() + self.bytes.len() as u64
    }

    /// A random offset with room for `len` bytes (0 if there is none).
    pub fn offset(&self, rng: &mut Rng, len: usize) -> usize {
        rng.below(self.bytes.len().saturating_sub(len) as u64 + 1) as usize
    }
}

/// Whether `[addr, addr + len)` touches the ring region.
pub fn hits_ring(addr: u64, len: u64) -> bool {
    let (start, end) = crate::raw_ring::RawRing::range();
    addr < end && addr.saturating_add(len.max(1)) > start
}

/// Whether an address is outside user memory (kernel half or
/// non-canonical).
pub fn is_kernel(addr: u64) -> bool {
    addr >= capos_abi::layout::USER_END
}

/// An address for a buffer of `len` bytes.
pub fn address(rng: &mut Rng, arena: &Arena, len: u64) -> u64 {
    let page = rng.below(1 << 20) << 12;
    match rng.below(40) {
        0 => 0xffff_8000_0000_0000 + page + rng.below(4096),
        1 => 0xffff_ffff_8000_0000 + (page & 0x3fff_ffff),
        2 => rng.below(0x1_0000),
        3 => 0x5555_0000_0000 + page,
        4 => 0x0000_8000_0000_0000 + page,
        5 => u64::MAX - rng.below(64),
        6 => capos_abi::layout::RING_ADDR + rng.below(capos_config::ring::RING_SIZE as u64),
        7 => capos_abi::layout::BOOTSTRAP_ADDR + rng.below(256),
        8 => crate::sys::worker as *const () as u64,
        9 => capos_abi::layout::STACK_TOP - capos_abi::layout::STACK_SIZE - 4096 + rng.below(8192),
        10 => rng.next(),
        11 => capos_abi::layout::ANON_BASE + page,
        12 => arena.addr() + arena.offset(rng, 0) as u64,
        _ => arena.addr() + arena.offset(rng, usize::try_from(len).unwrap_or(0)) as u64,
    }
}

/// A buffer length near some limit.
pub fn length(rng: &mut Rng) -> u32 {
    match rng.below(12) {
        0 => 0,
        1 => rng.pick(&[1, 7, 8, 9, 15, 16]),
        2 => rng.pick(&[4096, 65536, 65537, 1 << 20, (1 << 20) + 1, u32::MAX, 0x8000_0000]),
        3 => rng.next() as u32,
        _ => 16 + rng.below(2048) as u32,
    }
}

/// Interface ids to call caps with when the right one is not known.
pub const INTERFACES: &[u64] = &[
    interface_id::CONSOLE,
    interface_id::TIMER,
    interface_id::WALL_CLOCK,
    interface_id::ENTROPY_SOURCE,
    interface_id::BOOT_PACKAGE,
    interface_id::PROCESS_SPAWNER,
    interface_id::PROCESS_HANDLE,
    interface_id::FRAME_ALLOCATOR,
    interface_id::MEMORY_OBJECT,
    interface_id::VIRTUAL_MEMORY,
    interface_id::ENDPOINT_FACTORY,
    interface_id::ENDPOINT_SERVER,
    interface_id::ECHO,
    interface_id::REVOCATION_FACTORY,
    interface_id::REVOKER,
];

/// Most cap ids the pool remembers.
const POOL: usize = 96;
/// Most RECV tokens remembered.
const TOKENS: usize = 16;

/// Cap ids (with the interface each is believed to implement, 0 if not
/// known) and RECV tokens collected so far.
pub struct Pool {
    ids: [(u32, u64); POOL],
    len: usize,
    tokens: [u64; TOKENS],
    token_len: usize,
}

impl Pool {
    /// An empty pool.
    pub const fn new() -> Self {
        Pool { ids: [(0, 0); POOL], len: 0, tokens: [0; TOKENS], token_len: 0 }
    }

    /// Remembers `id` (replacing a random one when full).
    pub fn add(&mut self, rng: &mut Rng, id: u32, interface: u64) {
        if self.len < POOL {
            self.ids[self.len] = (id, interface);
            self.len += 1;
        } else {
            self.ids[rng.below(POOL as u64) as usize] = (id, interface);
        }
    }

    /// Remembers a RECV token.
    pub fn add_token(&mut self, rng: &mut Rng, token: u64) {
        if self.token_len < TOKENS {
            self.tokens[self.token_len] = token;
            self.token_len += 1;
        } else {
            self.tokens[rng.below(TOKENS as u64) as usize] = token;
        }
    }

    /// A cap id (and its believed interface): mostly one of the pool's,
    /// sometimes stale, zero or made up.
    pub fn cap(&self, rng: &mut Rng) -> (u32, u64) {
        let known = if self.len == 0 { (0, 0) } else { self.ids[rng.below(self.len as u64) as usize] };
        match rng.below(20) {
            0 => (known.0.wrapping_add(1 << 16), known.1),
            1 => (0, 0),
            2 => (rng.next() as u32, 0),
            3 => ((rng.below(16) as u32) | ((1 + rng.below(3) as u32) << 16), 0),
            _ => known,
        }
    }

    /// A RETURN token: one received, or made up.
    pub fn token(&self, rng: &mut Rng) -> u64 {
        if self.token_len > 0 && !rng.one_in(5) {
            self.tokens[rng.below(self.token_len as u64) as usize]
        } else {
            rng.next() >> rng.below(64)
        }
    }
}
