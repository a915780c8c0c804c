//! Serial ports: COM1 is the kernel's console (log and `Console` cap);
//! COM2 and COM3 are set up on demand for the terminal and error output
//! ([`Port`], [`write_port`], [`try_read`]).
//!
//! Normal output goes through [`SerialWriter`] under a spin lock with
//! interrupts disabled (so a timer interrupt cannot deadlock on it). The
//! panic and exception paths use [`emergency_writer`], which takes no lock:
//! they may run while the lock is held by the code that failed.

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

    fn lock(self) -> &'static Mutex<Option<Uart16550<PioBackend>>> {
        match self {
            Port::Com1 => &COM1_PORT,
            Port::Com2 => &COM2_PORT,
            Port::Com3 => &COM3_PORT,
        }
    }
}

/// The UARTs behind their locks; `None` until set up.
static COM1_PORT: Mutex<Option<Uart16550<PioBackend>>> = Mutex::new(None);
static COM2_PORT: Mutex<Option<Uart16550<PioBackend>>> = Mutex::new(None);
static COM3_PORT: Mutex<Option<Uart16550<PioBackend>>> = Mutex::new(None);

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
        let mut slot = port.lock().lock();
        if slot.is_some() {
            return true;
        }
        // SAFETY: the COM1..COM3 I/O ranges are the standard ones on every PC
        // and QEMU machine we run on; this lock is their only owner apart
        // from the lock-free emergency writer, which only transmits on COM1.
        let Ok(mut uart) = (unsafe { Uart16550::new_port(port.base()) }) else { return false };
        if uart.init(Config::default()).is_err() {
            return false;
        }
        *slot = Some(uart);
        true
    })
}

/// Writes raw bytes to `port` (nothing if it is not set up); with
/// `crlf`, each `\n` goes out as `\r\n`.
pub fn write_port(port: Port, bytes: &[u8], crlf: bool) {
    x86_64::instructions::interrupts::without_interrupts(|| {
        if let Some(uart) = port.lock().lock().as_mut() {
            if !crlf {
                uart.send_bytes_exact(bytes);
                return;
            }
            for chunk in bytes.split_inclusive(|&b| b == b'\n') {
                match chunk.strip_suffix(b"\n") {
                    Some(line) => {
                        uart.send_bytes_exact(line);
                        uart.send_bytes_exact(b"\r\n");
                    }
                    None => uart.send_bytes_exact(chunk),
                }
            }
        }
    });
}

/// Makes `port` raise its interrupt line when a byte arrives (IER bit 0,
/// and MCR OUT2, which gates the line on PC UARTs). Only once it is set up.
pub fn enable_rx_interrupt(port: Port) {
    x86_64::instructions::interrupts::without_interrupts(|| {
        if port.lock().lock().is_none() {
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
        port.lock().lock().as_mut().and_then(|uart| uart.try_receive_byte().ok())
    })
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
