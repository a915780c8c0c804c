//! Processes: an address space, a capability table, a ring, threads, and
//! how the process ended.
//!
//! A process ends by `exit`, by a CPU fault in user mode, or by
//! `ProcessHandle.kill`; when init ends, every other process is ended too
//! (killed), so nothing outlives the process that started it all and the
//! kernel can report and power off. Ending releases everything at once — threads leave
//! the scheduler, caps are dropped, every frame of the address space goes
//! back to the allocator — and completes the `wait` calls of its handles.
//! The `Process` value itself stays while handles refer to it, so its exit
//! status can still be read.

use alloc::string::String;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering};
use spin::Mutex;

use crate::cap::ring::Ring;
use crate::cap::table::CapTable;
use crate::cap::{CapRef, PendingCall};
use crate::mem::address_space::AddressSpace;
use crate::thread::{Thread, ThreadState};
use capos_abi::error::CapError;

pub use capos_abi::process::ExitStatus;

/// Resource limits of a process.
#[derive(Debug, Clone, Copy)]
pub struct Quotas {
    /// Most frames its address space may use (pages and page tables).
    pub frames: usize,
    /// Most capability slots.
    pub cap_slots: u16,
}

impl Quotas {
    /// Defaults for services that do not say otherwise.
    pub const DEFAULT: Self = Self { frames: 16 * 1024, cap_slots: capos_abi::process::DEFAULT_CAP_SLOTS };
}

/// Everything behind the process lock.
pub struct ProcessInner {
    /// The address space (`None` once the process ended).
    pub space: Option<AddressSpace>,
    /// Capabilities.
    pub caps: CapTable,
    /// The ring's kernel-side state (`None` once the process ended).
    pub ring: Option<Ring>,
    /// Threads.
    pub threads: Vec<Arc<Thread>>,
    /// Set once the process ended.
    pub exit: Option<ExitStatus>,
    /// `ProcessHandle.wait` calls to complete when it ends.
    pub exit_waiters: Vec<PendingCall>,
    /// Memory objects mapped into the address space (`VirtualMemory.mapObject`),
    /// with where: their frames are borrowed by the mappings, so they stay
    /// alive until unmapped or until the address space is gone.
    pub mapped_objects: Vec<(u64, u64, CapRef)>,
    /// Endpoint calls made and not yet answered.
    pub endpoint_calls: u32,
    /// The part of its spawner's memory quota this process's limit was
    /// carved from (`None` for init); given back when it ends.
    pub carve: Option<Carve>,
    /// Its parent once it ended (the carve, which named it, is given
    /// back then): a zombie is still its parent's child (`setpgid`,
    /// `kill`'s authority).
    pub ended_parent: Weak<Process>,
    /// The processes it started (pruned of ended ones at each spawn); they
    /// are killed when it ends.
    pub children: Vec<Weak<Process>>,
    /// Job control (`crate::signal::stop`): how many times it stopped,
    /// continued or ended so far.
    pub job_changes: u64,
    /// The signal that stopped it while it is stopped; 0 while it runs.
    pub stop_signal: u8,
    /// `ProcessHandle.jobState` calls to complete at the next change.
    pub job_waiters: Vec<PendingCall>,
}

/// Frames carved out of a spawner's memory quota for a child's limit,
/// given back when dropped (the child ended, or never started).
pub struct Carve {
    parent: Weak<Process>,
    frames: usize,
}

impl Carve {
    /// Takes `frames` out of `parent`'s quota, or `QuotaExceeded` if it has
    /// fewer left.
    pub fn take(parent: &Arc<Process>, frames: usize) -> Result<Self, CapError> {
        let mut inner = parent.inner.lock();
        let space = inner.space.as_mut().ok_or(CapError::Cancelled)?;
        if !space.carve(frames) {
            return Err(CapError::QuotaExceeded);
        }
        Ok(Self { parent: Arc::downgrade(parent), frames })
    }
}

