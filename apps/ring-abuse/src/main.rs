//! `ring-abuse`: hostile input against the kernel's ring and caps. Each
//! case submits something malformed and checks that it gets the expected
//! typed error (or, for whole-ring corruption, that `cap_enter` refuses),
//! and that the ring keeps working afterwards. It prints one line per case
//! and a summary `ring-abuse: N passed, M failed`, spawns `hello` to show
//! the system still works, and exits with the number of failed cases.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use capos::prelude::*;
use capos::rt::ring::with_ring;
use capos::schema::{interface_id, method};
use capos_config::ring::{
    Cqe, MAX_PARAMS_LEN, Opcode, SQ_ENTRIES, Sqe, TransferDescriptor, TransferMode, cqe_flags, header,
};

mod kernel_memory;

capos::entry_point!(main);

struct Cases<'a> {
    console: &'a Console,
    passed: u32,
    failed: u32,
}

impl Cases<'_> {
    fn check(&mut self, name: &str, ok: bool, detail: String) {
        if ok {
            self.passed += 1;
        } else {
            self.failed += 1;
        }
        let verdict = if ok { "ok" } else { "FAILED" };
        let _ = self.console.line(&format!("ring-abuse: {name} ... {verdict} ({detail})"));
    }

    /// Submits `sqe` and checks its completion carries `want`.
    fn expect_error(&mut self, name: &str, mut sqe: Sqe, want: CapError) -> Option<Cqe> {
        let cqe = raw(&mut sqe);
        let got = cqe.and_then(|c| c.error_code());
        self.check(name, got == Some(want), format!("want {want:?}, got {got:?}"));
        cqe
    }
}

/// Submits one SQE and waits for its completion.
fn raw(sqe: &mut Sqe) -> Option<Cqe> {
    with_ring(|ring| {
        sqe.user_data = ring.next_user_data();
        ring.submit(sqe).ok()?;
        ring.wait_for(sqe.user_data).ok()
    })
    .ok()
    .flatten()
}

fn call_sqe(cap: u32, iface: u64, method: u16, params: &[u8], result: &mut [u8]) -> Sqe {
    Sqe {
        opcode: Opcode::Call as u8,
        cap,
        method,
        interface_id: iface,
        params_addr: params.as_ptr() as u64,
        params_len: params.len() as u32,
        result_addr: result.as_mut_ptr() as u64,
        result_len: result.len() as u32,
        ..Sqe::default()
    }
}

/// A valid, empty params message (a root pointer to an empty struct).
fn empty_params() -> Vec<u8> {
    let mut m = capos::call::Builder::new_default();
    m.init_root::<capos::schema::timer::now_params::Builder<'_>>();
    capnp_words(&m)
}

fn capnp_words(m: &capos::call::Builder) -> Vec<u8> {
    capos::capnp::serialize::write_message_to_words(m)
}

fn main(caps: Caps) -> i32 {
    match caps.args().nth(1) {
        Some("yield-threads") => yield_forever(),
        Some("spin") => spin_forever(),
        Some("alarm-spin") => alarm_and_spin(),
        Some("thread-limit") => return threads_to_the_limit(),
        Some("send-and-die") => return send_and_die(&caps),
        Some("kernel-memory-notices") => return kernel_memory::child(&caps, false),
        Some("kernel-memory-calls") => return kernel_memory::child(&caps, true),
        _ => {}
    }
    let Ok(console) = Console::from_caps(&caps, "console") else { return 100 };
    let mut cases = Cases { console: &console, passed: 0, failed: 0 };
    run(&caps, &mut cases);
    let _ = console.line(&format!("ring-abuse: {} passed, {} failed", cases.passed, cases.failed));
    if let Ok(spawner) = ProcessSpawner::from_caps(&caps, "processSpawner") {
        let grants = [Grant::cap("console", console.id())];
        match spawner.spawn("hello", &["after the abuse"], &[], &grants).and_then(|(h, _)| h.wait()) {
            Ok(status) => {
                let _ = console.line(&format!("ring-abuse: a later app ran: {status:?}"));
            }
            Err(e) => {
                let _ = console.line(&format!("ring-abuse: a later app failed to run: {e}"));
                return 100;
            }
        }
    }
    cases.failed as i32
}

fn run(caps: &Caps, c: &mut Cases<'_>) {
    let console = c.console.id();
    let Ok(timer) = Timer::from_caps(caps, "timer") else {
        c.check("setup", false, String::from("no timer cap"));
        return;
    };
    let params = empty_params();
    let mut result = [0u8; 256];

    syscall_registers(c);

    // exec with a request the kernel must refuse (the process goes on).
    let junk = [0u8; 64];
    let args = *b"x\0";
    for (what, request, want) in [
        ("exec of a request in kernel memory", [0u64; 6], CapError::BadAddress),
        (
            "exec of an image that is not ELF",
            [junk.as_ptr() as u64, 64, args.as_ptr() as u64, 2, 0, 0],
            CapError::InvalidArgument,
        ),
        (
            "exec of a 1 TiB image",
            [junk.as_ptr() as u64, 1 << 40, args.as_ptr() as u64, 2, 0, 0],
            CapError::TooLarge,
        ),
    ] {
        let address = if request[0] == 0 { 0xffff_8000_0000_0000 } else { request.as_ptr() as u64 };
        let got = capos::syscall::exec(address);
        let want_code = i64::from(want.as_result());
        c.check(what, got == want_code, format!("want {want:?}, got {got}"));
    }

    // set_fs_base outside user memory.
    let invalid = i64::from(CapError::InvalidArgument.as_result());
    for (what, address) in
        [("kernel-half", 0xffff_8000_0000_0000u64), ("non-canonical", 1 << 47), ("null page", 0x1000)]
    {
        let got = capos::syscall::set_fs_base(address);
        c.check(
            &format!("set_fs_base to a {what} address"),
            got == invalid,
            format!("want {invalid}, got {got}"),
        );
    }

    // Malformed SQEs.
    c.expect_error("unknown opcode", Sqe { opcode: 200, ..Sqe::default() }, CapError::UnknownOpcode);
    c.expect_error("reserved flag bits", Sqe { flags: 0x80, ..Sqe::default() }, CapError::InvalidFlags);
    c.expect_error("reserved field", Sqe { reserved: 7, ..Sqe::default() }, CapError::ReservedNotZero);
    c.expect_error("nop naming a cap", Sqe { cap: console, ..Sqe::default() }, CapError::ReservedNotZero);
    c.expect_error(
        "RECV on a cap that is not an endpoint",
        Sqe { opcode: Opcode::Recv as u8, cap: console, ..Sqe::default() },
        CapError::WrongInterface,
    );
    c.expect_error(
        "PARK on a misaligned word",
        Sqe { opcode: Opcode::Park as u8, params_addr: 0x6000_0000_0002, ..Sqe::default() },
        CapError::InvalidArgument,
    );
    c.expect_error(
        "PARK on kernel memory",
        Sqe { opcode: Opcode::Park as u8, params_addr: 0xffff_8000_0010_0000, ..Sqe::default() },
        CapError::BadAddress,
    );

    // Bad and stale cap ids, wrong interfaces and methods.
    c.expect_error(
        "bad cap id",
        call_sqe(0x0005_0033, interface_id::TIMER, method::timer::NOW, &params, &mut result),
        CapError::InvalidCap,
    );
    c.expect_error(
        "generation 0",
        call_sqe(timer.id() & 0xffff, interface_id::TIMER, method::timer::NOW, &params, &mut result),
        CapError::InvalidCap,
    );
    c.expect_error(
        "wrong interface",
        call_sqe(timer.id(), interface_id::CONSOLE, method::console::WRITE, &params, &mut result),
        CapError::WrongInterface,
    );
    c.expect_error(
        "unknown method",
        call_sqe(timer.id(), interface_id::TIMER, 77, &params, &mut result),
        CapError::UnknownMethod,
    );
    match FrameAllocator::from_caps(caps, "frameAllocator")
        .map_err(capos::Error::from)
        .and_then(|fa| Ok(fa.allocate(1)?))
    {
        Ok(memory) => {
            let id = memory.id();
            let released = memory.release();
            c.check("release", released.is_ok(), format!("{released:?}"));
            c.expect_error(
                "stale cap id",
                call_sqe(id, interface_id::MEMORY_OBJECT, method::memory_object::SIZE, &params, &mut result),
                CapError::StaleCap,
            );
            c.expect_error(
                "release twice",
                Sqe { opcode: Opcode::Release as u8, cap: id, ..Sqe::default() },
                CapError::StaleCap,
            );
        }
        Err(e) => c.check("stale cap id", false, format!("cannot allocate a memory object: {e}")),
    }

    // Buffers that are not the caller's memory.
    let mut bad = call_sqe(timer.id(), interface_id::TIMER, method::timer::NOW, &params, &mut result);
    bad.params_addr = 0xffff_8000_0010_0000;
    c.expect_error("params in kernel memory", bad, CapError::BadAddress);
    bad.params_addr = 0x5555_0000_0000;
    c.expect_error("params unmapped", bad, CapError::BadAddress);
    bad.params_addr = 0x0000_7fff_ffff_f800;
    bad.params_len = 0x1000;
    c.expect_error("params across the user/kernel boundary", bad, CapError::BadAddress);
    bad.params_addr = 0;
    bad.params_len = 8;
    c.expect_error("params at null", bad, CapError::BadAddress);
    let mut to_kernel = call_sqe(timer.id(), interface_id::TIMER, method::timer::NOW, &params, &mut result);
    to_kernel.result_addr = 0xffff_ffff_8010_0000;
    c.expect_error("result into kernel memory", to_kernel, CapError::BadAddress);
    let mut to_readonly = call_sqe(timer.id(), interface_id::TIMER, method::timer::NOW, &params, &mut result);
    to_readonly.result_addr = capos_abi::layout::BOOTSTRAP_ADDR;
    c.expect_error("result into read-only memory", to_readonly, CapError::BadAddress);
    let mut caps_bad = call_sqe(timer.id(), interface_id::TIMER, method::timer::NOW, &params, &mut result);
    caps_bad.caps_out = 1;
    caps_bad.caps_addr = 0xffff_8000_0000_0000;
    c.expect_error("transfer list in kernel memory", caps_bad, CapError::BadAddress);

    // Oversized and malformed.
    let mut big = call_sqe(timer.id(), interface_id::TIMER, method::timer::NOW, &params, &mut result);
    big.params_len = MAX_PARAMS_LEN + 1;
    c.expect_error("oversized params", big, CapError::TooLarge);
    let garbage = [0xffu8; 64];
    c.expect_error(
        "garbage params",
        call_sqe(timer.id(), interface_id::TIMER, method::timer::NOW, &garbage, &mut result),
        CapError::MalformedParams,
    );
    let mut tiny = [0u8; 8];
    if let Some(cqe) = c.expect_error(
        "result buffer too small",
        call_sqe(timer.id(), interface_id::TIMER, method::timer::NOW, &params, &mut tiny),
        CapError::ResultTooSmall,
    ) {
        let ok = cqe.flags & cqe_flags::RESULT_TRUNCATED != 0 && cqe.aux > 8;
        c.check("needed size reported", ok, format!("flags {:#x}, aux {}", cqe.flags, cqe.aux));
    }
    let long_text: String = core::iter::repeat_n('x', 5000).collect();
    let mut m = capos::call::Builder::new_default();
    m.init_root::<capos::schema::console::write_params::Builder<'_>>().set_text(long_text.as_str());
    let long_params = capnp_words(&m);
    c.expect_error(
        "console write of 5000 bytes in one call",
        call_sqe(console, interface_id::CONSOLE, method::console::WRITE, &long_params, &mut result),
        CapError::TooLarge,
    );

    failed_move_keeps_the_cap(caps, &timer, c);
    park_edges(&timer, c);
    park_and_sleep_floods(&timer, c);
    endpoint_limits(caps, c);
    clients_gone(caps, c);
    badges(caps, c);
    terminal_limits(caps, c);
    blocking_timeout(&timer, c);
    ring_corruption(c);
    many_sqes(c);
    quotas(caps, c);
    copies(&timer, c);
    boot_package_and_memory_limits(caps, c);
    terabyte_ranges(caps, c);
    pipes(caps, c);
    moved_server_with_a_queued_call(caps, c);
    server_into_its_own_queue(caps, c);
    killed_while_yielding(caps, c);
    revocable_chain(caps, c);
    alarm_ends_a_running_process(caps, c);
    thread_limit(caps, c);
    entropy_limit(caps, c);
    dead_callers_minted_client(caps, c);
    kernel_memory::case(
        caps,
        c,
        "kernel-memory-notices",
        3,
        "release notices in a loop end in OutOfMemory while others carry on",
    );
    kernel_memory::case(
        caps,
        c,
        "kernel-memory-calls",
        1,
        "queued 64 KiB calls end in OutOfMemory before the in-flight limit while others carry on",
    );
}

