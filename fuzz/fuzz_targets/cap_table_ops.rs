//! The input is a program of capability-table operations on two tables
//! (insert, remove, get, forged ids, transfers with copies and moves,
//! commit, rollback, token misuse). Each step is checked against a simple
//! reference model, and the tables' internal invariants after every step.
#![no_main]

use std::collections::{BTreeMap, BTreeSet};

use capos_lib::cap_table::{CapId, CapTable, CapTableError, Prepared, Reservation, TransferKind};
use libfuzzer_sys::fuzz_target;

/// Reads the program; past the end every read is 0.
struct Input<'a>(&'a [u8]);

impl Input<'_> {
    fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((b, rest)) => {
                self.0 = rest;
                *b
            }
            None => 0,
        }
    }

    fn u32(&mut self) -> u32 {
        u32::from_le_bytes([self.byte(), self.byte(), self.byte(), self.byte()])
    }

    fn done(&self) -> bool {
        self.0.is_empty()
    }
}

/// What one table should contain.
#[derive(Default)]
struct Model {
    quota: usize,
    live: BTreeMap<CapId, u64>,
    dead: BTreeSet<CapId>,
    in_transfer: BTreeMap<CapId, u64>,
    reserved: usize,
}

impl Model {
    fn used(&self) -> usize {
        self.live.len() + self.in_transfer.len() + self.reserved
    }

    /// The lookup result the model can predict (`None` for forged ids,
    /// whose error depends on the slot).
    fn expect(&self, id: CapId) -> Option<Result<u64, CapTableError>> {
        if let Some(v) = self.live.get(&id) {
            Some(Ok(*v))
        } else if self.in_transfer.contains_key(&id) {
            Some(Err(CapTableError::InTransfer))
        } else if self.dead.contains(&id) {
            Some(Err(CapTableError::Stale))
        } else if id.generation() == 0 || usize::from(id.index()) >= self.quota {
            Some(Err(CapTableError::Invalid))
        } else {
            None
        }
    }

    fn issued(&mut self, id: CapId, v: u64) {
        assert!(!self.live.contains_key(&id) && !self.in_transfer.contains_key(&id), "{id} issued twice");
        assert_ne!(id.generation(), 0);
        self.dead.remove(&id);
        self.live.insert(id, v);
    }

    fn check(&self, t: &CapTable<u64>) {
        t.check_invariants().unwrap();
        assert_eq!(t.quota(), self.quota);
        assert_eq!(t.len(), self.live.len());
        assert_eq!(t.free_slots(), self.quota - self.used());
        let actual: BTreeMap<CapId, u64> = t.iter().map(|(id, v)| (id, *v)).collect();
        assert_eq!(actual, self.live);
    }

    /// An id chosen by the input: live, dead, in transfer or forged.
    fn pick(&self, input: &mut Input) -> CapId {
        let sel = input.byte();
        let pool: Vec<CapId> = match sel % 4 {
            0 => self.live.keys().copied().collect(),
            1 => self.dead.iter().copied().collect(),
            2 => self.in_transfer.keys().copied().collect(),
            _ => Vec::new(),
        };
        if pool.is_empty() {
            CapId::from_raw(input.u32() & 0x0007_00ff)
        } else {
            pool[usize::from(sel / 4) % pool.len()]
        }
    }
}

struct Pending {
    src: usize,
    dst: usize,
    reservation: Reservation,
    prepared: Prepared<u64>,
    items: Vec<(CapId, TransferKind, u64)>,
}

fn two<T>(pair: &mut [T; 2], first: usize) -> (&mut T, &mut T) {
    let [a, b] = pair;
    if first == 0 { (a, b) } else { (b, a) }
}