impl Drop for Carve {
    // Takes the parent's lock: never dropped while it is held (a child's
    // carve is dropped by its own `terminate`, outside every lock).
    fn drop(&mut self) {
        if let Some(parent) = self.parent.upgrade()
            && let Some(space) = parent.inner.lock().space.as_mut()
        {
            space.give_back(self.frames);
        }
    }
}

/// The lock of a process's mutable state: a spin lock whose acquisitions
/// the `profile` feature counts (`crate::profile`).
pub struct ProcessLock(Mutex<ProcessInner>);

impl ProcessLock {
    fn new(inner: ProcessInner) -> Self {
        Self(Mutex::new(inner))
    }

    /// Takes the lock (spins while another holder has it).
    #[inline(always)]
    pub fn lock(&self) -> spin::MutexGuard<'_, ProcessInner> {
        crate::profile::count(capos_abi::profile::Counter::ProcessLocks);
        self.0.lock()
    }
}

/// A process.
pub struct Process {
    /// Process id, unique for the kernel's life.
    pub pid: u64,
    /// Name (the binary's name).
    pub name: String,
    /// Everything mutable.
    pub inner: ProcessLock,
    /// Which image runs: `exec` moves it on, and a call pending from an
    /// earlier image is dropped instead of completed (its buffers were in
    /// the old address space; its CQE would mean nothing in the new ring).
    pub epoch: AtomicU64,
    /// Signals sent and not yet delivered (bit `n - 1` for signal `n`),
    /// read without a lock on every return to user mode.
    pub pending: AtomicU64,
    /// Signal actions, process group, session, alarm (`crate::signal`).
    pub signals: Mutex<crate::signal::SignalState>,
    /// Where the runtime says it cannot take a handler now
    /// (`capos_abi::signal::op::DEFER`; 0: nowhere).
    pub signal_defer: AtomicU64,
    /// Made by `fork` (a POSIX child): when its parent ends first it is
    /// handed to the grandparent instead of ended with it.
    pub forked: core::sync::atomic::AtomicBool,
    /// The kernel memory it caused (`mem::kmem_quota`): its own account,
    /// carved out of its spawner's, or its forking parent's.
    pub kmem: Arc<crate::mem::kmem_quota::Account>,
    /// What it is charged for as long as it exists (`kmem_quota::charge_process`).
    _kmem_charge: crate::mem::kmem_quota::Charge,
    /// Set (under the lock) when `inner.exit` is: whether it ended, read
    /// without the lock on every syscall and return to user mode.
    ended: core::sync::atomic::AtomicBool,
    /// Stopped by a stop signal (`crate::signal`): its threads stay off
    /// the CPU at their next return to user mode until `SIGCONT` (or the
    /// end). Read without a lock on every return to user mode.
    pub stopped: core::sync::atomic::AtomicBool,
    /// An orphan handed to its grandparent (`hand_over`). For POSIX it is
    /// init's child, as on Linux: `getppid` is 1, and its end, stops and
    /// continues send no `SIGCHLD` to the grandparent, which cannot wait
    /// for it either (it holds no handle on it) (`posix_parent`).
    pub adopted: core::sync::atomic::AtomicBool,
    /// TSC cycles of CPU its threads used in their finished turns
    /// (`crate::cpu_time`; `exec` keeps them).
    pub cpu_cycles: AtomicU64,
    /// TSC cycles its ended children used, theirs included.
    pub children_cycles: AtomicU64,
}

/// Pids and thread ids come from one count (as Linux's task ids), so a
/// thread id names one thread of the whole system and a process's first
/// thread can take the pid as its id.
static NEXT_PID: AtomicU64 = AtomicU64::new(1);

/// A new pid or thread id (never reused).
pub fn next_id() -> u64 {
    NEXT_PID.fetch_add(1, Ordering::Relaxed)
}

/// The pid of init, the first process.
const INIT_PID: u64 = 1;
/// How init ended, once it has.
static INIT_EXIT: Mutex<Option<ExitStatus>> = Mutex::new(None);

