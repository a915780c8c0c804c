//! A fuzz child: from its seed, for its time slice, submits batches of
//! random SQEs, enters the kernel with random arguments, starts threads
//! and makes syscalls with garbage, corrupts its own ring header now and
//! then, and checks what the kernel answers. It exits with
//! `FINISHED + number of SQEs` when its time is up, or with one of the
//! `BROKEN_*` codes when the kernel broke a promise of the ring ABI
//! (which the driver reports as a failure). Faulting is a fair outcome:
//! the fuzzer points the kernel at its own memory too.

use crate::pick::{self, Arena, Pool};
use crate::raw_ring::RawRing;
use crate::rng::Rng;
use crate::sys;
use alloc::vec;
use capos::prelude::*;
use capos_abi::syscall::{
    SYS_CAP_ENTER, SYS_CAP_FLAGS, SYS_CPU_TIME, SYS_THREAD_CREATE, SYS_YIELD, SYSCALL_COUNT,
};
use capos_config::ring::{CQ_ENTRIES, Opcode, Sqe, header};

/// Exit status base of a child that ran out its time: plus its SQE count.
pub const FINISHED: i32 = 1000;
/// Exit status when the ring could not be brought back after the fuzzer
/// (or a result the kernel wrote into it) damaged it.
pub const RING_LOST: i32 = 2;
/// `cap_enter` returned an error other than `RingCorrupted`, or a count
/// above the CQ size.
pub const BROKEN_ENTER: i32 = 40;
/// A completion for no outstanding SQE (unknown or repeated `user_data`).
pub const BROKEN_USER_DATA: i32 = 41;
/// A completion reporting more result bytes or caps than there was room
/// for.
pub const BROKEN_RESULT: i32 = 42;
/// `thread_create` accepted an entry or stack outside user memory.
pub const BROKEN_THREAD: i32 = 44;
/// An unknown syscall number, or `yield`, answered something else than
/// documented.
pub const BROKEN_SYSCALL: i32 = 45;
/// What an exit would carry if the kernel took a syscall number's low
/// 32 bits only (`1 << 32 | SYS_EXIT` must be unknown, not `exit`).
pub const TRUNCATED_EXIT: i32 = 77;

/// Outstanding SQEs are tracked by `user_data % TRACKED` (more than the
/// SQ and CQ can hold between them).
const TRACKED: usize = 1024;
/// Fuzz threads' stacks.
const STACKS: usize = 8;
const STACK_SIZE: usize = 16 * 1024;

/// What is known about an outstanding SQE.
#[derive(Clone, Copy, Default)]
struct Outstanding {
    user_data: u64,
    opcode: u8,
    result_len: u32,
    caps_addr: u64,
    caps_in_max: u16,
}

struct Fuzzer {
    rng: Rng,
    ring: RawRing,
    arena: Arena,
    pool: Pool,
    outstanding: [Outstanding; TRACKED],
    next_user_data: u64,
    /// The kernel was pointed at the ring itself: completions and indices
    /// can no longer be trusted, so their checks are off.
    ring_scribbled: bool,
    stacks: &'static mut [u8],
    sqes: u64,
}

