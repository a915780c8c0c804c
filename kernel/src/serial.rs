//! Serial ports: COM1 is the kernel's console (log and `Console` cap);
//! COM2 and COM3 are set up on demand for the terminal and error output
//! ([`Port`], [`queue`], [`try_read`]).
//!
//! What programs write (through the `Console`, terminal and `stderr` caps)
//! goes into a per-port transmit queue of [`TX_CAPACITY`] bytes: [`queue`]
//! takes a write whole or not at all, and the queue drains into the UART
//! without ever waiting for it, for at most [`PUMP_BUDGET_NS`] at a time,
//! right after a write and on every timer tick ([`pump_all`]). So no write
//! keeps interrupts off for longer than that, however slow the line; a
//! 64 KiB write used to hold them off for the whole transmission.
//!
//! The kernel's own log goes through [`SerialWriter`] under the port's spin
//! lock with interrupts disabled (so a timer interrupt cannot deadlock on
//! it), at once (it may pass program output still queued on COM1). The panic and
//! exception paths use [`emergency_writer`], which takes no lock: they may
//! run while the lock is held by the code that failed.

use alloc::collections::VecDeque;
use core::fmt::{self, Write};
use spin::Mutex;
use uart_16550::{Config, Uart16550, backend::PioBackend};

const COM1: u16 = 0x3F8;

/// A serial port.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Port {
    /// COM1 (0x3F8): the kernel console.
    Com1,
    /// COM2 (0x2F8).
    Com2,
    /// COM3 (0x3E8).
    Com3,
}

impl Port {
    /// The port called `name` (`com1`, `com2`, `com3`).
    pub fn from_name(name: &str) -> Option<Port> {
        match name {
            "com1" => Some(Port::Com1),
            "com2" => Some(Port::Com2),
            "com3" => Some(Port::Com3),
            _ => None,
        }
    }

    fn base(self) -> u16 {
        match self {
            Port::Com1 => COM1,
            Port::Com2 => 0x2F8,
            Port::Com3 => 0x3E8,
        }
    }

    /// The ISA IRQ of the port's interrupt line.
    pub fn irq(self) -> u8 {
        match self {
            Port::Com1 | Port::Com3 => 4,
            Port::Com2 => 3,
        }
    }

    fn lock(self) -> &'static Mutex<PortState> {
        match self {
            Port::Com1 => &COM1_PORT,
            Port::Com2 => &COM2_PORT,
            Port::Com3 => &COM3_PORT,
        }
    }
}

/// Bytes a port's transmit queue holds.
pub const TX_CAPACITY: usize = 64 * 1024;
/// Longest a drain of a transmit queue runs (interrupts are off).
pub const PUMP_BUDGET_NS: u64 = 1_000_000;

/// A port: its UART (`None` until set up), its I/O base and its transmit
/// queue.
pub struct PortState {
    uart: Option<Uart16550<PioBackend>>,
    base: u16,
    tx: VecDeque<u8>,
}

impl PortState {
    const fn new(base: u16) -> Self {
        Self { uart: None, base, tx: VecDeque::new() }
    }

    /// Asks for the transmitter-empty interrupt (IER bit 1) while bytes
    /// wait, so the queue drains from the serial interrupt as fast as the
    /// line goes (where the port's line is routed: the terminal's and
    /// stderr's ports); the timer tick drains it otherwise.
    fn want_tx_interrupt(&self, on: bool) {
        // SAFETY: IER (base+1) of a UART this module set up; only the
        // transmitter-empty enable bit changes.
        unsafe {
            let mut ier = x86_64::instructions::port::Port::<u8>::new(self.base + 1);
            let value = ier.read();
            let wanted = if on { value | 0x02 } else { value & !0x02 };
            if wanted != value {
                ier.write(wanted);
            }
        }
    }

    /// Takes the queue's whole room ([`TX_CAPACITY`]) if it can; a queue
    /// without it still grows as output needs.
    fn reserve(&mut self) {
        let missing = TX_CAPACITY.saturating_sub(self.tx.len());
        let _ = self.tx.try_reserve_exact(missing);
    }

