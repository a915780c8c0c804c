//! `Console`: write text or bytes to the serial console (COM1), through
//! its transmit queue ([`super::output`]).

use capos_abi::error::CapError;
use capos_schema::{console, interface_id, method};

use super::{Call, CapObject, Outcome, malformed, read_params};

/// Most bytes one write carries (the schema's `Console.maxWriteBytes`).
const MAX_WRITE: usize = console::MAX_WRITE_BYTES as usize;

/// The console capability.
pub struct Console;

impl CapObject for Console {
    fn kernel_kind(&self) -> Option<capos_schema::KernelCap> {
        Some(capos_schema::KernelCap::Console)
    }

    fn interface_id(&self) -> u64 {
        interface_id::CONSOLE
    }

    fn call(&self, call: Call<'_>) -> Outcome {
        let result = (|| {
            let message = read_params(call.params)?;
            match call.method {
                method::console::WRITE => {
                    let params =
                        message.get_root::<console::write_params::Reader<'_>>().map_err(malformed)?;
                    let text = params.get_text().map_err(malformed)?;
                    let bytes = text.as_bytes();
                    if bytes.len() > MAX_WRITE {
                        return Err(CapError::TooLarge);
                    }
                    core::str::from_utf8(bytes).map_err(|_| CapError::MalformedParams)?;
                    Ok((bytes.to_vec(), true))
                }
                method::console::WRITE_BYTES => {
                    let params =
                        message.get_root::<console::write_bytes_params::Reader<'_>>().map_err(malformed)?;
                    let data = params.get_data().map_err(malformed)?;
                    if data.len() > MAX_WRITE {
                        return Err(CapError::TooLarge);
                    }
                    Ok((data.to_vec(), false))
                }
                _ => Err(CapError::UnknownMethod),
            }
        })();
        match result {
            Ok((bytes, crlf)) => {
                super::output::write(crate::channel::Channel::CONSOLE, &bytes, crlf, call.pending)
            }
            Err(e) => Outcome::Error(e),
        }
    }
}