/// How init ended (`None` while it runs or if it never started).
// Only the normal kernel powers off; the ktest build does not.
#[cfg_attr(feature = "ktest", allow(dead_code))]
pub fn init_exit_status() -> Option<ExitStatus> {
    *INIT_EXIT.lock()
}
/// Every process not yet released, by pid (in pid order: pids only grow),
/// and whether it is live. An ended process stays (a zombie, `live`
/// false) until its last reference goes — its parent's `ProcessHandle`:
/// the parent reaped it, or ended — so its process group still exists for
/// `setpgid` and `tcsetpgrp`, as POSIX has it. A vector, so that adding
/// one can fail (`OutOfMemory`) instead of panicking. Never upgraded under
/// the lock unless the strong references leave it with the caller:
/// dropping the last one takes the lock (`Drop for Process`).
static PROCESSES: Mutex<Vec<(u64, Entry)>> = Mutex::new(Vec::new());

struct Entry {
    process: Weak<Process>,
    live: bool,
}

/// Removes `pid` from the table (no effect if absent).
pub(crate) fn unlist(pid: u64) {
    let mut table = PROCESSES.lock();
    if let Some(at) = table.iter().position(|(p, _)| *p == pid) {
        table.remove(at);
    }
}

impl Process {
    /// Ends a cap transfer of this process (`CapTable::finish_transfer`)
    /// and drops the caps it released once the process lock is released:
    /// the last reference of an object may complete a call of this very
    /// process, which takes the lock again.
    pub fn finish_transfer(
        &self,
        prepared: capos_lib::cap_table::Prepared<crate::cap::CapRef>,
        accepted: bool,
    ) {
        // A transfer of no caps changes nothing: no lock to take.
        if prepared.is_empty() {
            return;
        }
        let released = self.inner.lock().caps.finish_transfer(prepared, accepted);
        drop(released);
    }

    /// A new process with an empty cap table, registered in the table of
    /// live processes. Its address space, ring and threads are set up by
    /// `spawn`.
    /// It leads a process group of its own in its spawner's session (init
    /// starts both); `fork` then puts a child in its parent's group.
    ///
    /// It is charged to `kmem` (its own account or, forked, its parent's)
    /// for as long as it exists: `QuotaExceeded` if `kmem` has no room for
    /// it and its first thread. `OutOfMemory` when the kernel heap has no
    /// room for it or for its entry in the table of live processes
    /// (`space` and `carve` are then given back).
    pub fn new(
        name: &str,
        space: AddressSpace,
        quotas: Quotas,
        carve: Option<Carve>,
        kmem: Arc<crate::mem::kmem_quota::Account>,
    ) -> Result<Arc<Self>, CapError> {
        let kmem_charge = crate::mem::kmem_quota::charge_process(&kmem, quotas.cap_slots)?;
        let mut owned_name = String::new();
        owned_name.try_reserve_exact(name.len()).map_err(|_| CapError::OutOfMemory)?;
        owned_name.push_str(name);
        let pid = next_id();
        let sid =
            carve.as_ref().and_then(|c| c.parent.upgrade()).map_or(pid, |parent| parent.signals.lock().sid);
        let pgid = pid;
        let process = Arc::try_new(Self {
            pid,
            name: owned_name,
            epoch: AtomicU64::new(0),
            pending: AtomicU64::new(0),
            signal_defer: AtomicU64::new(0),
            forked: core::sync::atomic::AtomicBool::new(false),
            stopped: core::sync::atomic::AtomicBool::new(false),
            ended: core::sync::atomic::AtomicBool::new(false),
            adopted: core::sync::atomic::AtomicBool::new(false),
            cpu_cycles: AtomicU64::new(0),
            children_cycles: AtomicU64::new(0),
            signals: Mutex::new(crate::signal::SignalState::new(pgid, sid)),
            kmem,
            _kmem_charge: kmem_charge,
            inner: ProcessLock::new(ProcessInner {
                space: Some(space),
                caps: CapTable::new(quotas.cap_slots),
                ring: None,
                threads: Vec::new(),
                exit: None,
                exit_waiters: Vec::new(),
                mapped_objects: Vec::new(),
                endpoint_calls: 0,
                carve,
                ended_parent: Weak::new(),
                children: Vec::new(),
                job_changes: 0,
                stop_signal: 0,
                job_waiters: Vec::new(),
            }),
        })
        .map_err(|_| CapError::OutOfMemory)?;
        {
            let mut table = PROCESSES.lock();
            table.try_reserve(1).map_err(|_| CapError::OutOfMemory)?;
            table.push((process.pid, Entry { process: Arc::downgrade(&process), live: true }));
        }
        // Left in `end`: the last process of the account to end gives
        // back what it does not still hold.
        process.kmem.join();
        Ok(process)
    }

