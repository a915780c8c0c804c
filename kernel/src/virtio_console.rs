//! Virtio serial ports (QEMU's `virtio-serial-pci` with `virtserialport`s
//! 1 and 2), driven through the legacy virtio PCI interface: an I/O BAR of
//! registers and one ring pair per port, plus the control ring pair of the
//! multiport protocol. `capos run` connects the program's terminal and
//! stderr to ports 1 and 2 (`terminal=virtio0 stderr=virtio1`): a write
//! moves up to [`TX_BUFFERS`] pages per notification instead of one port
//! access per byte, so output and input cross to the host at many MB/s
//! where the emulated UARTs manage a few hundred KB/s. (Ports, not QEMU's
//! `virtconsole`: a console port drops output when the host is slow to
//! read; a serial port holds it until the host takes it.)
//!
//! Start: the driver negotiates `MULTIPORT`, sets up the rings, says
//! `DEVICE_READY`, answers each `PORT_ADD` with `PORT_READY` and opens the
//! port (`PORT_OPEN`), which is when the host starts sending.
//!
//! No interrupts: the terminal polls input on every tick and every read,
//! and [`RX_BUFFERS`] pages stay posted so the host can run ahead. A write
//! waits (interrupts off, like the UART's) until the device has taken
//! every page, which under QEMU is as soon as the host side accepts them.
//!
//! Memory: each ring is a run of physically consecutive frames (the legacy
//! interface addresses it by one page number) and each buffer one frame,
//! all taken at boot and kept for the machine's life.

use core::sync::atomic::{Ordering, fence};

use spin::Mutex;
use x86_64::instructions::port::Port;

use crate::arch::x86_64::pci;
use crate::mem::{frame, layout};

/// Red Hat's virtio vendor id and the transitional console device's id.
const VENDOR: u16 = 0x1AF4;
const CONSOLE_DEVICE: u16 = 0x1003;

/// Legacy register offsets in BAR 0.
const HOST_FEATURES: u16 = 0x00;
const GUEST_FEATURES: u16 = 0x04;
const QUEUE_PFN: u16 = 0x08;
const QUEUE_SIZE: u16 = 0x0C;
const QUEUE_SELECT: u16 = 0x0E;
const QUEUE_NOTIFY: u16 = 0x10;
const STATUS: u16 = 0x12;

/// Device status bits.
const ACKNOWLEDGE: u8 = 1;
const DRIVER: u8 = 2;
const DRIVER_OK: u8 = 4;
const FAILED: u8 = 128;

/// The multiport feature bit.
const MULTIPORT: u32 = 1 << 1;
/// The control queues (receive, transmit) of the multiport protocol.
const CONTROL_RX: u16 = 2;
const CONTROL_TX: u16 = 3;
/// Control events.
const DEVICE_READY: u16 = 0;
const PORT_ADD: u16 = 1;
const PORT_READY: u16 = 3;
const PORT_OPEN: u16 = 6;
/// Buffers kept posted on the control receive queue.
const CONTROL_BUFFERS: usize = 8;
/// Polls of the control queue while waiting for the device's `PORT_ADD`s.
const CONTROL_SPINS: usize = 1_000_000;

/// Descriptor flag: the device writes the buffer.
const DESC_WRITE: u16 = 2;

/// Page size, and the size of every buffer.
const PAGE: usize = 4096;
/// Receive buffers kept posted per port.
pub const RX_BUFFERS: usize = 32;
/// Transmit buffers per port (a write sends at most this many pages per
/// notification).
pub const TX_BUFFERS: usize = 16;
/// Largest ring the driver takes (the device chooses; QEMU's has 128).
const MAX_QUEUE_SIZE: u16 = 1024;
/// Ports used: 1 and 2 (the kernel's `virtio0` and `virtio1`).
pub const MAX_CONSOLES: usize = 2;

/// One split virtqueue in the legacy layout: descriptors, then the
/// available ring, then (at the next page) the used ring.
struct Queue {
    /// Virtual address of the ring (in the physical window).
    base: u64,
    size: u16,
    used_offset: u64,
    /// Next available-ring index the driver publishes.
    avail_idx: u16,
    /// Used-ring entries consumed so far.
    last_used: u16,
}