/// Runs a fuzz child: `args` are `child SEED MILLISECONDS`.
pub fn run(caps: &Caps, seed: u64, millis: u64) -> i32 {
    let Ok(clock) = Timer::from_caps(caps, "clock") else { return 3 };
    let Ok(start) = clock.now() else { return 3 };
    let deadline = start + millis * 1_000_000;
    let mut rng = Rng::new(seed);
    let mut pool = Pool::new();
    for entry in caps.iter().filter(|e| e.name != "clock") {
        pool.add(&mut rng, entry.cap_id, entry.interface_id);
    }
    // Everything the loop needs is allocated now: a heap that grows later
    // would use the runtime's ring client behind the fuzzer's back.
    let arena = Arena { bytes: vec![0u8; 128 * 1024].leak() };
    let stacks = vec![0u8; STACKS * STACK_SIZE].leak();
    let params = vec![0u8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0].leak();
    let clock_result = vec![0u8; 64].leak();
    // SAFETY: from here on the runtime's ring client is not used (nothing
    // below calls a runtime function that makes a call) and nothing is in
    // flight (every call above was waited for).
    let ring = unsafe { RawRing::take_over() };
    let mut f = Fuzzer {
        rng,
        ring,
        arena,
        pool,
        outstanding: [Outstanding::default(); TRACKED],
        next_user_data: 1 << 32,
        ring_scribbled: false,
        stacks,
        sqes: 0,
    };
    let now_sqe = Sqe {
        opcode: Opcode::Call as u8,
        cap: clock.id(),
        interface_id: capos::schema::interface_id::TIMER,
        method: capos::schema::method::timer::NOW,
        params_addr: params.as_ptr() as u64,
        params_len: params.len() as u32,
        result_addr: clock_result.as_mut_ptr() as u64,
        result_len: clock_result.len() as u32,
        ..Sqe::default()
    };
    let mut step = 0u64;
    loop {
        if step.is_multiple_of(32) {
            match f.now(now_sqe, clock_result) {
                Ok(Some(now)) if now < deadline => {}
                Ok(_) => break,
                Err(code) => return code,
            }
        }
        step += 1;
        if let Err(code) = f.step() {
            return code;
        }
    }
    FINISHED.saturating_add(i32::try_from(f.sqes).unwrap_or(i32::MAX - FINISHED))
}

impl Fuzzer {
    /// One batch: a few actions, then `cap_enter`, then the completions.
    fn step(&mut self) -> Result<(), i32> {
        for _ in 0..1 + self.rng.below(8) {
            match self.rng.below(200) {
                0..=3 => self.thread()?,
                4..=6 => self.syscall()?,
                7 => self.header_attack()?,
                8 if self.rng.one_in(500) => sys::thread_exit(pick::address(&mut self.rng, &self.arena, 4)),
                _ => {
                    let sqe = crate::sqe::random(&mut self.rng, &mut self.arena, &self.pool);
                    if !self.submit(sqe) {
                        break;
                    }
                }
            }
        }
        let min = self.rng.pick(&[0u64, 0, 1, 1, 2, 600, u64::MAX]);
        let timeout = self.rng.pick(&[0u64, 0, 1_000_000, 5_000_000, 20_000_000]);
        self.enter(min, timeout)?;
        self.drain()
    }

    /// Queues `sqe` under a fresh `user_data`; false if the SQ is full.
    fn submit(&mut self, mut sqe: Sqe) -> bool {
        sqe.user_data = self.next_user_data;
        if crate::sqe::written_ranges(&sqe).iter().any(|&(a, l)| pick::hits_ring(a, l)) {
            self.ring_scribbled = true;
        }
        if !self.ring.push(&sqe) {
            return false;
        }
        self.next_user_data += 1;
        self.sqes += 1;
        self.outstanding[sqe.user_data as usize % TRACKED] = Outstanding {
            user_data: sqe.user_data,
            opcode: sqe.opcode,
            result_len: sqe.result_len,
            caps_addr: sqe.caps_addr,
            caps_in_max: sqe.caps_in_max,
        };
        true
    }

    /// `cap_enter(min, timeout)`, repairing the ring if the kernel calls
    /// it corrupted.
    fn enter(&mut self, min: u64, timeout: u64) -> Result<(), i32> {
        let corrupted = i64::from(CapError::RingCorrupted.as_result());
        let mut r = sys::raw(SYS_CAP_ENTER, min, timeout, 0, 0);
        for attempt in 0..3 {
            if r != corrupted {
                break;
            }
            self.ring_scribbled = true;
            match attempt {
                0 => self.ring.restore(),
                1 => self.ring.resync(false),
                _ => self.ring.resync(true),
            }
            r = sys::raw(SYS_CAP_ENTER, 0, 0, 0, 0);
        }
        if r == corrupted {
            return Err(RING_LOST);
        }
        if !(0..=i64::from(CQ_ENTRIES)).contains(&r) && !self.ring_scribbled {
            return Err(BROKEN_ENTER);
        }
        Ok(())
    }