/// The child of [`dead_callers_minted_client`]: calls `client` sending
/// `minted` by move (the call waits in the queue: nobody receives yet),
/// then exits without waiting for the answer.
/// The syscall ABI (docs/ring-abi.md): only RAX (the result), RCX and R11
/// change; every other register comes back as it went in — on the
/// `sysretq` return the kernel takes when the frame is what `syscall`
/// left, for an unknown syscall and for a `cap_enter` that completes NOPs.
/// (RBX and RBP cannot be asm operands; they are restored by the same
/// pops.)
fn syscall_registers(c: &mut Cases<'_>) {
    let pattern = |i: u64| 0x0123_4567_89ab_0000 | (i << 8) | i;
    for (name, number, nops) in [("unknown syscall", 99u64, 0u32), ("cap_enter of two NOPs", 0, 2)] {
        let submitted: Result<Vec<u64>, _> = with_ring(|ring| {
            (0..nops)
                .map(|_| {
                    let user_data = ring.next_user_data();
                    ring.submit(&Sqe { user_data, ..Sqe::default() }).map(|()| user_data)
                })
                .collect()
        })
        .and_then(|r| r);
        let Ok(nop_ids) = submitted else {
            c.check(name, false, String::from("could not submit the NOPs"));
            continue;
        };
        // cap_enter(0, 0, 0): take the SQEs, wait for nothing.
        let (mut rdi, mut rsi, mut rdx) =
            if number == 0 { (0, 0, 0) } else { (pattern(1), pattern(2), pattern(3)) };
        let (before_rdi, before_rsi, before_rdx) = (rdi, rsi, rdx);
        let mut regs =
            [pattern(8), pattern(9), pattern(10), pattern(12), pattern(13), pattern(14), pattern(15)];
        let before = regs;
        let result: i64;
        // SAFETY: a syscall with every register it may touch declared;
        // the kernel's unknown-syscall path and `cap_enter` of NOPs read
        // and write no memory of ours but the ring.
        unsafe {
            core::arch::asm!(
                "syscall",
                inlateout("rax") number as i64 => result,
                inout("rdi") rdi,
                inout("rsi") rsi,
                inout("rdx") rdx,
                inout("r8") regs[0],
                inout("r9") regs[1],
                inout("r10") regs[2],
                inout("r12") regs[3],
                inout("r13") regs[4],
                inout("r14") regs[5],
                inout("r15") regs[6],
                lateout("rcx") _,
                lateout("r11") _,
                options(nostack),
            );
        }
        let nops_done = with_ring(|ring| nop_ids.iter().all(|&id| ring.try_take(id).is_some())) == Ok(true);
        let kept = regs == before && (rdi, rsi, rdx) == (before_rdi, before_rsi, before_rdx);
        let want = if number == 0 { Some(i64::from(nops)) } else { None };
        let result_ok = match want {
            Some(n) => result >= n,
            None => result == i64::from(CapError::UnknownSyscall.as_result()),
        };
        c.check(
            &format!("{name}: registers kept"),
            kept && result_ok && nops_done,
            format!(
                "result {result}, r8-r15 {regs:x?} (want {before:x?}), rdi/rsi/rdx {rdi:x}/{rsi:x}/{rdx:x}"
            ),
        );
    }
}

fn send_and_die(caps: &Caps) -> i32 {
    let (Some(client), Some(minted)) = (caps.entry("client"), caps.entry("minted")) else { return 3 };
    let mut m = capos::call::Builder::new_default();
    m.init_root::<capos::schema::echo::echo_params::Builder<'_>>().set_text("from a process about to end");
    let params = capnp_words(&m);
    let descriptor = TransferDescriptor { cap: minted.cap_id, mode: TransferMode::Move }.to_bytes();
    let mut result = [0u8; 256];
    let mut sqe = call_sqe(client.cap_id, interface_id::ECHO, method::echo::ECHO, &params, &mut result);
    sqe.caps_addr = descriptor.as_ptr() as u64;
    sqe.caps_out = 1;
    let sent = with_ring(|ring| {
        sqe.user_data = ring.next_user_data();
        ring.submit(&sqe)?;
        ring.enter(0, 0)
    });
    if matches!(sent, Ok(Ok(_))) { 0 } else { 4 }
}