impl Queue {
    /// Sets up queue `index` of the device at `io`.
    fn new(io: u16, index: u16) -> Option<Queue> {
        write16(io, QUEUE_SELECT, index);
        let size = read16(io, QUEUE_SIZE);
        if size == 0 || size > MAX_QUEUE_SIZE || !size.is_power_of_two() {
            return None;
        }
        let avail_end = 16 * u64::from(size) + 6 + 2 * u64::from(size);
        let used_offset = avail_end.next_multiple_of(PAGE as u64);
        let bytes = used_offset + 6 + 8 * u64::from(size);
        let pages = bytes.div_ceil(PAGE as u64) as usize;
        let phys = frame::alloc_contiguous_zeroed(pages)?;
        write32(io, QUEUE_PFN, (phys / PAGE as u64) as u32);
        Some(Queue { base: layout::phys_to_virt(phys), size, used_offset, avail_idx: 0, last_used: 0 })
    }

    /// Publishes descriptor `id` (`len` bytes at `phys`; `device_writes`
    /// for a receive buffer) in the available ring.
    fn submit(&mut self, id: u16, phys: u64, len: u32, device_writes: bool) {
        let desc = self.base + 16 * u64::from(id);
        let slot = self.base + 16 * u64::from(self.size) + 4 + 2 * u64::from(self.avail_idx % self.size);
        // SAFETY: `desc` and `slot` lie inside this queue's ring (id and the
        // slot index are below `size`), which the driver owns in the
        // physical window; the device reads them only after the index store
        // below, ordered by the fence.
        unsafe {
            core::ptr::write_volatile(desc as *mut u64, phys);
            core::ptr::write_volatile((desc + 8) as *mut u32, len);
            core::ptr::write_volatile((desc + 12) as *mut u16, if device_writes { DESC_WRITE } else { 0 });
            core::ptr::write_volatile((desc + 14) as *mut u16, 0);
            core::ptr::write_volatile(slot as *mut u16, id);
        }
        self.avail_idx = self.avail_idx.wrapping_add(1);
        fence(Ordering::SeqCst);
        let idx = self.base + 16 * u64::from(self.size) + 2;
        // SAFETY: the available ring's index field, inside the ring.
        unsafe { core::ptr::write_volatile(idx as *mut u16, self.avail_idx) };
    }

    /// The next buffer the device has finished with: its id and the bytes
    /// it wrote.
    fn take_used(&mut self) -> Option<(u16, u32)> {
        let used = self.base + self.used_offset;
        // SAFETY: the used ring's index, inside the ring; the device updates
        // it, hence the volatile read.
        let idx = unsafe { core::ptr::read_volatile((used + 2) as *const u16) };
        if idx == self.last_used {
            return None;
        }
        fence(Ordering::SeqCst);
        let elem = used + 4 + 8 * u64::from(self.last_used % self.size);
        // SAFETY: a used-ring element below `size`, written by the device
        // before it published `idx` (ordered by the fence above).
        let (id, len) = unsafe {
            (core::ptr::read_volatile(elem as *const u32), core::ptr::read_volatile((elem + 4) as *const u32))
        };
        self.last_used = self.last_used.wrapping_add(1);
        Some((id as u16, len))
    }
}

/// One serial port: its ring pair and buffers.
struct SerialPort {
    io: u16,
    /// Its queues' numbers (receive, transmit).
    queues: (u16, u16),
    rx: Queue,
    tx: Queue,
    rx_pages: [u64; RX_BUFFERS],
    tx_pages: [u64; TX_BUFFERS],
    /// The receive buffer being read: id, length, next byte.
    current: Option<(u16, usize, usize)>,
}

impl SerialPort {
    /// Sets up the rings of port `number` of the device at `io` (before
    /// `DRIVER_OK`).
    fn new(io: u16, number: u16) -> Option<SerialPort> {
        let queues = (2 * number + 2, 2 * number + 3);
        let (mut rx, tx) = (Queue::new(io, queues.0)?, Queue::new(io, queues.1)?);
        let mut rx_pages = [0; RX_BUFFERS];
        let mut tx_pages = [0; TX_BUFFERS];
        for page in rx_pages.iter_mut().chain(tx_pages.iter_mut()) {
            *page = frame::alloc_zeroed()?.start_address().as_u64();
        }
        for (id, page) in rx_pages.iter().enumerate().take(usize::from(rx.size)) {
            rx.submit(id as u16, *page, PAGE as u32, true);
        }
        Some(SerialPort { io, queues, rx, tx, rx_pages, tx_pages, current: None })
    }

