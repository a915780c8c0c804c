//! `BootPackage`: read access to the boot manifest and its binaries.

use capos_abi::error::CapError;
use capos_schema::{boot_package, interface_id, method};

use super::{Call, CapObject, Outcome, Reply, malformed, read_params, reply_with};
use crate::boot::manifest;

/// The boot-package capability.
pub struct BootPackage;

impl CapObject for BootPackage {
    fn kernel_kind(&self) -> Option<capos_schema::KernelCap> {
        Some(capos_schema::KernelCap::BootPackage)
    }

    fn interface_id(&self) -> u64 {
        interface_id::BOOT_PACKAGE
    }

    fn call(&self, call: Call<'_>) -> Outcome {
        serve(&call).into()
    }
}

fn serve(call: &Call<'_>) -> Result<Reply, CapError> {
    let message = read_params(call.params)?;
    match call.method {
        method::boot_package::MANIFEST_SIZE => reply_with(|m| {
            m.init_root::<boot_package::manifest_size_results::Builder<'_>>()
                .set_size(manifest::bytes().len() as u64);
            Ok(())
        }),
        method::boot_package::READ_MANIFEST => {
            let p =
                message.get_root::<boot_package::read_manifest_params::Reader<'_>>().map_err(malformed)?;
            data_reply(chunk(manifest::bytes(), p.get_offset(), p.get_length())?)
        }
        method::boot_package::CONFIG_SIZE => reply_with(|m| {
            m.init_root::<boot_package::config_size_results::Builder<'_>>()
                .set_size(manifest::config().len() as u64);
            Ok(())
        }),
        method::boot_package::READ_CONFIG => {
            let p = message.get_root::<boot_package::read_config_params::Reader<'_>>().map_err(malformed)?;
            data_reply(chunk(manifest::config(), p.get_offset(), p.get_length())?)
        }
        method::boot_package::READ_FILE => {
            let p = message.get_root::<boot_package::read_file_params::Reader<'_>>().map_err(malformed)?;
            // The length is checked before the file is looked up.
            if p.get_length() > boot_package::MAX_CHUNK {
                return Err(CapError::TooLarge);
            }
            data_reply(chunk(manifest::file(p.get_index())?, p.get_offset(), p.get_length())?)
        }
        method::boot_package::LIST_BINARIES => {
            let names = manifest::binary_names()?;
            // A pointer per name, and each name with its NUL in words.
            let bytes = names.iter().map(|n| 8 + (n.len() + 1).next_multiple_of(8)).sum();
            super::reply_sized(bytes, |m| {
                let r = m.init_root::<boot_package::list_binaries_results::Builder<'_>>();
                let mut list = r.init_names(names.len() as u32);
                for (i, name) in names.iter().enumerate() {
                    list.set(i as u32, capnp::text::Reader::from(name.as_str()));
                }
                Ok(())
            })
        }
        method::boot_package::BINARY_SIZE => {
            let p = message.get_root::<boot_package::binary_size_params::Reader<'_>>().map_err(malformed)?;
            let name = p.get_name().map_err(malformed)?.to_str().map_err(|_| CapError::MalformedParams)?;
            let size = manifest::binary(name)?.len() as u64;
            reply_with(|m| {
                m.init_root::<boot_package::binary_size_results::Builder<'_>>().set_size(size);
                Ok(())
            })
        }
        _ => Err(CapError::UnknownMethod),
    }
}

/// At most `length` bytes of `bytes` from `offset` (empty at or past the
/// end); `TooLarge` above `maxChunk`.
fn chunk(bytes: &[u8], offset: u64, length: u32) -> Result<&[u8], CapError> {
    if length > boot_package::MAX_CHUNK {
        return Err(CapError::TooLarge);
    }
    let start = usize::try_from(offset).unwrap_or(usize::MAX).min(bytes.len());
    let end = start.saturating_add(length as usize).min(bytes.len());
    Ok(&bytes[start..end])
}

/// A `(data :Data)` result (the results of `readManifest`, `readConfig`
/// and `readFile` have the same layout).
fn data_reply(data: &[u8]) -> Result<Reply, CapError> {
    super::reply_sized(data.len(), |m| {
        m.init_root::<boot_package::read_manifest_results::Builder<'_>>().set_data(data);
        Ok(())
    })
}
