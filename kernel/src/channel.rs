//! Byte channels to the host for the terminal and stderr: a UART
//! (`com1`..`com3`, [`crate::serial`]) or a virtio console (`virtio0`,
//! `virtio1`, [`crate::virtio_console`]), named on the kernel command line.
//! The terminal session and the `stderr` cap write and read through
//! [`Channel`] and never care which one it is.

use crate::serial::{self, Port};
use crate::virtio_console;

/// Where the terminal or stderr goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// A UART.
    Uart(Port),
    /// The virtio console of this index (PCI order).
    Virtio(usize),
}

impl Channel {
    /// The kernel console's channel (COM1).
    pub const CONSOLE: Channel = Channel::Uart(Port::Com1);

    /// The channel called `name` (`com1`..`com3`, `virtio0`, `virtio1`).
    pub fn from_name(name: &str) -> Option<Channel> {
        if let Some(port) = Port::from_name(name) {
            return Some(Channel::Uart(port));
        }
        let index: usize = name.strip_prefix("virtio")?.parse().ok()?;
        (index < virtio_console::MAX_CONSOLES).then_some(Channel::Virtio(index))
    }

    /// Gets the channel ready; `false` if the machine does not have it.
    pub fn init(self) -> bool {
        match self {
            Channel::Uart(port) => serial::init_port(port),
            Channel::Virtio(index) => virtio_console::exists(index),
        }
    }

    /// Writes `bytes` (with `crlf`, each `\n` as `\r\n`): `true` when it
    /// was taken whole, `false` (nothing taken) when a UART's transmit
    /// queue has no room for it yet ([`serial::queue`]). A virtio console
    /// takes it at once.
    pub fn write(self, bytes: &[u8], crlf: bool) -> bool {
        match self {
            Channel::Uart(port) => serial::queue(port, bytes, crlf),
            Channel::Virtio(index) if !crlf => {
                virtio_console::write(index, bytes);
                true
            }
            Channel::Virtio(index) => {
                for chunk in bytes.split_inclusive(|&b| b == b'\n') {
                    match chunk.strip_suffix(b"\n") {
                        Some(line) => {
                            virtio_console::write(index, line);
                            virtio_console::write(index, b"\r\n");
                        }
                        None => virtio_console::write(index, chunk),
                    }
                }
                true
            }
        }
    }

    /// Passes up to `max` received bytes to `sink`, one at a time, until
    /// it returns `false` (no room for another); how many it got. Call it
    /// only when `sink` has room for one byte.
    pub fn receive(self, max: usize, sink: &mut dyn FnMut(u8) -> bool) -> usize {
        match self {
            Channel::Uart(port) => {
                let mut count = 0;
                while count < max {
                    let Some(byte) = serial::try_read(port) else { break };
                    count += 1;
                    if !sink(byte) {
                        break;
                    }
                }
                count
            }
            Channel::Virtio(index) => virtio_console::receive(index, max, sink),
        }
    }

    /// Most bytes one poll takes: a UART's few hundred bytes a tick keep
    /// up with it; a virtio console delivers pages at a time.
    pub fn poll_budget(self) -> usize {
        match self {
            Channel::Uart(_) => 256,
            Channel::Virtio(_) => 256 * 1024,
        }
    }

    /// The UART, if the channel is one (for its receive interrupt).
    pub fn uart(self) -> Option<Port> {
        match self {
            Channel::Uart(port) => Some(port),
            Channel::Virtio(_) => None,
        }
    }
}