fuzz_target!(|data: &[u8]| {
    let mut input = Input(data);
    let quota = |b: u8| if b & 0x80 != 0 { u16::from(b) * 64 } else { u16::from(b % 12) };
    let quotas = [quota(input.byte()), quota(input.byte())];
    let mut tables = [CapTable::new(quotas[0]), CapTable::new(quotas[1])];
    let mut models = [
        Model { quota: quotas[0].into(), ..Model::default() },
        Model { quota: quotas[1].into(), ..Model::default() },
    ];
    let mut pending: Option<Pending> = None;
    let mut next_value = 0u64;
    let mut steps = 0;
    while !input.done() && steps < 4096 {
        steps += 1;
        let op = input.byte();
        let t = usize::from(op >> 7);
        match op & 0x7 {
            0 => {
                next_value += 1;
                let got = tables[t].insert(next_value);
                if models[t].used() < models[t].quota {
                    models[t].issued(got.unwrap(), next_value);
                } else {
                    assert_eq!(got, Err(CapTableError::QuotaExceeded));
                }
            }
            1 => {
                let id = models[t].pick(&mut input);
                let got = tables[t].remove(id);
                match models[t].expect(id) {
                    Some(expected) => assert_eq!(got, expected, "remove {id}"),
                    None => assert!(got.is_err(), "forged {id} removed"),
                }
                if got.is_ok() {
                    models[t].live.remove(&id);
                    models[t].dead.insert(id);
                }
            }
            2 => {
                let id = models[t].pick(&mut input);
                let got = tables[t].get(id).copied();
                match models[t].expect(id) {
                    Some(expected) => assert_eq!(got, expected, "get {id}"),
                    None => assert!(got.is_err(), "forged {id} resolved"),
                }
                if let Ok(v) = got {
                    *tables[t].get_mut(id).unwrap() = v; // get_mut agrees
                }
            }
            3 if pending.is_none() => {
                let dst = usize::from(op >> 6 & 1);
                let n = usize::from(input.byte() % 6);
                let items: Vec<(CapId, TransferKind)> = (0..n)
                    .map(|_| {
                        let kind =
                            if input.byte() & 1 == 0 { TransferKind::Copy } else { TransferKind::Move };
                        (models[t].pick(&mut input), kind)
                    })
                    .collect();
                let reservation = match tables[dst].reserve(n) {
                    Ok(r) => {
                        assert!(models[dst].quota - models[dst].used() >= n);
                        assert_eq!(r.len(), n);
                        models[dst].reserved += n;
                        r
                    }
                    Err(e) => {
                        assert_eq!(e, CapTableError::QuotaExceeded);
                        assert!(models[dst].quota - models[dst].used() < n);
                        continue;
                    }
                };
                // Expected: the first bad id's error, then duplicate moves.
                let mut expected: Result<(), Option<CapTableError>> = Ok(());
                for &(id, _) in &items {
                    match models[t].expect(id) {
                        Some(Ok(_)) => {}
                        Some(Err(e)) => {
                            expected = Err(Some(e));
                            break;
                        }
                        None => {
                            expected = Err(None);
                            break;
                        }
                    }
                }
                let dup = items.iter().enumerate().any(|(i, a)| {
                    a.1 == TransferKind::Move && items.iter().enumerate().any(|(j, b)| i != j && a.0 == b.0)
                });
                if expected.is_ok() && dup {
                    expected = Err(Some(CapTableError::DuplicateMove));
                }
                let before = tables[t].iter().map(|(id, v)| (id, *v)).collect::<Vec<_>>();
                match (expected, tables[t].prepare(&items)) {
                    (Ok(()), Ok(prepared)) => {
                        assert_eq!(prepared.len(), n);
                        let items: Vec<_> =
                            items.iter().map(|&(id, k)| (id, k, models[t].live[&id])).collect();
                        let seen: Vec<_> = prepared.iter().map(|(id, k, v)| (id, k, *v)).collect();
                        assert_eq!(seen, items);
                        for &(id, kind, v) in &items {
                            if kind == TransferKind::Move {
                                models[t].live.remove(&id);
                                models[t].in_transfer.insert(id, v);
                            }
                        }
                        pending = Some(Pending { src: t, dst, reservation, prepared, items });
                    }
                    (Err(expected), Err(e)) => {
                        if let Some(expected) = expected {
                            assert_eq!(e, expected, "prepare {items:?}");
                        }
                        let after = tables[t].iter().map(|(id, v)| (id, *v)).collect::<Vec<_>>();
                        assert_eq!(before, after, "a failed prepare changes nothing");
                        tables[dst].cancel_reservation(reservation).unwrap();
                        models[dst].reserved -= n;
                    }
                    (expected, got) => {
                        panic!("prepare {items:?}: expected {expected:?}, got {:?}", got.map(|p| p.len()))
                    }
                }
            }
            4 | 5 => {
                let Some(p) = pending.take() else { continue };
                let n = p.items.len();
                let ids = if p.src == p.dst {
                    tables[p.src].commit_local(p.prepared, p.reservation).unwrap()
                } else {
                    let (src, dst) = two(&mut tables, p.src);
                    CapTable::commit(src, dst, p.prepared, p.reservation).unwrap()
                };
                assert_eq!(ids.len(), n);
                models[p.dst].reserved -= n;
                for (id, kind, _) in &p.items {
                    if *kind == TransferKind::Move {
                        models[p.src].in_transfer.remove(id);
                        models[p.src].dead.insert(*id);
                    }
                }
                for (new, (_, _, v)) in ids.into_iter().zip(p.items) {
                    models[p.dst].issued(new, v);
                }
            }
            6 => {
                let Some(p) = pending.take() else { continue };
                tables[p.src].rollback(p.prepared).unwrap();
                tables[p.dst].cancel_reservation(p.reservation).unwrap();
                models[p.dst].reserved -= p.items.len();
                for (id, kind, v) in p.items {
                    if kind == TransferKind::Move {
                        models[p.src].in_transfer.remove(&id);
                        models[p.src].live.insert(id, v);
                    }
                }
            }
            7 => {
                // Misuse: tokens on the wrong table come back unchanged.
                let Some(mut p) = pending.take() else { continue };
                if p.src != p.dst {
                    let e = tables[p.dst].rollback(p.prepared).unwrap_err();
                    assert_eq!(e.error, CapTableError::WrongTable);
                    p.prepared = e.token;
                    let e = tables[p.src].cancel_reservation(p.reservation).unwrap_err();
                    assert_eq!(e.error, CapTableError::WrongTable);
                    p.reservation = e.token;
                    let (dst, src) = two(&mut tables, p.dst);
                    let e = CapTable::commit(dst, src, p.prepared, p.reservation).unwrap_err();
                    assert_eq!(e.error, CapTableError::WrongTable);
                    (p.prepared, p.reservation) = e.token;
                    let e = tables[p.src].commit_local(p.prepared, p.reservation).unwrap_err();
                    assert_eq!(e.error, CapTableError::WrongTable);
                    (p.prepared, p.reservation) = e.token;
                }
                pending = Some(p);
            }
            _ => {}
        }
        models[0].check(&tables[0]);
        models[1].check(&tables[1]);
    }
    // Leftover transfer: roll it back; everything must still be consistent.
    if let Some(p) = pending.take() {
        tables[p.src].rollback(p.prepared).unwrap();
        tables[p.dst].cancel_reservation(p.reservation).unwrap();
        for t in &tables {
            t.check_invariants().unwrap();
        }
    }
});