    /// The process that started it (its memory limit was carved out of
    /// that one's), while it runs and as a zombie; `None` for init.
    pub fn parent(&self) -> Option<Arc<Process>> {
        let inner = self.inner.lock();
        match inner.carve.as_ref() {
            Some(c) => c.parent.upgrade(),
            None => inner.ended_parent.upgrade(),
        }
    }

    /// Its parent as POSIX sees it: [`parent`](Self::parent), but `None`
    /// for an adopted orphan (init's child for POSIX; see `adopted`).
    pub fn posix_parent(&self) -> Option<Arc<Process>> {
        if self.adopted.load(Ordering::Acquire) { None } else { self.parent() }
    }

    /// `getppid`: the parent's pid; 1 (init) for an adopted orphan, 0 for
    /// init.
    pub fn posix_ppid(&self) -> u64 {
        if self.adopted.load(Ordering::Acquire) { INIT_PID } else { self.parent().map_or(0, |p| p.pid) }
    }

    /// Switches to this process's address space if it is not active.
    pub fn activate_address_space(&self) {
        if let Some(space) = self.inner.lock().space.as_ref()
            && !space.is_active()
        {
            space.activate();
        }
    }

    /// Its first thread, while it runs.
    pub fn first_thread(&self) -> Option<Arc<Thread>> {
        self.inner.lock().threads.first().cloned()
    }

    /// How it ended, or `None` while it runs.
    pub fn exit_status(&self) -> Option<ExitStatus> {
        self.inner.lock().exit
    }

    /// Whether it ended (`exit_status().is_some()` without the lock).
    pub fn has_ended(&self) -> bool {
        self.ended.load(Ordering::Acquire)
    }

    /// Ends the process with `status` (no effect if it already ended).
    /// If the running thread belongs to it, the caller must then leave
    /// through `sched::exit_current`.
    ///
    /// Every process it spawned that still runs is killed too, and theirs
    /// in turn (a forked child is handed to this process's parent instead,
    /// as POSIX reparents orphans) (iteratively: a chain of processes cannot overflow the
    /// kernel stack), so its quotas go back whole: a child's memory limit
    /// was carved out of this process's, and its children out of its own.
    pub fn terminate(self: &Arc<Self>, status: ExitStatus) {
        let mut children = self.end(status);
        // Depth first over the tree below, one process at a time: each
        // `end` hands back that process's own list of children.
        let mut stack: Vec<Vec<Weak<Process>>> = Vec::new();
        loop {
            let Some(child) = children.pop() else {
                match stack.pop() {
                    Some(next) => {
                        children = next;
                        continue;
                    }
                    None => break,
                }
            };
            let Some(child) = child.upgrade() else { continue };
            let grandchildren = child.end(ExitStatus::Killed);
            if grandchildren.is_empty() {
                continue;
            }
            if stack.try_reserve(1).is_err() {
                // No memory to keep the rest of this level: kill the
                // grandchildren's subtree first (bounded by the process
                // limit, it ends), then carry on with this level.
                for grandchild in grandchildren.iter().filter_map(Weak::upgrade) {
                    grandchild.terminate(ExitStatus::Killed);
                }
                continue;
            }
            stack.push(core::mem::replace(&mut children, grandchildren));
        }
    }