/// A call queued by a process that then ended carries the last reference
/// to a minted client of the same endpoint. The next RECV drops that dead
/// call; the kernel used to drop it with the endpoint's lock held, so the
/// minted client's own drop (which queues its release notice) took the
/// same lock again and the machine hung (found by the ring fuzzer after
/// 1040 s on seed 20261130). Now the RECV gets the release notice.
fn dead_callers_minted_client(caps: &Caps, c: &mut Cases<'_>) {
    let (Ok(factory), Ok(spawner)) = (
        EndpointFactory::from_caps(caps, "endpointFactory"),
        ProcessSpawner::from_caps(caps, "processSpawner"),
    ) else {
        c.check("a dead caller's minted client", false, String::from("missing caps"));
        return;
    };
    let Ok((server, client)) = factory.create(interface_id::ECHO) else {
        c.check("a dead caller's minted client", false, String::from("no endpoint"));
        return;
    };
    let child = server.mint(interface_id::ECHO, 9).and_then(|minted| {
        let grants = [Grant::cap("client", client.id()), Grant::cap("minted", minted.id())];
        let spawned = spawner.spawn("ring-abuse", &["send-and-die"], &[], &grants);
        drop(minted);
        let (handle, _) = spawned?;
        handle.wait()
    });
    let notice = server.recv();
    let seen = notice.as_ref().map(|n| (n.badge, n.method)).ok();
    c.check(
        "a dead caller's minted client",
        child == Ok(capos::rt::client::ExitStatus::Exited(0)) && seen == Some((9, capos::server::RELEASED)),
        format!("child {child:?}; the RECV got (badge, method) {seen:?}"),
    );
    drop(client);
    drop(server);
}

/// The child of [`thread_limit`]: starts parked threads until
/// `thread_create` refuses; exits with how many it started if the refusal
/// was `QuotaExceeded`, else 200.
fn threads_to_the_limit() -> i32 {
    let mut started = 0;
    loop {
        let spawned = capos::thread::spawn(|| {
            let word = core::sync::atomic::AtomicU32::new(0);
            loop {
                let _ = capos::park::park(&word, 0, 0);
            }
        });
        match spawned {
            Ok(handle) => {
                core::mem::forget(handle);
                started += 1;
            }
            Err(CapError::QuotaExceeded) => return started,
            Err(_) => return 200,
        }
        if started > 1000 {
            return 201;
        }
    }
}

/// `thread_create` past the thread limit (64 per process, the main thread
/// included) fails with `QuotaExceeded`; the process then ends with its 64
/// threads, parked, and gives everything back (the leak check).
fn thread_limit(caps: &Caps, c: &mut Cases<'_>) {
    let Ok(spawner) = ProcessSpawner::from_caps(caps, "processSpawner") else {
        c.check("thread_create past the thread limit", false, String::from("no processSpawner cap"));
        return;
    };
    let grants = [Grant::kernel("virtualMemory", KernelCap::VirtualMemory)];
    let status = spawner.spawn("ring-abuse", &["thread-limit"], &[], &grants).and_then(|(child, _)| {
        let status = child.wait();
        let _ = child.release();
        status
    });
    let want = capos_abi::syscall::MAX_THREADS as i32 - 1;
    c.check(
        "thread_create past the thread limit",
        status == Ok(capos::rt::client::ExitStatus::Exited(want)),
        format!("want Exited({want}) (threads started before QuotaExceeded), got {status:?}"),
    );
}

/// `EntropySource.getBytes` above its 256-byte limit.
fn entropy_limit(caps: &Caps, c: &mut Cases<'_>) {
    let Ok(entropy) = EntropySource::from_caps(caps, "entropy") else {
        c.check("entropy above 256 bytes", false, String::from("no entropy cap"));
        return;
    };
    let over = entropy.get_bytes(capos::schema::entropy_source::MAX_BYTES + 1).err();
    c.check("entropy above 256 bytes", over == Some(CapError::TooLarge), format!("{over:?}"));
}

/// The child of [`killed_while_yielding`]: 8 threads and the main one call
/// `yield` for ever, so nearly always each is off the CPU inside it.
fn yield_forever() -> ! {
    for _ in 0..8 {
        if let Ok(handle) = capos::thread::spawn(|| {
            loop {
                capos::syscall::yield_now();
            }
        }) {
            core::mem::forget(handle);
        }
    }
    loop {
        capos::syscall::yield_now();
    }
}

/// The spinner of [`alarm_ends_a_running_process`]: on the CPU whenever
/// it is its turn.
fn spin_forever() -> ! {
    loop {
        core::hint::spin_loop();
    }
}

/// The alarmed child of [`alarm_ends_a_running_process`]: `SIGALRM` (left
/// at its default action, terminate) in 20 ms, meanwhile on the CPU.
fn alarm_and_spin() -> ! {
    let _ = capos::syscall::signal(capos_abi::signal::op::ALARM, 20_000_000, 0, 0);
    spin_forever()
}

/// An alarm expiring while its process runs in user mode, with another
/// process ready: the tick that found the alarm due used to end the process
/// right in the interrupt, retiring the very thread it interrupted, and
/// the tick's preemption then switched away from that thread, dropping its
/// last reference — freeing the kernel stack the switch ran on (a double
/// fault). With two CPU-bound processes the tick hits the alarmed one
/// about every other time; 16 rounds. Now the tick only notes the alarm
/// and the signal is sent in thread context (`signal::run_deferred`).
fn alarm_ends_a_running_process(caps: &Caps, c: &mut Cases<'_>) {
    const NAME: &str = "an alarm ends its process while it runs and another is ready";
    let Ok(spawner) = ProcessSpawner::from_caps(caps, "processSpawner") else {
        c.check(NAME, false, String::from("missing caps"));
        return;
    };
    let mut outcomes = Vec::new();
    for _ in 0..16 {
        let round = spawner.spawn("ring-abuse", &["spin"], &[], &[]).and_then(|(spinner, _)| {
            let alarmed = spawner.spawn("ring-abuse", &["alarm-spin"], &[], &[]).and_then(|(alarmed, _)| {
                let status = alarmed.wait();
                let _ = alarmed.release();
                status
            });
            let _ = spinner.kill();
            let _ = spinner.wait();
            let _ = spinner.release();
            alarmed
        });
        outcomes.push(round);
    }
    let sigalrm = capos::rt::client::ExitStatus::Signaled(capos_abi::signal::number::SIGALRM);
    let all = outcomes.iter().all(|o| *o == Ok(sigalrm));
    let first_other = outcomes.iter().find(|o| **o != Ok(sigalrm));
    c.check(NAME, all, format!("{} rounds, SIGALRM in each: {all}; other: {first_other:?}", outcomes.len()));
}

/// A revocable of a revocable of … a timer, each link's other caps
/// released so that one cap keeps the whole chain alive. A call through
/// the chain runs one kernel frame per link, and so does dropping it:
/// before the depth limit a chain of a few thousand links (a few hundred
/// KiB of kernel heap for one cap slot) overflowed the 16 KiB kernel stack
/// on the first call through it (a double fault). Wrapping now stops at
/// depth 8 with `QuotaExceeded`, and each link is charged to the
/// wrapper's kernel memory.
fn revocable_chain(caps: &Caps, c: &mut Cases<'_>) {
    const NAME: &str = "a chain of revocables ends at depth 8 (QuotaExceeded); a call through it works";
    let (Ok(factory), Ok(timer)) =
        (RevocationFactory::from_caps(caps, "revocationFactory"), Timer::from_caps(caps, "timer"))
    else {
        c.check(NAME, false, String::from("missing caps"));
        return;
    };
    let mut head: Option<Cap> = None;
    let mut depth = 0u32;
    let mut refused = None;
    for _ in 0..4096 {
        let target = head.as_ref().map_or(timer.id(), Cap::id);
        match factory.wrap(target) {
            Ok((next, revoker)) => {
                // Released: the next link alone keeps this one.
                drop(revoker);
                head = Some(next);
                depth += 1;
            }
            Err(e) => {
                refused = Some(e);
                break;
            }
        }
    }
    let now = head.map(|h| h.into_typed::<Timer>()).map(|t| t.now().map(|_| ()));
    c.check(
        NAME,
        depth == 8 && refused == Some(CapError::QuotaExceeded) && now == Some(Ok(())),
        format!("depth {depth}, then {refused:?}; a call through it: {now:?}"),
    );
}

/// Kills a process whose threads are off the CPU inside a syscall (in
/// `yield` here; also woken from `cap_enter` but not yet run). The kernel
/// used to retire such a thread at once, without letting it unwind: the
/// `Arc<Thread>` on its own kernel stack kept the thread, its process and
/// its 16 KiB stack alive for good (the ring fuzzer found 48 frames gone
/// after 11 kills; probably issue 9's "3 frames per parked thread" too).
/// The scenario's leak check shows every frame comes back.
fn killed_while_yielding(caps: &Caps, c: &mut Cases<'_>) {
    let (Ok(spawner), Ok(timer)) =
        (ProcessSpawner::from_caps(caps, "processSpawner"), Timer::from_caps(caps, "timer"))
    else {
        c.check("killed while its threads yield", false, String::from("missing caps"));
        return;
    };
    let grants = [Grant::kernel("virtualMemory", KernelCap::VirtualMemory)];
    let mut outcomes = Vec::new();
    for _ in 0..4 {
        let ended = spawner.spawn("ring-abuse", &["yield-threads"], &[], &grants).and_then(|(child, _)| {
            timer.sleep(30_000_000)?;
            child.kill()?;
            let status = child.wait();
            let _ = child.release();
            status
        });
        outcomes.push(ended);
    }
    c.check(
        "killed while its threads yield",
        outcomes.iter().all(|o| *o == Ok(capos::rt::client::ExitStatus::Killed)),
        format!("{outcomes:?} (the leak check at the end counts their frames)"),
    );
}

