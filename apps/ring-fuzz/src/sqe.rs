//! One random SQE: an opcode (valid or not), a cap from the pool or made
//! up, params that are mostly random Cap'n Proto messages written into the
//! arena, result and cap buffers anywhere, transfer lists with copies,
//! moves, bad modes and duplicates, and fields that should be zero made
//! non-zero now and then.

use crate::message;
use crate::pick::{self, Arena, Pool};
use crate::rng::Rng;
use capos_config::ring::{Opcode, Sqe, TransferDescriptor, TransferMode, sqe_flags};

/// A random opcode, weighted towards CALL.
fn opcode(rng: &mut Rng) -> u8 {
    match rng.below(100) {
        0..=54 => Opcode::Call as u8,
        55..=62 => Opcode::Release as u8,
        63..=72 => Opcode::Recv as u8,
        73..=80 => Opcode::Return as u8,
        81..=85 => Opcode::Park as u8,
        86..=90 => Opcode::Unpark as u8,
        91..=94 => Opcode::Nop as u8,
        _ => rng.next() as u8,
    }
}

/// Builds a random SQE (writing its params and transfer list into the
/// arena); `user_data` is filled in by the caller.
pub fn random(rng: &mut Rng, arena: &mut Arena, pool: &Pool) -> Sqe {
    let op = opcode(rng);
    let (cap, interface) = pool.cap(rng);
    let mut sqe = Sqe { opcode: op, cap, ..Sqe::default() };
    match Opcode::try_from(op) {
        Ok(Opcode::Call) => {
            sqe.method = if rng.one_in(20) { rng.next() as u16 } else { rng.below(10) as u16 };
            sqe.interface_id = match rng.below(10) {
                0 => rng.next(),
                1 | 2 => rng.pick(pick::INTERFACES),
                _ if interface != 0 => interface,
                _ => rng.pick(pick::INTERFACES),
            };
            params(rng, arena, &mut sqe);
            result(rng, arena, &mut sqe);
            transfers(rng, arena, pool, &mut sqe);
        }
        Ok(Opcode::Recv) => {
            result(rng, arena, &mut sqe);
            sqe.caps_in_max = rng.below(5) as u16;
            sqe.caps_addr = pick::address(rng, arena, u64::from(sqe.caps_in_max) * 4);
        }
        Ok(Opcode::Return) => {
            sqe.interface_id = pool.token(rng);
            if rng.one_in(4) {
                sqe.flags = sqe_flags::RETURN_ERROR;
                sqe.method = rng.below(40) as u16;
            } else {
                params(rng, arena, &mut sqe);
                transfers(rng, arena, pool, &mut sqe);
                sqe.caps_in_max = 0;
            }
        }
        Ok(Opcode::Park | Opcode::Unpark) => {
            sqe.cap = 0;
            sqe.params_addr = if rng.one_in(4) {
                pick::address(rng, arena, 4)
            } else {
                (arena.addr() + arena.offset(rng, 4) as u64) & !3
            };
            sqe.params_len = if rng.one_in(3) { rng.next() as u32 } else { rng.below(3) as u32 };
            if op == Opcode::Park as u8 {
                // A timeout, almost always: a PARK nobody wakes holds a CQ
                // slot until the process ends.
                sqe.interface_id = if rng.one_in(30) { 0 } else { 1_000_000 + rng.below(30_000_000) };
            }
        }
        _ => {}
    }
    if rng.one_in(25) {
        garble(rng, &mut sqe);
    }
    sqe
}

/// Params at a random place: mostly a random message in the arena.
fn params(rng: &mut Rng, arena: &mut Arena, sqe: &mut Sqe) {
    if rng.one_in(6) {
        sqe.params_len = pick::length(rng);
        sqe.params_addr = pick::address(rng, arena, u64::from(sqe.params_len));
        return;
    }
    let room = 256 + rng.below(4096) as usize;
    let at = arena.offset(rng, room);
    let end = (at + room).min(arena.bytes.len());
    let len = message::random(rng, &mut arena.bytes[at..end]);
    sqe.params_addr = arena.addr() + at as u64;
    sqe.params_len = len as u32;
}

/// A result buffer anywhere, of any length.
fn result(rng: &mut Rng, arena: &Arena, sqe: &mut Sqe) {
    sqe.result_len = if rng.one_in(3) { pick::length(rng) } else { 64 + rng.below(1024) as u32 };
    sqe.result_addr = pick::address(rng, arena, u64::from(sqe.result_len));
}

/// A transfer list (and room for returned caps) at `caps_addr`.
fn transfers(rng: &mut Rng, arena: &mut Arena, pool: &Pool, sqe: &mut Sqe) {
    sqe.caps_in_max = match rng.below(6) {
        0 => 0,
        1 => rng.below(40) as u16,
        _ => 1 + rng.below(3) as u16,
    };
    sqe.caps_out = match rng.below(10) {
        0..=5 => 0,
        6..=8 => 1 + rng.below(3) as u16,
        _ => rng.below(20) as u16,
    };
    let room = (usize::from(sqe.caps_out) * 8).max(usize::from(sqe.caps_in_max) * 4);
    if rng.one_in(12) {
        sqe.caps_addr = pick::address(rng, arena, room as u64);
        return;
    }
    let at = arena.offset(rng, room);
    let mut previous = 0;
    for i in 0..usize::from(sqe.caps_out) {
        let cap = if i > 0 && rng.one_in(4) { previous } else { pool.cap(rng).0 };
        previous = cap;
        let mode = if rng.one_in(2) { TransferMode::Copy } else { TransferMode::Move };
        let mut bytes = TransferDescriptor { cap, mode }.to_bytes();
        if rng.one_in(15) {
            bytes[4..8].copy_from_slice(&(rng.next() as u32).to_le_bytes());
        }
        if let Some(slot) = arena.bytes.get_mut(at + i * 8..at + i * 8 + 8) {
            slot.copy_from_slice(&bytes);
        }
    }
    sqe.caps_addr = arena.addr() + at as u64;
}

/// Sets one field the operation does not use (or the reserved word).
fn garble(rng: &mut Rng, sqe: &mut Sqe) {
    match rng.below(6) {
        0 => sqe.flags = rng.next() as u8,
        1 => sqe.reserved = rng.next() as u32,
        2 => sqe.method = rng.next() as u16,
        3 => sqe.caps_out = rng.below(20) as u16,
        4 => sqe.result_len = rng.next() as u32,
        _ => sqe.interface_id = rng.next(),
    }
}

/// The byte ranges the kernel may write for `sqe`: the result buffer and
/// the cap buffer.
pub fn written_ranges(sqe: &Sqe) -> [(u64, u64); 2] {
    [
        (sqe.result_addr, u64::from(sqe.result_len)),
        (sqe.caps_addr, u64::from(sqe.caps_in_max.max(sqe.caps_out)) * 8),
    ]
}