    /// Ends this process alone; returns the processes it started, for
    /// `terminate` to kill.
    fn end(self: &Arc<Self>, status: ExitStatus) -> Vec<Weak<Process>> {
        let (threads, caps, space, ring, waiters, mapped, carve, children, parent, job_waiters) = {
            let mut inner = self.inner.lock();
            if inner.exit.is_some() {
                return Vec::new();
            }
            inner.exit = Some(status);
            self.ended.store(true, Ordering::Release);
            inner.job_changes += 1;
            inner.stop_signal = 0;
            self.stopped.store(false, Ordering::Release);
            if self.pid == INIT_PID {
                *INIT_EXIT.lock() = Some(status);
            }
            let parent = inner.carve.as_ref().and_then(|c| c.parent.upgrade());
            inner.ended_parent = parent.as_ref().map_or_else(Weak::new, Arc::downgrade);
            (
                core::mem::take(&mut inner.threads),
                inner.caps.take_all(),
                inner.space.take(),
                inner.ring.take(),
                core::mem::take(&mut inner.exit_waiters),
                core::mem::take(&mut inner.mapped_objects),
                inner.carve.take(),
                core::mem::take(&mut inner.children),
                parent,
                (inner.job_changes, core::mem::take(&mut inner.job_waiters)),
            )
        };
        crate::cpu_time::on_end(self, parent.as_deref());
        for thread in &threads {
            // A thread off the CPU inside a syscall (blocked in `cap_enter`,
            // woken from it but not yet run, or in `yield`) holds
            // references on its kernel stack, its own `Arc<Thread>` among
            // them: let it run once more so it unwinds and leaves through
            // `sched::exit_current` (the syscall path sees the process has
            // ended and never returns to user mode). Retired at once, it
            // would keep itself, its process and its stack alive for good.
            // A thread preempted in user mode, and the running one, have
            // nothing on their stacks to release and are retired at once.
            // A thread held off the CPU by a stop signal waits inside its
            // return to user mode, with the same references.
            let held = thread.in_syscall() || thread.state() == ThreadState::Stopped;
            if held && thread.state() != ThreadState::Running {
                crate::sched::make_ready(thread.clone());
            } else {
                crate::sched::retire(thread);
            }
        }
        // Dropping these releases caps (and whatever only they kept alive)
        // and every frame of the address space.
        drop(caps);
        drop(ring);
        let pool = space.as_ref().map(|s| s.pool().clone());
        drop(space);
        // Only now that no page maps them may borrowed frames go.
        drop(mapped);
        // Forked children live on, handed to its parent; the rest end.
        let orphan_groups = crate::signal::groups_of(&children);
        let mut carve = carve;
        let children = self.hand_over(children, parent.as_ref(), &mut carve, pool);
        // Its memory limit goes back to its spawner (less what stays lent
        // to the children handed over), and so does the kernel memory it
        // no longer holds once no forked process shares its account.
        drop(carve);
        self.kmem.leave();
        // No longer live; a zombie in the table until released.
        if let Some((_, entry)) = PROCESSES.lock().iter_mut().find(|(p, _)| *p == self.pid) {
            entry.live = false;
        }
        crate::cap::park::forget_process(self.pid);
        crate::cap::timer::forget_process(self);
        crate::cap::terminal_session::forget_process(self);
        log::info!("process {} ({}) ended: {status}", self.pid, self.name);
        for waiter in waiters {
            waiter.complete(crate::cap::process_spawner::exit_status_reply(status));
        }
        let (changes, job_waiters) = job_waiters;
        for waiter in job_waiters {
            waiter.complete(crate::cap::process_spawner::job_state_reply(changes, 0, true));
        }
        // An adopted orphan is init's child for POSIX: no link to its
        // grandparent's group, no SIGCHLD for it.
        let parent = parent.filter(|_| !self.adopted.load(Ordering::Acquire));
        crate::signal::after_end(self, parent.as_ref(), orphan_groups);
        if let Some(parent) = parent {
            crate::signal::child_ended(&parent, self.pid, status);
        }
        if self.pid == INIT_PID {
            end_all_others();
        }
        children
    }
}