    /// Sends `bytes`, [`TX_BUFFERS`] pages per notification, and waits
    /// until the device has taken them.
    fn write(&mut self, bytes: &[u8]) {
        let per_batch = TX_BUFFERS.min(usize::from(self.tx.size));
        for batch in bytes.chunks(PAGE * per_batch) {
            let mut sent = 0;
            for (id, chunk) in batch.chunks(PAGE).enumerate() {
                let page = self.tx_pages[id];
                // SAFETY: `page` is a frame this port owns, mapped in the
                // physical window, not in use by the device (every earlier
                // batch was taken back before this one), and a chunk is at
                // most one page.
                unsafe {
                    core::ptr::copy_nonoverlapping(
                        chunk.as_ptr(),
                        layout::phys_to_virt(page) as *mut u8,
                        chunk.len(),
                    );
                }
                self.tx.submit(id as u16, page, chunk.len() as u32, false);
                sent += 1;
            }
            write16(self.io, QUEUE_NOTIFY, self.queues.1);
            while sent > 0 {
                if self.tx.take_used().is_some() {
                    sent -= 1;
                } else {
                    core::hint::spin_loop();
                }
            }
        }
    }

    /// Passes received bytes to `sink` until it returns `false` (it has
    /// no room for more) or `max` bytes went; returns how many went.
    fn receive(&mut self, max: usize, sink: &mut dyn FnMut(u8) -> bool) -> usize {
        let mut count = 0;
        while count < max {
            let (id, len, mut pos) = match self.current.take() {
                Some(current) => current,
                None => match self.rx.take_used() {
                    Some((id, len)) if usize::from(id) < RX_BUFFERS => (id, (len as usize).min(PAGE), 0),
                    Some(_) | None => break,
                },
            };
            let data = layout::phys_to_virt(self.rx_pages[usize::from(id)]) as *const u8;
            let mut more = true;
            while pos < len && count < max && more {
                // SAFETY: `pos < len <= PAGE` inside a receive page the
                // device has returned (it no longer writes it).
                let byte = unsafe { core::ptr::read_volatile(data.add(pos)) };
                pos += 1;
                count += 1;
                more = sink(byte);
            }
            if pos < len {
                self.current = Some((id, len, pos));
                break;
            }
            // The page is used up: give it back to the device.
            self.rx.submit(id, self.rx_pages[usize::from(id)], PAGE as u32, true);
            write16(self.io, QUEUE_NOTIFY, self.queues.0);
            if !more {
                break;
            }
        }
        count
    }
}

/// The control rings of a device during the multiport handshake.
struct Control {
    io: u16,
    rx: Queue,
    tx: Queue,
    rx_pages: [u64; CONTROL_BUFFERS],
    tx_page: u64,
}

impl Control {
    fn new(io: u16) -> Option<Control> {
        let (mut rx, tx) = (Queue::new(io, CONTROL_RX)?, Queue::new(io, CONTROL_TX)?);
        let mut rx_pages = [0; CONTROL_BUFFERS];
        for (id, page) in rx_pages.iter_mut().enumerate().take(usize::from(rx.size)) {
            *page = frame::alloc_zeroed()?.start_address().as_u64();
            rx.submit(id as u16, *page, PAGE as u32, true);
        }
        let tx_page = frame::alloc_zeroed()?.start_address().as_u64();
        Some(Control { io, rx, tx, rx_pages, tx_page })
    }

    /// Sends the control message `(port, event, value)` and waits until
    /// the device has taken it.
    fn send(&mut self, port: u32, event: u16, value: u16) {
        let mut message = [0u8; 8];
        message[..4].copy_from_slice(&port.to_le_bytes());
        message[4..6].copy_from_slice(&event.to_le_bytes());
        message[6..].copy_from_slice(&value.to_le_bytes());
        // SAFETY: the control transmit page is this driver's frame, mapped
        // in the physical window; the device took the previous message back.
        unsafe {
            core::ptr::copy_nonoverlapping(
                message.as_ptr(),
                layout::phys_to_virt(self.tx_page) as *mut u8,
                8,
            );
        }
        self.tx.submit(0, self.tx_page, 8, false);
        write16(self.io, QUEUE_NOTIFY, CONTROL_TX);
        for _ in 0..CONTROL_SPINS {
            if self.tx.take_used().is_some() {
                return;
            }
            core::hint::spin_loop();
        }
    }

    /// The next control message from the device: `(port, event, value)`.
    fn receive(&mut self) -> Option<(u32, u16, u16)> {
        let (id, len) = self.rx.take_used()?;
        let page = *self.rx_pages.get(usize::from(id))?;
        let mut message = [0u8; 8];
        // SAFETY: a control receive page the device has returned, at least
        // 8 bytes (one page).
        unsafe {
            core::ptr::copy_nonoverlapping(layout::phys_to_virt(page) as *const u8, message.as_mut_ptr(), 8);
        }
        self.rx.submit(id, page, PAGE as u32, true);
        write16(self.io, QUEUE_NOTIFY, CONTROL_RX);
        (len >= 8).then(|| {
            let port = u32::from_le_bytes([message[0], message[1], message[2], message[3]]);
            (port, u16::from_le_bytes([message[4], message[5]]), u16::from_le_bytes([message[6], message[7]]))
        })
    }
}