/// An endpoint's server sent with a call queued on that same endpoint
/// (alone, or wrapped in a revocable): the queue would then hold the last
/// reference to its own server, so nothing could ever receive the call or
/// end the endpoint, and everything queued with it (here 8 pages of
/// memory) would stay allocated for good — the ring fuzzer found 8 frames
/// gone this way. Refused with `NotTransferable`, and the moved caps stay
/// with the sender; the scenario's leak check shows nothing is left.
fn server_into_its_own_queue(caps: &Caps, c: &mut Cases<'_>) {
    let (Ok(factory), Ok(fa), Ok(revocation)) = (
        EndpointFactory::from_caps(caps, "endpointFactory"),
        FrameAllocator::from_caps(caps, "frameAllocator"),
        RevocationFactory::from_caps(caps, "revocationFactory"),
    ) else {
        c.check("a server into its own queue", false, String::from("missing caps"));
        return;
    };
    let (Ok((server_side, client_side)), Ok(memory)) = (factory.create(interface_id::ECHO), fa.allocate(8))
    else {
        c.check("a server into its own queue", false, String::from("no endpoint or memory"));
        return;
    };
    // Raw ids: the case moves them by hand (a refused move keeps them).
    let (server, client) = (server_side.into_id(), client_side.into_id());
    let mut m = capos::call::Builder::new_default();
    m.init_root::<capos::schema::echo::echo_params::Builder<'_>>().set_text("cycle");
    let params = capnp_words(&m);
    let send = |c: &mut Cases<'_>, name: &str, sent: &[u32]| {
        let mut descriptors = Vec::new();
        for &cap in sent {
            descriptors.extend_from_slice(&TransferDescriptor { cap, mode: TransferMode::Move }.to_bytes());
        }
        let mut result = [0u8; 256];
        let mut sqe = call_sqe(client, interface_id::ECHO, method::echo::ECHO, &params, &mut result);
        sqe.caps_addr = descriptors.as_ptr() as u64;
        sqe.caps_out = sent.len() as u16;
        // Not `expect_error`: a kernel that queues the call never answers
        // it, so wait a bounded time.
        let got = with_ring(|ring| {
            sqe.user_data = ring.next_user_data();
            ring.submit(&sqe).ok()?;
            ring.enter(1, 200_000_000).ok()?;
            ring.try_take(sqe.user_data)
        });
        let got = got.ok().flatten().map(|q| q.error_code());
        let want = Some(Some(CapError::NotTransferable));
        c.check(name, got == want, format!("want {want:?}, got {got:?} (None: queued, never answerable)"));
    };
    send(c, "a server sent into its own queue", &[server, memory.id()]);
    match revocation.wrap(server) {
        Ok((revocable, revoker)) => {
            send(c, "a revocable server sent into its own queue", &[revocable.id(), memory.id()]);
            drop(revocable);
            drop(revoker);
        }
        Err(e) => c.check("a revocable server sent into its own queue", false, format!("wrap: {e:?}")),
    }
    let kept = memory.size();
    c.check("the refused moves left the caps", kept == Ok(8 * 4096), format!("{kept:?}"));
    let _ = memory.release();
    let _ = capos::call::release(client);
    let _ = capos::call::release(server);
}

/// An `EndpointServer` moved into a call that succeeds (a console write,
/// which takes no caps) while a call of this very process waits on its
/// endpoint: the server's last reference goes, which fails the waiting
/// call with `PeerDied` and so completes a call of the sender. Before the
/// kernel dropped released caps outside the process lock, that completion
/// took the sender's lock a second time and the machine hung.
fn moved_server_with_a_queued_call(caps: &Caps, c: &mut Cases<'_>) {
    let Ok(factory) = EndpointFactory::from_caps(caps, "endpointFactory") else {
        c.check("moved server", false, String::from("no endpointFactory cap"));
        return;
    };
    let Ok((server, client)) = factory.create(capos::schema::interface_id::ECHO) else {
        c.check("moved server", false, String::from("no endpoint"));
        return;
    };
    // Raw ids from here: the test moves and releases them itself.
    let (server, client) = (server.into_id(), client.into_id());
    let waiting = Borrowed::<Echo>::from_id(client).echo_async("queued on a server about to move");
    let _ = capos::syscall::cap_enter(0, 0);
    write_moving(c, server, "a server moved into a successful write");
    let died = waiting.map(Echo::finish);
    c.check("its waiting call gets PeerDied", died == Ok(Err(CapError::PeerDied)), format!("{died:?}"));
    let stale = capos::call::release(server);
    c.check("the moved server's id is stale", stale.is_err(), format!("{stale:?}"));
    let _ = capos::call::release(client);

    // The same with the other side: this process waits in RECV on its
    // server while its only client is moved into a successful write; the
    // client's end fails the RECV, a call of the sender.
    let Ok((server, client)) = factory.create(capos::schema::interface_id::ECHO) else { return };
    let (server, client) = (server.into_id(), client.into_id());
    let mut buffer = [0u8; 512];
    let mut ids = [0u32; 4];
    let recv = Sqe {
        opcode: Opcode::Recv as u8,
        cap: server,
        result_addr: buffer.as_mut_ptr() as u64,
        result_len: buffer.len() as u32,
        caps_addr: ids.as_mut_ptr() as u64,
        caps_in_max: ids.len() as u16,
        ..Sqe::default()
    };
    let receiving = with_ring(|ring| -> Result<u64, CapError> {
        let user_data = ring.next_user_data();
        ring.submit(&Sqe { user_data, ..recv })?;
        ring.enter(0, 0)?;
        Ok(user_data)
    })
    .and_then(|r| r);
    write_moving(c, client, "the only client moved into a successful write");
    let ended = receiving.and_then(|user_data| with_ring(|ring| ring.wait_for(user_data)).and_then(|r| r));
    let got = ended.as_ref().map(|q| q.error_code());
    c.check("the waiting RECV gets PeerDied", got == Ok(Some(CapError::PeerDied)), format!("{got:?}"));
    let _ = capos::call::release(server);
}

/// A console write that moves `cap` along (the console takes no caps, so
/// the call succeeds and the cap leaves this process for good).
fn write_moving(c: &mut Cases<'_>, cap: u32, name: &str) {
    let mut m = capos::call::Builder::new_default();
    m.init_root::<capos::schema::console::write_params::Builder<'_>>().set_text("ring-abuse: moved a cap\n");
    let params = capnp_words(&m);
    let descriptor = TransferDescriptor { cap, mode: TransferMode::Move }.to_bytes();
    let mut result = [0u8; 256];
    let mut sqe =
        call_sqe(c.console.id(), interface_id::CONSOLE, method::console::WRITE, &params, &mut result);
    sqe.caps_addr = descriptor.as_ptr() as u64;
    sqe.caps_out = 1;
    let cqe = raw(&mut sqe);
    c.check(
        name,
        cqe.is_some_and(|q| q.error_code().is_none()),
        format!("{:?}", cqe.map(|q| q.error_code())),
    );
}

/// `VirtualMemory` over ranges of terabytes: the kernel's work follows
/// what is mapped, not the size asked for (before, an unmap walked every
/// page of the range with interrupts off: minutes for a terabyte).
fn terabyte_ranges(caps: &Caps, c: &mut Cases<'_>) {
    let Ok(vm) = VirtualMemory::from_caps(caps, "virtualMemory") else {
        c.check("terabyte ranges", false, String::from("no virtualMemory cap"));
        return;
    };
    const TIB: u64 = 1 << 40;
    let base = capos_abi::layout::ANON_BASE;
    // A small mapping inside the huge range, so the walk meets something.
    let small = vm.map(4096, capos::schema::MapRights::ReadWrite, base + TIB / 2);
    let unmapped = vm.unmap(base, 16 * TIB);
    c.check("unmap of 16 TiB", small.is_ok() && unmapped.is_ok(), format!("{small:?}, {unmapped:?}"));
    let gone = vm.protect(base + TIB / 2, 4096, capos::schema::MapRights::Read);
    c.check("the unmap took the page in it", gone.is_err(), format!("{gone:?}"));
    let huge = vm.map(TIB, capos::schema::MapRights::ReadWrite, 0);
    c.check(
        "map of 1 TiB without a hint",
        matches!(huge, Err(CapError::QuotaExceeded | CapError::OutOfMemory)),
        format!("{huge:?}"),
    );
    let placed = vm.map(TIB, capos::schema::MapRights::ReadWrite, base + 2 * TIB);
    c.check(
        "map of 1 TiB at a hint",
        matches!(placed, Err(CapError::QuotaExceeded | CapError::OutOfMemory)),
        format!("{placed:?}"),
    );
    let after = vm.map(4096, capos::schema::MapRights::ReadWrite, 0).and_then(|a| vm.unmap(a, 4096));
    c.check("a small map works afterwards", after.is_ok(), format!("{after:?}"));
}