    /// Reads every posted completion and checks it against its SQE.
    fn drain(&mut self) -> Result<(), i32> {
        if self.ring.waiting() > CQ_ENTRIES && !self.ring_scribbled {
            return Err(BROKEN_ENTER);
        }
        let mut budget = CQ_ENTRIES;
        while let Some(cqe) = self.ring.pop() {
            self.complete(cqe)?;
            budget -= 1;
            if budget == 0 {
                break;
            }
        }
        Ok(())
    }

    fn complete(&mut self, cqe: capos_config::ring::Cqe) -> Result<(), i32> {
        let slot = &mut self.outstanding[cqe.user_data as usize % TRACKED];
        let sqe = *slot;
        if sqe.user_data != cqe.user_data || sqe.user_data == 0 {
            return if self.ring_scribbled { Ok(()) } else { Err(BROKEN_USER_DATA) };
        }
        slot.user_data = 0;
        if cqe.result < 0 {
            return Ok(());
        }
        let counted = sqe.opcode == Opcode::Call as u8 || sqe.opcode == Opcode::Recv as u8;
        if counted && (cqe.result as u32 > sqe.result_len || cqe.caps > u32::from(sqe.caps_in_max)) {
            return if self.ring_scribbled { Ok(()) } else { Err(BROKEN_RESULT) };
        }
        if sqe.opcode == Opcode::Recv as u8 {
            self.pool.add_token(&mut self.rng, cqe.aux);
        }
        let n = u64::from(cqe.caps.min(16));
        if n > 0 && self.arena.contains(sqe.caps_addr, n * 4) {
            let at = (sqe.caps_addr - self.arena.addr()) as usize;
            for i in 0..n as usize {
                let b = &self.arena.bytes[at + i * 4..at + i * 4 + 4];
                let id = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
                self.pool.add(&mut self.rng, id, 0);
            }
        }
        Ok(())
    }

    /// The time from `clock` (a Timer.now through the raw ring), or
    /// `None` if the clock is gone.
    fn now(&mut self, sqe: Sqe, result: &[u8]) -> Result<Option<u64>, i32> {
        let mut sqe = sqe;
        sqe.user_data = self.next_user_data;
        if !self.submit(sqe) {
            self.enter(0, 0)?;
            self.drain()?;
            return Ok(Some(0));
        }
        let user_data = sqe.user_data;
        for _ in 0..200 {
            self.enter(1, 10_000_000)?;
            while let Some(cqe) = self.ring.pop() {
                if cqe.user_data == user_data {
                    self.outstanding[user_data as usize % TRACKED].user_data = 0;
                    if cqe.result < 24 {
                        return Ok(None);
                    }
                    let ns = u64::from_le_bytes(result[16..24].try_into().unwrap_or([0; 8]));
                    return Ok(Some(ns));
                }
                self.complete(cqe)?;
            }
        }
        Ok(None)
    }

    /// `thread_create` with a good or garbage entry, stack and argument.
    fn thread(&mut self) -> Result<(), i32> {
        let rng = &mut self.rng;
        let good_entry = sys::worker as *const () as u64;
        let base = self.stacks.as_ptr() as u64;
        let good_stack = base + (rng.below(STACKS as u64) + 1) * STACK_SIZE as u64;
        let entry = if rng.one_in(2) { good_entry } else { pick::address(rng, &self.arena, 16) };
        let stack = match rng.below(4) {
            0 => pick::address(rng, &self.arena, 16),
            1 => good_stack - 8,
            _ => good_stack,
        };
        let notify = pick::address(rng, &self.arena, 4);
        let fs = if rng.one_in(3) { rng.next() } else { 0 };
        if entry != good_entry && !rng.one_in(200) && !pick::is_kernel(entry) {
            // A user address that is not code would only fault the child.
            return Ok(());
        }
        let r = sys::raw(SYS_THREAD_CREATE, entry, stack, notify, fs);
        if r >= 0 && (pick::is_kernel(entry) || pick::is_kernel(stack) || pick::is_kernel(fs)) {
            return Err(BROKEN_THREAD);
        }
        Ok(())
    }