impl Process {
    /// POSIX orphans: every live forked child in `children` becomes a
    /// child of `adopter` (this process's parent). Forked children take
    /// their frames from this process's pool (`address_space::FramePool`),
    /// so the memory its limit was carved from stays lent while they live:
    /// `carve` moves into the pool, given back to whoever it was carved
    /// from when the pool's last address space goes. Returns the children
    /// to end (spawned ones, and all of them when there is no live adopter
    /// or no memory to record the move).
    fn hand_over(
        &self,
        children: Vec<Weak<Process>>,
        adopter: Option<&Arc<Process>>,
        carve: &mut Option<Carve>,
        pool: Option<Arc<crate::mem::address_space::FramePool>>,
    ) -> Vec<Weak<Process>> {
        let Some(adopter) = adopter.filter(|a| a.exit_status().is_none()) else { return children };
        let orphans = children.iter().filter_map(Weak::upgrade).any(|c| c.forked.load(Ordering::Acquire));
        if orphans
            && let Some(pool) = pool.as_ref()
            && let Some(own) = carve.take()
            && let Err(own) = pool.keep_until_unused(own)
        {
            // No room to keep it: the orphans end with this process.
            *carve = Some(own);
            return children;
        }
        let mut end = Vec::new();
        let _ = end.try_reserve(children.len());
        for weak in children {
            let Some(child) = weak.upgrade() else { continue };
            let orphan = child.forked.load(Ordering::Acquire) && child.exit_status().is_none();
            let room = orphan && adopter.inner.lock().children.try_reserve(1).is_ok();
            if !room {
                end.push(weak);
                continue;
            }
            // A forked child's carve holds no frames (its limit is the
            // shared pool); it names the parent, now the adopter.
            if let Some(c) = child.inner.lock().carve.as_mut() {
                c.parent = Arc::downgrade(adopter);
            }
            child.adopted.store(true, Ordering::Release);
            adopter.inner.lock().children.push(weak);
        }
        end
    }
}

/// Init has ended: kills every process still running (services init did
/// not stop, children that outlived their parents), as `ProcessHandle.kill`
/// would.
fn end_all_others() {
    let count = live_count();
    if count > 0 {
        log::info!("init ended: killing the {count} processes still running");
    }
    // One at a time, without allocating: `terminate` takes the table's
    // lock itself and removes the process from it. Bounded by the count,
    // in case one stayed.
    for _ in 0..count {
        let next = PROCESSES.lock().iter().filter(|(_, e)| e.live).find_map(|(_, e)| e.process.upgrade());
        let Some(process) = next else { break };
        process.terminate(ExitStatus::Killed);
    }
}

/// The live process with id `pid`.
pub fn by_pid(pid: u64) -> Option<Arc<Process>> {
    let table = PROCESSES.lock();
    table.iter().find(|(p, e)| *p == pid && e.live).and_then(|(_, e)| e.process.upgrade())
}

/// The process with id `pid` not yet released: live, or a zombie.
pub fn by_pid_with_zombies(pid: u64) -> Option<Arc<Process>> {
    let table = PROCESSES.lock();
    table.iter().find(|(p, _)| *p == pid).and_then(|(_, e)| e.process.upgrade())
}

/// Every live process; `OutOfMemory` if the
/// kernel has no room for the list.
pub fn live() -> Result<Vec<Arc<Process>>, CapError> {
    processes(false)
}

/// Every process not yet released: the live ones and the zombies (ended,
/// not yet reaped); `OutOfMemory` if the kernel has no room for the list.
pub fn with_zombies() -> Result<Vec<Arc<Process>>, CapError> {
    processes(true)
}

fn processes(zombies: bool) -> Result<Vec<Arc<Process>>, CapError> {
    let table = PROCESSES.lock();
    let mut all = Vec::new();
    all.try_reserve(table.len()).map_err(|_| CapError::OutOfMemory)?;
    all.extend(table.iter().filter(|(_, e)| zombies || e.live).filter_map(|(_, e)| e.process.upgrade()));
    Ok(all)
}

/// Number of live processes.
pub fn live_count() -> usize {
    PROCESSES.lock().iter().filter(|(_, e)| e.live).count()
}

impl Drop for Process {
    fn drop(&mut self) {
        unlist(self.pid);
    }
}