/// `BootPackage.readFile` and `readConfig` out of range, and spawn memory
/// limits too large or too small to start a process: typed errors, nothing
/// started.
fn boot_package_and_memory_limits(caps: &Caps, c: &mut Cases<'_>) {
    let Ok(boot) = BootPackage::from_caps(caps, "bootPackage") else {
        c.check("boot package limits", false, String::from("no bootPackage cap"));
        return;
    };
    let max = capos::schema::boot_package::MAX_CHUNK;
    let past = boot.read_file(u32::MAX, 0, 16);
    c.check("readFile past the last file", past == Err(CapError::NotFound), format!("{past:?}"));
    let huge = boot.read_file(0, 0, max + 1);
    c.check("readFile above maxChunk", huge == Err(CapError::TooLarge), format!("{huge:?}"));
    let beyond = boot.read_file(0, u64::MAX, 16);
    c.check("readFile past the end of a file", beyond == Ok(Vec::new()), format!("{beyond:?}"));
    let config = boot.read_config(u64::MAX - 3, max);
    c.check("readConfig past the end", config == Ok(Vec::new()), format!("{config:?}"));
    let whole = boot.config().map(|b| capos_config::manifest::decode_validated(&b).map(|m| m.files.len()));
    c.check("the config decodes and names the files", matches!(whole, Ok(Ok(1))), format!("{whole:?}"));

    let Ok(spawner) = ProcessSpawner::from_caps(caps, "processSpawner") else { return };
    let too_big = capos::schema::process_spawner::MAX_MEMORY_LIMIT + 1;
    let over = spawner.spawn_limited("hello", &[], &[], &[], too_big).map(|(_, pid)| pid);
    c.check("spawn above maxMemoryLimit", over == Err(CapError::InvalidArgument), format!("{over:?}"));
    let tiny = spawner.spawn_limited("hello", &[], &[], &[], 4096).map(|(_, pid)| pid);
    c.check(
        "spawn with a memory limit too small to start",
        matches!(tiny, Err(CapError::QuotaExceeded | CapError::OutOfMemory)),
        format!("{tiny:?}"),
    );
}

/// A cap sent by move with a call that fails stays with the sender; a
/// `VirtualMemory` cannot be passed on at all.
fn failed_move_keeps_the_cap(caps: &Caps, timer: &Timer, c: &mut Cases<'_>) {
    let Ok(spawner) = ProcessSpawner::from_caps(caps, "processSpawner") else {
        c.check("failed move keeps the cap", false, String::from("no processSpawner cap"));
        return;
    };
    let descriptor = TransferDescriptor { cap: timer.id(), mode: TransferMode::Move }.to_bytes();
    let garbage = [0xffu8; 64];
    let mut result = [0u8; 256];
    let mut sqe = call_sqe(
        spawner.id(),
        interface_id::PROCESS_SPAWNER,
        method::process_spawner::SPAWN,
        &garbage,
        &mut result,
    );
    sqe.caps_addr = descriptor.as_ptr() as u64;
    sqe.caps_out = 1;
    c.expect_error("move with a failing call", sqe, CapError::MalformedParams);
    let still = timer.now();
    c.check("failed move keeps the cap", still.is_ok(), format!("timer afterwards: {still:?}"));
    if let Ok(vm) = VirtualMemory::from_caps(caps, "virtualMemory") {
        let passed = spawner.spawn("hello", &[], &[], &[Grant::cap("vm", vm.id())]);
        c.check(
            "virtualMemory is not transferable",
            passed.as_ref().err() == Some(&CapError::NotTransferable),
            format!("{:?}", passed.map(|(_, pid)| pid)),
        );
    }
}

/// Endpoint limits with no server receiving: each endpoint queues at most
/// 32 calls (then `WouldBlock`), and a process has at most 64 endpoint
/// calls unanswered (then `QuotaExceeded`). Releasing the server sides
/// fails every waiting call with `PeerDied`.
fn endpoint_limits(caps: &Caps, c: &mut Cases<'_>) {
    let Ok(factory) = EndpointFactory::from_caps(caps, "endpointFactory") else {
        c.check("endpoint limits", false, String::from("no endpointFactory cap"));
        return;
    };
    let mut servers = Vec::new();
    let mut pending = Vec::new();
    let mut refused = Vec::new();
    for _ in 0..3 {
        let Ok((server, client)) = factory.create(capos::schema::interface_id::ECHO) else { continue };
        let (server, client) = (server.into_id(), client.into_id());
        servers.push(server);
        for _ in 0..33 {
            match Borrowed::<Echo>::from_id(client).echo_async("waiting") {
                Ok(call) => pending.push(call),
                Err(e) => refused.push(e),
            }
        }
    }
    // Submitting never fails here; the kernel's verdicts arrive as CQEs.
    let _ = capos::syscall::cap_enter(0, 0);
    let mut verdicts = Vec::new();
    let mut still_waiting = Vec::new();
    for call in pending {
        if call.is_complete() {
            verdicts.push(Echo::finish(call).err());
        } else {
            still_waiting.push(call);
        }
    }
    let would_block = verdicts.iter().filter(|v| **v == Some(CapError::WouldBlock)).count();
    let quota = verdicts.iter().filter(|v| **v == Some(CapError::QuotaExceeded)).count();
    c.check(
        "endpoint queue depth and in-flight limit",
        still_waiting.len() == 64 && would_block == 2 && quota == 33 && refused.is_empty(),
        format!("{} waiting, {would_block} WouldBlock, {quota} QuotaExceeded", still_waiting.len()),
    );
    for server in servers {
        let _ = capos::call::release(server);
    }
    let died = still_waiting
        .into_iter()
        .filter(|_| true)
        .map(Echo::finish)
        .filter(|r| *r == Err(CapError::PeerDied))
        .count();
    c.check("waiting calls get PeerDied when the server side goes", died == 64, format!("{died} of 64"));
}

/// Minted clients: badge 0 is refused, a call through a minted client
/// carries its badge and interface, RETURN cannot answer a release notice,
/// and releasing the last copy of a minted client sends the notice.
fn badges(caps: &Caps, c: &mut Cases<'_>) {
    let Ok(factory) = EndpointFactory::from_caps(caps, "endpointFactory") else {
        c.check("badges", false, String::from("no endpointFactory cap"));
        return;
    };
    let Ok((server, client)) = factory.create(interface_id::ECHO) else {
        c.check("badges", false, String::from("cannot make an endpoint"));
        return;
    };
    let (server, client) = (server.into_id(), client.into_id());
    let server = Borrowed::<Endpoint>::from_id(server);
    let zero = server.mint(0, 0).err();
    c.check("mint with badge 0", zero == Some(CapError::InvalidArgument), format!("{zero:?}"));
    // The minted cap implements the interface it was minted with (Timer
    // here), not the endpoint's (Echo).
    let minted = server.mint(interface_id::TIMER, 7).map(Cap::into_id);
    let call = minted.and_then(|id| {
        let wrong = Borrowed::<Echo>::from_id(id).echo_async("x").and_then(Echo::finish).err();
        let mut r = capos::call::Request::new(id, interface_id::TIMER, method::timer::NOW);
        r.result_len = 64;
        let pending = capos::call::submit(r)?;
        Ok((id, wrong, pending))
    });
    let Ok((minted_id, wrong, pending)) = call else {
        c.check("badges", false, format!("cannot mint: {:?}", call.err()));
        return;
    };
    let got = server.recv();
    let carried = got.as_ref().map(|g| (g.badge, g.method)).ok();
    if let Ok(g) = &got {
        let _ = server.reply_error(g.token, CapError::Unsupported);
    }
    let answered = pending.wait().err();
    c.check(
        "a call through a minted client carries its badge and interface",
        wrong == Some(CapError::WrongInterface)
            && carried == Some((7, method::timer::NOW))
            && answered == Some(CapError::Unsupported),
        format!("echo on it: {wrong:?}; received (badge, method) {carried:?}; answer {answered:?}"),
    );
    let released = capos::call::release(minted_id);
    let notice = server.recv();
    let seen = notice.as_ref().map(|n| (n.badge, n.method)).ok();
    let answer =
        notice.as_ref().map(|n| server.reply_error(n.token, CapError::Cancelled).err()).ok().flatten();
    c.check(
        "releasing a minted client sends a release notice that cannot be answered",
        released.is_ok()
            && seen == Some((7, capos::server::RELEASED))
            && answer == Some(CapError::InvalidArgument),
        format!("release {released:?}; notice (badge, method) {seen:?}; RETURN to it {answer:?}"),
    );
    let _ = capos::call::release(client);
    let _ = capos::call::release(server.id());
}

