//! Typed clients for pipes: `PipeFactory` (make one) and `Pipe` (either
//! end; see `schema/capos.capnp` and `kernel/src/cap/pipe.rs`).
//!
//! ```ignore
//! let (reader, writer) = factory.create()?;
//! writer.write(b"hello", false)?;
//! let data = reader.read(4096, false)?; // b"hello"; empty: end of file
//! ```

use alloc::vec::Vec;
use capos_abi::error::CapError;
use capos_schema::{interface_id, method, pipe, pipe_factory};

use crate::call::{PendingCall, Request, call, submit};
use crate::caps::Caps;

fn malformed<T>(_: T) -> CapError {
    CapError::MalformedParams
}

/// Room for a read's answer: the data and the message around it.
const READ_RESULT: u32 = 64 * 1024 + 256;

crate::client::client!(
    /// `PipeFactory`: make pipes.
    PipeFactory,
    interface_id::PIPE_FACTORY
);
crate::client::client!(
    /// `Pipe`: one end of a pipe.
    Pipe,
    interface_id::PIPE
);

/// What `Pipe::status` reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PipeStatus {
    /// Bytes waiting to be read.
    pub available: u32,
    /// Room for writing.
    pub room: u32,
    /// Whether the other end is gone.
    pub peer_gone: bool,
}

impl PipeFactory {
    /// A new pipe: `(read end, write end)`.
    pub fn create(&self) -> Result<(Pipe, Pipe), CapError> {
        let mut r = self.request(method::pipe_factory::CREATE);
        r.params.init_root::<pipe_factory::create_params::Builder<'_>>();
        r.caps_in_max = 2;
        let reply = call(r)?;
        let ends: Vec<Pipe> = reply.caps.iter().map(|&id| Pipe::from_id(id)).collect();
        let res = reply.message.get_root::<pipe_factory::create_results::Reader<'_>>().map_err(malformed)?;
        let (r, w) = (res.get_reader() as usize, res.get_writer() as usize);
        if ends.len() != 2 || r == w || r > 1 || w > 1 {
            return Err(CapError::MalformedParams);
        }
        let mut ends = ends.into_iter();
        let (first, second) =
            (ends.next().ok_or(CapError::MalformedParams)?, ends.next().ok_or(CapError::MalformedParams)?);
        Ok(if r == 0 { (first, second) } else { (second, first) })
    }
}

/// Reads and writes up to this many bytes go without the heap
/// ([`Pipe::read_into`], [`Pipe::write`]): `PIPE_BUF`.
pub const SMALL_IO: usize = 4096;
/// Words of the stack buffer a small read's results land in: the data and
/// the message's 24 bytes around it.
const SMALL_RESULT_WORDS: usize = SMALL_IO / 8 + 4;
/// Bytes of the stack buffer a small write's params are written in.
const SMALL_PARAMS: usize = SMALL_IO + 40;

impl Pipe {
    fn read_request(&self, max: u32, nonblocking: bool) -> Request<'static> {
        let mut r = self.request(method::pipe::READ);
        let mut p = r.params.init_root::<pipe::read_params::Builder<'_>>();
        p.set_max(max);
        p.set_nonblocking(nonblocking);
        r.result_len = READ_RESULT;
        r
    }

    /// Up to `max` bytes (1 to 65536); empty at end of file.
    pub fn read(&self, max: u32, nonblocking: bool) -> Result<Vec<u8>, CapError> {
        let reply = call(self.read_request(max, nonblocking))?;
        let res = reply.message.get_root::<pipe::read_results::Reader<'_>>().map_err(malformed)?;
        Ok(res.get_data().map_err(malformed)?.to_vec())
    }

    /// Reads up to `buf.len()` bytes (at most 65536) into `buf`; returns
    /// how many (0 at end of file). Up to [`SMALL_IO`] bytes the call goes
    /// without the heap: params written by `capos_config::wire`, the
    /// results into a buffer on the stack and copied once into `buf`.
    pub fn read_into(&self, buf: &mut [u8], nonblocking: bool) -> Result<usize, CapError> {
        if buf.len() > SMALL_IO {
            let data = self.read(buf.len().min(65536) as u32, nonblocking)?;
            let n = data.len().min(buf.len());
            buf[..n].copy_from_slice(&data[..n]);
            return Ok(n);
        }
        // `read_params`: `max` (UInt32) then `nonblocking` (Bool, bit 32).
        let mut params = [0u8; capos_config::wire::data_struct_len(1)];
        let word = buf.len() as u64 | u64::from(nonblocking) << 32;
        capos_config::wire::write_data_struct(&[word], &mut params).ok_or(CapError::TooLarge)?;
        let mut result = [0u64; SMALL_RESULT_WORDS];
        crate::call::call_into(
            self.0.id(),
            Self::INTERFACE_ID,
            method::pipe::READ,
            &params,
            &mut result,
            |m| {
                let data = m
                    .get_root::<pipe::read_results::Reader<'_>>()
                    .map_err(malformed)?
                    .get_data()
                    .map_err(malformed)?;
                let n = data.len().min(buf.len());
                buf[..n].copy_from_slice(&data[..n]);
                Ok(n)
            },
        )
    }

    /// Writes `data` (at most 64 KiB); returns how much went in. Up to
    /// [`SMALL_IO`] bytes the params are written on the stack by
    /// `capos_config::wire` (one copy of the data, no heap).
    pub fn write(&self, data: &[u8], nonblocking: bool) -> Result<u32, CapError> {
        if data.len() <= SMALL_IO {
            let (header, n) =
                capos_config::wire::bytes_struct_header(Some(u64::from(nonblocking)), data.len())
                    .ok_or(CapError::TooLarge)?;
            let mut params = [0u8; SMALL_PARAMS];
            let len = capos_config::wire::bytes_struct_len(1, data.len());
            params[..n].copy_from_slice(&header[..n]);
            params[n..n + data.len()].copy_from_slice(data);
            let mut result = [0u64; 8];
            return crate::call::call_into(
                self.0.id(),
                Self::INTERFACE_ID,
                method::pipe::WRITE,
                &params[..len],
                &mut result,
                |m| Ok(m.get_root::<pipe::write_results::Reader<'_>>().map_err(malformed)?.get_written()),
            );
        }
        let mut r = self.request(method::pipe::WRITE);
        let mut p = r.params.init_root::<pipe::write_params::Builder<'_>>();
        p.set_data(data);
        p.set_nonblocking(nonblocking);
        let reply = call(r)?;
        let res = reply.message.get_root::<pipe::write_results::Reader<'_>>().map_err(malformed)?;
        Ok(res.get_written())
    }

    /// The end's state, without waiting.
    pub fn status(&self) -> Result<PipeStatus, CapError> {
        let mut r = self.request(method::pipe::STATUS);
        r.params.init_root::<pipe::status_params::Builder<'_>>();
        let reply = call(r)?;
        let res = reply.message.get_root::<pipe::status_results::Reader<'_>>().map_err(malformed)?;
        Ok(PipeStatus {
            available: res.get_available(),
            room: res.get_room(),
            peer_gone: res.get_peer_gone(),
        })
    }

    /// Starts `waitReady`: completes when a read (read end) or a write
    /// (write end) would not wait.
    pub fn wait_ready_async(&self) -> Result<PendingCall, CapError> {
        let mut r = self.request(method::pipe::WAIT_READY);
        r.params.init_root::<pipe::wait_ready_params::Builder<'_>>();
        submit(r)
    }
}