    /// Sends everything queued, waiting for the UART (at power-off).
    // Only the normal kernel powers off; the ktest build does not.
    #[cfg_attr(feature = "ktest", allow(dead_code))]
    fn flush(&mut self) {
        if let Some(uart) = self.uart.as_mut() {
            let (a, b) = self.tx.as_slices();
            uart.send_bytes_exact(a);
            uart.send_bytes_exact(b);
        }
        self.tx.clear();
    }

    /// Moves queued bytes into the UART while it takes them without
    /// waiting, for at most [`PUMP_BUDGET_NS`].
    fn pump(&mut self) {
        let Some(uart) = self.uart.as_mut() else {
            self.tx.clear();
            return;
        };
        let deadline = crate::time::uptime_ns().saturating_add(PUMP_BUDGET_NS);
        while !self.tx.is_empty() {
            let sent = uart.send_bytes(self.tx.as_slices().0);
            if sent == 0 {
                break;
            }
            self.tx.drain(..sent);
            if crate::time::uptime_ns() >= deadline {
                break;
            }
        }
        self.want_tx_interrupt(!self.tx.is_empty());
    }
}

/// The ports behind their locks.
static COM1_PORT: Mutex<PortState> = Mutex::new(PortState::new(COM1));
static COM2_PORT: Mutex<PortState> = Mutex::new(PortState::new(0x2F8));
static COM3_PORT: Mutex<PortState> = Mutex::new(PortState::new(0x3E8));

/// A `fmt::Write` sink over a UART that turns `\n` into `\r\n`.
pub struct SerialWriter<'a>(&'a mut Uart16550<PioBackend>);

impl Write for SerialWriter<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for chunk in s.split_inclusive('\n') {
            match chunk.strip_suffix('\n') {
                Some(line) => {
                    self.0.send_bytes_exact(line.as_bytes());
                    self.0.send_bytes_exact(b"\r\n");
                }
                None => self.0.send_bytes_exact(chunk.as_bytes()),
            }
        }
        Ok(())
    }
}

/// Sets up COM1 at 115200 8N1. Safe to call once at boot.
pub fn init() {
    // A missing UART leaves output silently dropped; there is no one to tell.
    let _ = init_port(Port::Com1);
}

/// Sets up `port` at 115200 8N1 (once; later calls do nothing). `false` if
/// the machine has no UART there.
pub fn init_port(port: Port) -> bool {
    x86_64::instructions::interrupts::without_interrupts(|| {
        let mut state = port.lock().lock();
        if state.uart.is_some() {
            return true;
        }
        // SAFETY: the COM1..COM3 I/O ranges are the standard ones on every PC
        // and QEMU machine we run on; this lock is their only owner apart
        // from the lock-free emergency writer, which only transmits on COM1.
        let Ok(mut uart) = (unsafe { Uart16550::new_port(port.base()) }) else { return false };
        if uart.init(Config::default()).is_err() {
            return false;
        }
        state.uart = Some(uart);
        if crate::mem::heap::is_ready() {
            state.reserve();
        }
        true
    })
}

/// Gives every port set up so far its whole transmit queue (called once the
/// kernel heap exists; ports set up later get theirs in [`init_port`]).
/// The queue's room is taken at boot rather than grown by output: what a
/// burst of output would keep afterwards is then no heap growth, and
/// queueing does not allocate.
pub fn reserve_queues() {
    for port in [Port::Com1, Port::Com2, Port::Com3] {
        x86_64::instructions::interrupts::without_interrupts(|| {
            let mut state = port.lock().lock();
            if state.uart.is_some() {
                state.reserve();
            }
        });
    }
}

/// Queues `bytes` for `port` (with `crlf`, each `\n` as `\r\n`) and
/// starts sending them: `true` when all of it fits in the queue, `false`
/// (nothing queued) when it does not yet. A port that is not set up takes
/// and drops everything.
pub fn queue(port: Port, bytes: &[u8], crlf: bool) -> bool {
    let needed = bytes.len() + if crlf { bytes.iter().filter(|&&b| b == b'\n').count() } else { 0 };
    x86_64::instructions::interrupts::without_interrupts(|| {
        let mut state = port.lock().lock();
        if state.uart.is_none() {
            return true;
        }
        if state.tx.len() + needed > TX_CAPACITY {
            state.pump();
            if state.tx.len() + needed > TX_CAPACITY {
                return false;
            }
        }
        if state.tx.try_reserve(needed).is_err() {
            return false;
        }
        for &b in bytes {
            if crlf && b == b'\n' {
                state.tx.push_back(b'\r');
            }
            state.tx.push_back(b);
        }
        state.pump();
        true
    })
}