/// TerminalSession refuses out-of-range arguments with typed errors.
fn terminal_limits(caps: &Caps, c: &mut Cases<'_>) {
    let Ok(terminal) = TerminalSession::from_caps(caps, "terminal") else {
        c.check("terminal limits", false, String::from("no terminal cap"));
        return;
    };
    let mut r = capos::call::Request::new(
        terminal.id(),
        interface_id::TERMINAL_SESSION,
        method::terminal_session::READ,
    );
    r.params.init_root::<capos::schema::terminal_session::read_params::Builder<'_>>().set_max(0);
    let zero = capos::call::call(r).err();
    let size = terminal.set_window_size(0, 80).err();
    // A read whose result buffer cannot hold any input is refused before
    // it takes input from the terminal.
    let mut tiny = capos::call::Request::new(
        terminal.id(),
        interface_id::TERMINAL_SESSION,
        method::terminal_session::READ,
    );
    tiny.params.init_root::<capos::schema::terminal_session::read_params::Builder<'_>>().set_max(100);
    tiny.result_len = 16;
    let tiny = capos::call::call(tiny).err();
    let big = alloc::vec![b'x'; 70 * 1024];
    let mut w = capos::call::Request::new(
        terminal.id(),
        interface_id::TERMINAL_SESSION,
        method::terminal_session::WRITE,
    );
    w.params.init_root::<capos::schema::terminal_session::write_params::Builder<'_>>().set_data(&big);
    let too_big = capos::call::call(w).err();
    c.check(
        "terminal read of 0 bytes, window 0 rows, oversized write",
        zero == Some(CapError::InvalidArgument)
            && tiny == Some(CapError::ResultTooSmall)
            && size == Some(CapError::InvalidArgument)
            && matches!(too_big, Some(CapError::TooLarge)),
        format!(
            "read(0) {zero:?}; read into 16 bytes {tiny:?}; setWindowSize(0, 80) {size:?}; 70 KiB write {too_big:?}"
        ),
    );
}

/// When the last client side of an endpoint goes, the calls already queued
/// are still received; after them RECV fails with `PeerDied`, and so does a
/// RECV that was waiting.
fn clients_gone(caps: &Caps, c: &mut Cases<'_>) {
    let Ok(factory) = EndpointFactory::from_caps(caps, "endpointFactory") else {
        c.check("clients gone", false, String::from("no endpointFactory cap"));
        return;
    };
    let (Ok((server, client)), Ok((waiting_server, waiting_client))) =
        (factory.create(interface_id::ECHO), factory.create(interface_id::ECHO))
    else {
        c.check("clients gone", false, String::from("cannot make endpoints"));
        return;
    };
    let (server, client) = (server.into_id(), client.into_id());
    let (waiting_server, waiting_client) = (waiting_server.into_id(), waiting_client.into_id());
    let (server, waiting_server) =
        (Borrowed::<Endpoint>::from_id(server), Borrowed::<Endpoint>::from_id(waiting_server));
    let queued = Borrowed::<Echo>::from_id(client).echo_async("queued before the release");
    let waiting = waiting_server.recv_async();
    let _ = capos::syscall::cap_enter(0, 0);
    let released = (capos::call::release(client), capos::call::release(waiting_client));
    let first = server.recv();
    let first_ok = first.as_ref().map(|call| call.method) == Ok(method::echo::ECHO);
    if let Ok(call) = &first {
        let _ = server.reply_error(call.token, CapError::Cancelled);
    }
    let after = server.recv().err();
    let woken = waiting.and_then(Endpoint::finish_recv).err();
    let answered = queued.map(Echo::finish);
    c.check(
        "after the last client goes, queued calls are received, then RECV gets PeerDied",
        released == (Ok(()), Ok(()))
            && first_ok
            && after == Some(CapError::PeerDied)
            && woken == Some(CapError::PeerDied)
            && answered == Ok(Err(CapError::Cancelled)),
        format!(
            "release {released:?}; first RECV ok: {first_ok}; next RECV {after:?}; waiting RECV {woken:?}; the call got {answered:?}"
        ),
    );
    let _ = capos::call::release(server.id());
    let _ = capos::call::release(waiting_server.id());
}

/// PARK with the wrong expected value returns at once; PARK with a timeout
/// and no UNPARK times out; UNPARK with no waiter wakes nobody.
fn park_edges(timer: &Timer, c: &mut Cases<'_>) {
    use capos::park::{Parked, park, unpark};
    let word = core::sync::atomic::AtomicU32::new(7);
    let changed = park(&word, 8, 0);
    c.check("PARK on a changed word", changed == Ok(Parked::Changed), format!("{changed:?}"));
    let before = timer.now().unwrap_or(0);
    let timed = park(&word, 7, 30_000_000);
    let waited_ms = timer.now().map(|t| (t - before) / 1_000_000).unwrap_or(0);
    c.check(
        "PARK timeout",
        timed == Ok(Parked::TimedOut) && waited_ms >= 30,
        format!("{timed:?} after {waited_ms} ms"),
    );
    let woken = unpark(&word, u32::MAX);
    c.check("UNPARK with no waiter", woken == Ok(0), format!("{woken:?}"));
}

/// Many waits at once: 400 PARKs on distinct words woken by UNPARKs, 400
/// PARKs and 400 `Timer.sleep`s all timing out within the same
/// millisecond. Each must complete once, with its own result, and soon:
/// the kernel completes at most a bounded number per tick (the lists it
/// replaced were scanned whole once per completion with interrupts off,
/// quadratic in the waiters), and the park table allocates fallibly.
fn park_and_sleep_floods(timer: &Timer, c: &mut Cases<'_>) {
    // (`timer` is only named for its cap: no Timer call can be made while
    // the flood holds the ring.)
    const N: usize = 400;
    let words: Vec<core::sync::atomic::AtomicU32> =
        (0..N).map(|_| core::sync::atomic::AtomicU32::new(5)).collect();
    let park_sqe = |i: usize, timeout_ns: u64| Sqe {
        opcode: Opcode::Park as u8,
        params_addr: core::ptr::from_ref(&words[i]) as u64,
        params_len: 5,
        interface_id: timeout_ns,
        ..Sqe::default()
    };
    // Submits `sqes`, then waits until each has completed (or `limit_ms`
    // passed); the results by index, `None` for a missing one.
    let flood = |sqes: &mut dyn FnMut(usize) -> Sqe,
                 after: &mut dyn FnMut(&mut capos::rt::ring::RingClient),
                 limit_ms: u64| {
        with_ring(|ring| -> Result<Vec<Option<Cqe>>, CapError> {
            let first = ring.next_user_data();
            for _ in 1..N {
                ring.next_user_data();
            }
            for i in 0..N {
                let mut sqe = sqes(i);
                sqe.user_data = first + i as u64;
                ring.submit(&sqe)?;
            }
            ring.enter(0, 0)?;
            after(ring);
            let mut got: Vec<Option<Cqe>> = (0..N).map(|_| None).collect();
            // Until every one arrived, or `limit_ms` passed with none
            // arriving (waits of 10 ms; no Timer call: the ring is held).
            let mut idle_ms = 0;
            while got.iter().any(Option::is_none) && idle_ms < limit_ms {
                ring.enter(1, 10_000_000)?;
                let mut progress = false;
                for (i, slot) in got.iter_mut().enumerate() {
                    if slot.is_none() {
                        *slot = ring.try_take(first + i as u64);
                        progress |= slot.is_some();
                    }
                }
                idle_ms = if progress { 0 } else { idle_ms + 10 };
            }
            Ok(got)
        })
    };
    let summary = |got: &[Option<Cqe>], ok: &dyn Fn(&Cqe) -> bool| {
        let missing = got.iter().filter(|g| g.is_none()).count();
        let wrong = got.iter().flatten().filter(|q| !ok(q)).count();
        (missing == 0 && wrong == 0, format!("{missing} missing, {wrong} with another result"))
    };

    // Woken: all parked first (no completion may come before its UNPARK),
    // then one UNPARK per word from another ring batch.
    let mut woken_early = 0;
    let got = flood(
        &mut |i| park_sqe(i, 0),
        &mut |ring| {
            for word in &words {
                let unpark = Sqe {
                    opcode: Opcode::Unpark as u8,
                    params_addr: core::ptr::from_ref(word) as u64,
                    params_len: 1,
                    user_data: ring.next_user_data(),
                    ..Sqe::default()
                };
                // A bounded wait: a lost UNPARK fails the case, not the run.
                let mut woke = None;
                if ring.submit(&unpark).is_ok() {
                    for _ in 0..100 {
                        woke = ring.try_take(unpark.user_data);
                        if woke.is_some() || ring.enter(1, 10_000_000).is_err() {
                            break;
                        }
                    }
                }
                woken_early += usize::from(!woke.is_some_and(|q| q.result == 1));
            }
        },
        5_000,
    );
    match got {
        Ok(Ok(got)) => {
            let (ok, detail) = summary(&got, &|q| q.error_code().is_none());
            c.check(
                "400 PARKs woken one by one",
                ok && woken_early == 0,
                format!("{detail}; {woken_early} UNPARKs woke no one"),
            );
        }
        other => c.check("400 PARKs woken one by one", false, format!("{other:?}")),
    }

    // Timed out together.
    let got = flood(&mut |i| park_sqe(i, 1_000_000), &mut |_| {}, 5_000);
    match got {
        Ok(Ok(got)) => {
            let (ok, detail) = summary(&got, &|q| q.error_code() == Some(CapError::TimedOut));
            c.check("400 PARKs timing out at once", ok, detail);
        }
        other => c.check("400 PARKs timing out at once", false, format!("{other:?}")),
    }

    // Sleeps ending together.
    let mut sleep = capos::call::Builder::new_default();
    sleep.init_root::<capos::schema::timer::sleep_params::Builder<'_>>().set_ns(1_000_000);
    let sleep_params = capnp_words(&sleep);
    let mut results = alloc::vec![[0u8; 64]; N];
    let timer_cap = timer.id();
    let results_at = results.as_mut_ptr();
    let got = flood(
        &mut |i| {
            // Each sleep gets its own 64-byte result buffer.
            let result = results_at.wrapping_add(i) as u64;
            Sqe {
                opcode: Opcode::Call as u8,
                cap: timer_cap,
                method: method::timer::SLEEP,
                interface_id: interface_id::TIMER,
                params_addr: sleep_params.as_ptr() as u64,
                params_len: sleep_params.len() as u32,
                result_addr: result,
                result_len: 64,
                ..Sqe::default()
            }
        },
        &mut |_| {},
        5_000,
    );
    match got {
        Ok(Ok(got)) => {
            let (ok, detail) = summary(&got, &|q| q.error_code().is_none());
            c.check("400 sleeps ending at once", ok, detail);
        }
        other => c.check("400 sleeps ending at once", false, format!("{other:?}")),
    }
    drop(results);
}