    /// `yield`, `cap_flags` and unknown syscall numbers with garbage
    /// arguments.
    fn syscall(&mut self) -> Result<(), i32> {
        let rng = &mut self.rng;
        let args = [rng.next(), rng.next(), rng.next(), rng.next()];
        match rng.below(9) {
            0 | 1 => {
                let r = sys::raw(SYS_YIELD, args[0], args[1], args[2], args[3]);
                return if r == 0 { Ok(()) } else { Err(BROKEN_SYSCALL) };
            }
            2 => {
                // A small index names a cap the child may hold: only read
                // its flags (they are shared with the caps' other holders);
                // the answer is the flag word or a typed error.
                let (cap, mask) = if rng.one_in(2) { (rng.below(8), 0) } else { (args[0], args[1]) };
                let r = sys::raw(SYS_CAP_FLAGS, cap, mask, args[2], args[3]);
                let typed = [CapError::InvalidCap, CapError::Unsupported].map(|e| i64::from(e.as_result()));
                return if (0..=i64::from(u32::MAX)).contains(&r) || typed.contains(&r) {
                    Ok(())
                } else {
                    Err(BROKEN_SYSCALL)
                };
            }
            3 => {
                // Any `which`: the CPU time of the process, the thread or
                // the ended children, or InvalidArgument.
                let which = if rng.one_in(2) { rng.below(3) } else { args[0] };
                let r = sys::raw(SYS_CPU_TIME, which, args[1], args[2], args[3]);
                let ok =
                    if which < 3 { r >= 0 } else { r == i64::from(CapError::InvalidArgument.as_result()) };
                return if ok { Ok(()) } else { Err(BROKEN_SYSCALL) };
            }
            _ => {}
        }
        // Numbers no syscall has (below `SYSCALL_COUNT` are `set_fs_base`,
        // `fork`, `exec` and the signal calls, which the C suite tests).
        let any = rng.next().max(SYSCALL_COUNT);
        let nr = rng.pick(&[SYSCALL_COUNT, 100, 64, 255, 1 << 32, (1 << 32) | 1, u64::MAX, any]);
        let a0 = if nr == (1 << 32) | 1 { TRUNCATED_EXIT as u64 } else { args[0] };
        let r = sys::raw(nr, a0, args[1], args[2], args[3]);
        if r == i64::from(CapError::UnknownSyscall.as_result()) { Ok(()) } else { Err(BROKEN_SYSCALL) }
    }

    /// Hostile header values: the process's own indices far off, or the
    /// kernel's fields, magic or version overwritten. `cap_enter` must
    /// answer with a count or `RingCorrupted`; the header is put back.
    fn header_attack(&mut self) -> Result<(), i32> {
        let field = self.rng.pick(&[
            header::SQ_TAIL,
            header::CQ_HEAD,
            header::SQ_HEAD,
            header::CQ_TAIL,
            header::VERSION,
        ]);
        let saved = self.ring.load(field);
        // An `sq_tail` the kernel accepts would make it run old SQEs again
        // (fair, but then completions repeat): only values it must refuse.
        let ahead = if field == header::SQ_TAIL { 257 } else { 1 };
        let garbage = match self.rng.below(3) {
            0 => self.rng.next() as u32,
            1 => saved.wrapping_add(ahead + self.rng.below(1000) as u32),
            _ => saved.wrapping_sub(1 + self.rng.below(4) as u32),
        };
        self.ring.store(field, garbage);
        let r = sys::raw(SYS_CAP_ENTER, 0, 0, 0, 0);
        // The kernel rewrites its own fields when it moves them; put back
        // only what still holds the garbage.
        if self.ring.load(field) == garbage {
            self.ring.store(field, saved);
        }
        let corrupted = i64::from(CapError::RingCorrupted.as_result());
        if r != corrupted && !(0..=i64::from(CQ_ENTRIES)).contains(&r) && !self.ring_scribbled {
            return Err(BROKEN_ENTER);
        }
        self.ring.restore();
        Ok(())
    }
}