/// Sends everything still queued on every port, waiting for the UARTs:
/// before the machine powers off, so no output is lost.
// Only the normal kernel powers off; the ktest build does not.
#[cfg_attr(feature = "ktest", allow(dead_code))]
pub fn flush_all() {
    for port in [Port::Com1, Port::Com2, Port::Com3] {
        x86_64::instructions::interrupts::without_interrupts(|| port.lock().lock().flush());
    }
}

/// Drains every port's queue a little (called on each timer tick and
/// serial interrupt).
pub fn pump_all() {
    for port in [Port::Com1, Port::Com2, Port::Com3] {
        x86_64::instructions::interrupts::without_interrupts(|| {
            let mut state = port.lock().lock();
            if !state.tx.is_empty() {
                state.pump();
            }
        });
    }
}

/// Makes `port` raise its interrupt line when a byte arrives (IER bit 0,
/// and MCR OUT2, which gates the line on PC UARTs). Only once it is set up.
pub fn enable_rx_interrupt(port: Port) {
    x86_64::instructions::interrupts::without_interrupts(|| {
        if port.lock().lock().uart.is_none() {
            return;
        }
        let base = port.base();
        // SAFETY: IER (base+1) and MCR (base+4) of a UART this module set
        // up; enabling the receive interrupt and OUT2 changes nothing but
        // the interrupt line, which the I/O APIC routes to our handler.
        unsafe {
            let mut ier = x86_64::instructions::port::Port::<u8>::new(base + 1);
            ier.write(0x01);
            let mut mcr = x86_64::instructions::port::Port::<u8>::new(base + 4);
            let value = mcr.read();
            mcr.write(value | 0x08);
        }
    });
}

/// One received byte from `port`, if one is waiting.
pub fn try_read(port: Port) -> Option<u8> {
    x86_64::instructions::interrupts::without_interrupts(|| {
        port.lock().lock().uart.as_mut().and_then(|uart| uart.try_receive_byte().ok())
    })
}

/// Runs `f` with the locked serial writer, interrupts off.
pub fn with_writer(f: impl FnOnce(&mut SerialWriter<'_>)) {
    x86_64::instructions::interrupts::without_interrupts(|| {
        // The queue is drained as far as the budget allows, not flushed: a
        // program's 64 KiB of console output must not keep interrupts off
        // for its whole transmission. A log line may pass output still
        // queued.
        let mut state = COM1_PORT.lock();
        state.pump();
        if let Some(uart) = state.uart.as_mut() {
            f(&mut SerialWriter(uart));
        }
    });
}

/// Prints formatted text on the console.
pub fn print(args: fmt::Arguments<'_>) {
    with_writer(|w| {
        let _ = w.write_fmt(args);
    });
}

/// Runs `f` with an unlocked writer for the panic and fault paths.
///
/// It may interleave with output of code that was interrupted mid-line, which
/// is acceptable for a report printed just before the machine stops.
pub fn emergency_writer(f: impl FnOnce(&mut SerialWriter<'_>)) {
    // SAFETY: same port as `init`; the UART was configured there (or by the
    // firmware). Transmitting from a second handle at worst interleaves bytes
    // with an interrupted writer, it cannot corrupt kernel memory.
    if let Ok(mut uart) = unsafe { Uart16550::new_port(COM1) } {
        f(&mut SerialWriter(&mut uart));
    }
}

/// `print!` to the serial console.
#[macro_export]
macro_rules! kprint {
    ($($arg:tt)*) => { $crate::serial::print(format_args!($($arg)*)) };
}

/// `println!` to the serial console.
#[macro_export]
macro_rules! kprintln {
    () => { $crate::serial::print(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::serial::print(format_args!("{}\n", format_args!($($arg)*))) };
}