/// `cap_enter` waiting for a completion that never comes returns when its
/// timeout passes, with nothing available.
fn blocking_timeout(timer: &Timer, c: &mut Cases<'_>) {
    let (Ok(before), entered) = (timer.now(), capos::syscall::cap_enter(1, 30_000_000)) else {
        c.check("cap_enter timeout", false, String::from("timer failed"));
        return;
    };
    let waited_ms = timer.now().map(|after| (after - before) / 1_000_000).unwrap_or(0);
    c.check(
        "cap_enter timeout",
        entered == 0 && waited_ms >= 30,
        format!("returned {entered} after {waited_ms} ms"),
    );
}

/// Header corruption: `cap_enter` must refuse and process nothing; the
/// ring works again once the header is restored.
fn ring_corruption(c: &mut Cases<'_>) {
    let r = with_ring(|ring| {
        let base = ring.base();
        // SAFETY: our own ring header; restored below.
        let tail = unsafe { &*(base.add(header::SQ_TAIL) as *const core::sync::atomic::AtomicU32) };
        let saved = tail.load(core::sync::atomic::Ordering::Acquire);
        tail.store(saved.wrapping_add(10_000), core::sync::atomic::Ordering::Release);
        let ahead = capos::syscall::cap_enter(0, 0);
        tail.store(saved.wrapping_sub(1), core::sync::atomic::Ordering::Release);
        let behind = capos::syscall::cap_enter(0, 0);
        tail.store(saved, core::sync::atomic::Ordering::Release);
        // SAFETY: as above.
        let head = unsafe { &*(base.add(header::CQ_HEAD) as *const core::sync::atomic::AtomicU32) };
        let saved_head = head.load(core::sync::atomic::Ordering::Acquire);
        head.store(saved_head.wrapping_add(5), core::sync::atomic::Ordering::Release);
        let past = capos::syscall::cap_enter(0, 0);
        head.store(saved_head, core::sync::atomic::Ordering::Release);
        (ahead, behind, past)
    });
    let want = i64::from(CapError::RingCorrupted.as_result());
    match r {
        Ok((ahead, behind, past)) => {
            c.check("sq_tail 10000 ahead of sq_head", ahead == want, format!("cap_enter returned {ahead}"));
            c.check("sq_tail behind sq_head", behind == want, format!("cap_enter returned {behind}"));
            c.check("cq_head past cq_tail", past == want, format!("cap_enter returned {past}"));
        }
        Err(e) => c.check("ring corruption", false, format!("{e}")),
    }
    let nop = capos::call::nop();
    c.check("ring works after corruption", nop.is_ok(), format!("{nop:?}"));
}

/// 10 000 NOPs through a 256-entry ring: every one completes exactly once.
fn many_sqes(c: &mut Cases<'_>) {
    const COUNT: u64 = 10_000;
    let outcome = with_ring(|ring| -> Result<u64, CapError> {
        let first = ring.next_user_data();
        let mut seen = 0u64;
        let mut submitted = 0u64;
        while submitted < COUNT {
            let batch = (COUNT - submitted).min(u64::from(SQ_ENTRIES));
            for i in 0..batch {
                let user_data = first + submitted + i;
                ring.submit(&Sqe { user_data, ..Sqe::default() })?;
            }
            submitted += batch;
            ring.enter(0, 0)?;
            for i in 0..submitted {
                if ring.try_take(first + i).is_some() {
                    seen += 1;
                }
            }
        }
        while seen < COUNT {
            ring.enter(1, 1_000_000_000)?;
            for i in 0..COUNT {
                if ring.try_take(first + i).is_some() {
                    seen += 1;
                }
            }
        }
        for _ in 1..COUNT {
            ring.next_user_data();
        }
        Ok(seen)
    });
    match outcome {
        Ok(Ok(seen)) => c.check("10000 SQEs", seen == COUNT, format!("{seen} completions")),
        other => c.check("10000 SQEs", false, format!("{other:?}")),
    }
}

/// COPY (a second id for a cap): bad, stale and malformed requests fail
/// with typed errors; a copy is the same object under a new id and
/// outlives the original's release; copying until the cap table is full
/// gives `QuotaExceeded`, and releasing the copies gives the slots back.
fn copies(timer: &Timer, c: &mut Cases<'_>) {
    let copy_of = |cap: u32| Sqe { opcode: Opcode::Copy as u8, cap, ..Sqe::default() };
    c.expect_error("COPY of a slot past the table", copy_of(0x0001_ffff), CapError::InvalidCap);
    c.expect_error("COPY of cap id 0", copy_of(0), CapError::InvalidCap);
    c.expect_error(
        "COPY with params",
        Sqe { params_addr: 0x1000, params_len: 8, ..copy_of(timer.id()) },
        CapError::ReservedNotZero,
    );
    c.expect_error(
        "COPY with an interface id",
        Sqe { interface_id: interface_id::TIMER, ..copy_of(timer.id()) },
        CapError::ReservedNotZero,
    );
    let (first, second) = match (timer.try_clone(), timer.try_clone()) {
        (Ok(a), Ok(b)) => (a, b),
        (a, b) => {
            c.check("COPY", false, format!("{:?} {:?}", a.map(|_| ()), b.map(|_| ())));
            return;
        }
    };
    let (id, other) = (first.id(), second.id());
    let distinct = id != timer.id() && other != timer.id() && id != other;
    let released = first.release();
    let still = second.now();
    c.check(
        "COPY gives a new id for the same object, which outlives the other's release",
        distinct && released.is_ok() && still.is_ok(),
        format!("ids {:#x} {id:#x} {other:#x}; release {released:?}; the other copy: {still:?}", timer.id()),
    );
    c.expect_error("COPY of a released copy", copy_of(id), CapError::StaleCap);
    let mut copies = Vec::new();
    let full = loop {
        match second.try_clone() {
            Ok(copy) => copies.push(copy),
            Err(e) => break e,
        }
        if copies.len() > 1_000 {
            break CapError::Unsupported;
        }
    };
    let made = copies.len();
    drop(copies);
    let after = second.try_clone().map(|copy| copy.now().is_ok());
    c.check(
        "COPY until the cap table is full, then the slots come back",
        full == CapError::QuotaExceeded && after == Ok(true),
        format!("{made} copies, then {full:?}; after releasing them: {after:?}"),
    );
}