static PORTS: [Mutex<Option<SerialPort>>; MAX_CONSOLES] = [Mutex::new(None), Mutex::new(None)];

/// Sets up the first multiport virtio serial device on PCI bus 0 and its
/// ports 1 and 2 (once, at boot); returns how many ports the host opened
/// to us.
pub fn init() -> usize {
    let Some(function) = pci::find(VENDOR, CONSOLE_DEVICE).next() else { return 0 };
    let Some(io) = function.io_bar(0) else {
        log::warn!("virtio serial device at {function:?} has no I/O BAR; not used");
        return 0;
    };
    write8(io, STATUS, 0);
    write8(io, STATUS, ACKNOWLEDGE | DRIVER);
    if read32(io, HOST_FEATURES) & MULTIPORT == 0 {
        log::warn!("virtio serial device at {function:?} has no multiport feature; not used");
        write8(io, STATUS, FAILED);
        return 0;
    }
    write32(io, GUEST_FEATURES, MULTIPORT);
    let control = Control::new(io);
    let ports = [SerialPort::new(io, 1), SerialPort::new(io, 2)];
    let Some(mut control) = control else {
        write8(io, STATUS, FAILED);
        return 0;
    };
    write8(io, STATUS, ACKNOWLEDGE | DRIVER | DRIVER_OK);
    write16(io, QUEUE_NOTIFY, CONTROL_RX);
    control.send(0, DEVICE_READY, 1);
    // The device announces its ports right away: ready and open each one.
    let mut ready = 0;
    let mut spins = 0;
    while spins < CONTROL_SPINS {
        let Some((port, event, _)) = control.receive() else {
            spins += 1;
            core::hint::spin_loop();
            continue;
        };
        if event == PORT_ADD && (1..=MAX_CONSOLES as u32).contains(&port) {
            control.send(port, PORT_READY, 1);
            control.send(port, PORT_OPEN, 1);
            ready += 1;
            if ready == MAX_CONSOLES {
                break;
            }
        }
    }
    let mut count = 0;
    for (slot, port) in PORTS.iter().zip(ports) {
        if let Some(port) = port {
            *slot.lock() = Some(port);
            count += 1;
        }
    }
    count.min(ready)
}

/// Whether port `index` (0: port 1) exists.
pub fn exists(index: usize) -> bool {
    PORTS.get(index).is_some_and(|c| c.lock().is_some())
}

/// Writes `bytes` to port `index` (nothing if it does not exist).
pub fn write(index: usize, bytes: &[u8]) {
    with(index, |port| port.write(bytes));
}

/// Passes up to `max` received bytes of port `index` to `sink` (see
/// [`SerialPort::receive`]); how many went.
pub fn receive(index: usize, max: usize, sink: &mut dyn FnMut(u8) -> bool) -> usize {
    with(index, |port| port.receive(max, sink)).unwrap_or(0)
}

fn with<T>(index: usize, f: impl FnOnce(&mut SerialPort) -> T) -> Option<T> {
    let slot = PORTS.get(index)?;
    x86_64::instructions::interrupts::without_interrupts(|| slot.lock().as_mut().map(f))
}

fn write8(io: u16, offset: u16, value: u8) {
    // SAFETY: a register of a virtio device's legacy I/O BAR, which the
    // firmware assigned and this module alone drives.
    unsafe { Port::<u8>::new(io + offset).write(value) }
}

fn write16(io: u16, offset: u16, value: u16) {
    // SAFETY: as in `write8`.
    unsafe { Port::<u16>::new(io + offset).write(value) }
}

fn write32(io: u16, offset: u16, value: u32) {
    // SAFETY: as in `write8`.
    unsafe { Port::<u32>::new(io + offset).write(value) }
}

fn read16(io: u16, offset: u16) -> u16 {
    // SAFETY: as in `write8`; reading the queue size has no side effect.
    unsafe { Port::<u16>::new(io + offset).read() }
}

fn read32(io: u16, offset: u16) -> u32 {
    // SAFETY: as in `write8`; reading the features has no side effect.
    unsafe { Port::<u32>::new(io + offset).read() }
}
