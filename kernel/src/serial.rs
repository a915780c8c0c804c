//! COM1 serial console: the kernel's only output device for now.
//!
//! Normal output goes through [`SerialWriter`] under a spin lock with
//! interrupts disabled (so a timer interrupt cannot deadlock on it). The
//! panic and exception paths use [`emergency_writer`], which takes no lock:
//! they may run while the lock is held by the code that failed.

use core::fmt::{self, Write};
use spin::Mutex;
use uart_16550::{Config, Uart16550, backend::PioBackend};

const COM1: u16 = 0x3F8;

/// The UART behind the lock; `None` until [`init`] ran.
static COM1_PORT: Mutex<Option<Uart16550<PioBackend>>> = Mutex::new(None);

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
    // SAFETY: 0x3F8..0x3F8+8 is the standard COM1 I/O range on every PC and
    // QEMU machine we run on; this is the only owner of it apart from the
    // lock-free emergency writer, which only transmits.
    let mut uart = match unsafe { Uart16550::new_port(COM1) } {
        Ok(uart) => uart,
        Err(_) => return,
    };
    // A missing UART leaves output silently dropped; there is no one to tell.
    if uart.init(Config::default()).is_ok() {
        *COM1_PORT.lock() = Some(uart);
    }
}

/// Runs `f` with the locked serial writer, interrupts off.
pub fn with_writer(f: impl FnOnce(&mut SerialWriter<'_>)) {
    x86_64::instructions::interrupts::without_interrupts(|| {
        if let Some(uart) = COM1_PORT.lock().as_mut() {
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

/// Writes raw bytes on the console, untranslated.
pub fn write_bytes(bytes: &[u8]) {
    x86_64::instructions::interrupts::without_interrupts(|| {
        if let Some(uart) = COM1_PORT.lock().as_mut() {
            uart.send_bytes_exact(bytes);
        }
    });
}