/// Cap-table and frame quotas run out with typed errors, and recover.
fn quotas(caps: &Caps, c: &mut Cases<'_>) {
    let Ok(fa) = FrameAllocator::from_caps(caps, "frameAllocator") else {
        c.check("quotas", false, String::from("no frameAllocator cap"));
        return;
    };
    let mut held = Vec::new();
    let exhausted = loop {
        match fa.allocate(1) {
            Ok(m) => held.push(m),
            Err(e) => break e,
        }
        if held.len() > 100_000 {
            break CapError::Unsupported;
        }
    };
    c.check(
        "cap table quota",
        exhausted == CapError::QuotaExceeded,
        format!("{} caps, then {exhausted:?}", held.len()),
    );
    let count = held.len();
    drop(held);
    let again = fa.allocate(1);
    c.check(
        "cap table recovers after release",
        again.is_ok(),
        format!("released {count}, then {:?}", again.as_ref().map(|_| ())),
    );
    drop(again);
    mapped_object_outlives_its_cap(caps, &fa, c);
    let big = fa.allocate(1 << 20);
    c.check(
        "frame budget exceeded",
        big.as_ref().err() == Some(&CapError::QuotaExceeded),
        format!("{:?}", big.map(|_| ())),
    );
    if let Ok(vm) = VirtualMemory::from_caps(caps, "virtualMemory") {
        let huge = vm.map(1 << 32, MapRights::ReadWrite, 0);
        c.check("address-space quota", huge == Err(CapError::QuotaExceeded), format!("{huge:?}"));
        let small = vm.map(4096 * 4, MapRights::ReadWrite, 0);
        c.check("address space usable after", small.is_ok(), format!("{small:?}"));
        let ring_unmap = vm.unmap(capos_abi::layout::RING_ADDR, 4096);
        c.check("cannot unmap the ring", ring_unmap == Err(CapError::BadAddress), format!("{ring_unmap:?}"));
    }
}

/// Memory an object maps stays the process's while mapped, even after the
/// object's cap is released: its frames must not be handed out again (the
/// kernel would otherwise let this process see another's memory).
fn mapped_object_outlives_its_cap(caps: &Caps, fa: &FrameAllocator, c: &mut Cases<'_>) {
    let Ok(vm) = VirtualMemory::from_caps(caps, "virtualMemory") else {
        c.check("mapped object outlives its cap", false, String::from("no virtualMemory cap"));
        return;
    };
    let mapped =
        fa.allocate(4).and_then(|m| vm.map_object(&m, 0, 4 * 4096, MapRights::ReadWrite, 0).map(|a| (m, a)));
    let Ok((memory, address)) = mapped else {
        c.check("mapped object outlives its cap", false, format!("{:?}", mapped.map(|_| ())));
        return;
    };
    let words = (4 * 4096 / 8) as usize;
    // SAFETY: `address` maps 16 KiB of the object, read-write, for us.
    let view = unsafe { core::slice::from_raw_parts_mut(address as *mut u64, words) };
    for (i, w) in view.iter_mut().enumerate() {
        *w = 0xA5A5_0000_0000_0000 | i as u64;
    }
    let released = memory.release();
    // Churn the allocator: freed frames would be handed out (zeroed) here.
    for _ in 0..64 {
        drop(fa.allocate(8));
    }
    let intact = view.iter().enumerate().all(|(i, w)| *w == 0xA5A5_0000_0000_0000 | i as u64);
    c.check(
        "mapped object outlives its cap",
        released.is_ok() && intact,
        format!("released: {released:?}, contents intact: {intact}"),
    );
    let unmapped = vm.unmap(address, 4 * 4096);
    c.check("unmapping the object", unmapped.is_ok(), format!("{unmapped:?}"));
}

/// Pipes: each end refuses the other's method, bad sizes are refused, a
/// waiting read ends when the writer goes and a write fails once the
/// reader has gone.
fn pipes(caps: &Caps, c: &mut Cases<'_>) {
    let Ok(factory) = caps.get::<capos::rt::pipe::PipeFactory>("pipeFactory") else {
        c.check("pipes", false, String::from("no pipeFactory cap"));
        return;
    };
    let Ok((reader, writer)) = factory.create() else {
        c.check("pipe create", false, String::from("create failed"));
        return;
    };
    let got = writer.read(10, true).err();
    c.check("read on the write end", got == Some(CapError::PermissionDenied), format!("{got:?}"));
    let got = reader.write(b"x", true).err();
    c.check("write on the read end", got == Some(CapError::PermissionDenied), format!("{got:?}"));
    let got = reader.read(0, true).err();
    c.check("read of 0 bytes", got == Some(CapError::InvalidArgument), format!("{got:?}"));
    let got = reader.read(1 << 20, true).err();
    c.check("read of 1 MiB at once", got == Some(CapError::InvalidArgument), format!("{got:?}"));
    let got = writer.write(&alloc::vec![0u8; 65537], true).err();
    c.check("write of more than 64 KiB", got == Some(CapError::TooLarge), format!("{got:?}"));
    let got = reader.read(10, true).err();
    c.check("non-blocking read of an empty pipe", got == Some(CapError::WouldBlock), format!("{got:?}"));
    let filled = (0..20).map(|_| writer.write(&[7u8; 4096], true).unwrap_or(0)).sum::<u32>();
    let got = writer.write(&[7u8; 4096], true).err();
    c.check(
        "a full pipe holds 64 KiB, then refuses",
        filled == 65536 && got == Some(CapError::WouldBlock),
        format!("{filled} bytes, then {got:?}"),
    );
    let drained = reader.read(65536, false).map(|d| d.len());
    let late = writer.write(b"late", false);
    drop(writer);
    let rest = reader.read(100, false).map(|d| d.len());
    let eof = reader.read(100, false).map(|d| d.len());
    c.check(
        "the writer's release ends the pipe after its data",
        drained == Ok(65536) && late == Ok(4) && rest == Ok(4) && eof == Ok(0),
        format!("drain {drained:?}, write {late:?}, read {rest:?}, then {eof:?}"),
    );
    let Ok((reader, writer)) = factory.create() else { return };
    drop(reader);
    let got = writer.write(b"x", false).err();
    c.check("a write with no reader is PeerDied", got == Some(CapError::PeerDied), format!("{got:?}"));
    pipes_in_a_loop(&factory, Timer::from_caps(caps, "timer").ok().as_deref(), c);
}

/// With the kernel-memory quota (nearly) full, calls an object keeps
/// pending (here `Timer.sleep`s) are charged too: of 200 sleeps some are
/// refused at once with `OutOfMemory` (before 2026-12-02 every one was
/// kept, uncharged, whatever the quota), the rest end as asked.
fn pending_calls_are_charged(timer: &Timer, end: Option<CapError>, c: &mut Cases<'_>) {
    if end != Some(CapError::OutOfMemory) {
        // The pipe loop ended on the cap table, not the quota: nothing
        // to show here.
        c.check("the pipe loop ended on the quota", false, format!("{end:?}"));
        return;
    }
    let mut calls = Vec::new();
    for _ in 0..200 {
        calls.push(timer.sleep_async(20_000_000));
    }
    let mut slept = 0;
    let mut refused = 0;
    let mut other = Vec::new();
    for call in calls {
        match call.and_then(|pending| pending.wait().map(|_| ())) {
            Ok(()) => slept += 1,
            Err(CapError::OutOfMemory) => refused += 1,
            Err(e) => other.push(e),
        }
    }
    c.check(
        "pending sleeps are charged: at a full quota some are OutOfMemory",
        refused > 0 && slept + refused == 200 && other.is_empty(),
        format!("{slept} slept, {refused} refused, others {other:?}"),
    );
}

/// Bytes a new pipe takes before a non-blocking write is refused.
fn fill(writer: &capos::rt::pipe::Pipe) -> usize {
    let mut held = 0;
    while let Ok(n) = writer.write(&[1u8; 4096], true) {
        held += n as usize;
        if held > 1 << 20 {
            break;
        }
    }
    held
}

/// Pipes made and filled in a loop (issue 9, point 3): each pipe's buffer
/// is kernel memory charged to its creator, so the loop cannot take more
/// than the 4 MiB quota. Uncharged, 127 full pipes (as many as the cap
/// table holds) took 8 MiB of kernel heap per process, with no limit over
/// processes. Past the quota a pipe holds 4 KiB (like Linux past its
/// pipe-buffer limit); the loop ends when the cap table is full or the
/// quota has no room even for that. Released, the memory comes back.
fn pipes_in_a_loop(factory: &capos::rt::pipe::PipeFactory, timer: Option<&Timer>, c: &mut Cases<'_>) {
    let mut pipes = Vec::new();
    let mut sizes = Vec::new();
    let end = loop {
        match factory.create() {
            Ok((reader, writer)) => {
                sizes.push(fill(&writer));
                pipes.push((reader, writer));
            }
            Err(e) => break Some(e),
        }
        if pipes.len() >= 1000 {
            break None;
        }
    };
    let big = sizes.iter().filter(|&&n| n == 65536).count();
    let small = sizes.iter().filter(|&&n| n == 4096).count();
    let held: usize = sizes.iter().sum();
    c.check(
        "pipes in a loop: 64 KiB ones, then 4 KiB ones, within the 4 MiB quota",
        big > 10 && small > 0 && big + small == sizes.len() && held < 4 << 20 && end.is_some(),
        format!("{big} of 64 KiB, {small} of 4 KiB, {held} bytes held, then {end:?}"),
    );
    if let Some(timer) = timer {
        pending_calls_are_charged(timer, end, c);
    }
    drop(pipes);
    let again = factory.create().map(|(_reader, writer)| fill(&writer));
    c.check("their memory comes back with them", again == Ok(65536), format!("{again:?}"));
}
