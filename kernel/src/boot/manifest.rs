//! The boot manifest: the Cap'n Proto `SystemManifest` the loader puts in
//! memory as the first boot module, with every service binary and boot file
//! embedded. The kernel keeps it in place (its frames are reserved at boot),
//! looks binaries and files up, and makes its config once at boot (the
//! manifest without contents, `capos_config::manifest::config`), which init
//! reads through `BootPackage` whatever the files weigh.

use alloc::string::String;
use alloc::vec::Vec;
use capos_abi::error::CapError;
use capos_schema::system_manifest;
use spin::Once;

use super::BootInfo;
use crate::mem::layout;

static MANIFEST: Once<&'static [u8]> = Once::new();
static CONFIG: Once<Vec<u8>> = Once::new();

/// Records the manifest module (the first boot module), if there is one.
pub fn init(boot: &BootInfo) {
    if let Some(module) = boot.modules().first() {
        let len = (module.end - module.start) as usize;
        // SAFETY: the module's frames were reserved by `mem::frame::init`
        // (never handed out) and are mapped in the physical window; nothing
        // writes to them, so a shared 'static slice is sound.
        let bytes =
            unsafe { core::slice::from_raw_parts(layout::phys_to_virt(module.start) as *const u8, len) };
        MANIFEST.call_once(|| bytes);
        match capos_config::manifest::config(bytes) {
            Ok(config) => {
                CONFIG.call_once(|| config);
            }
            // Init reports the same error when it reads the manifest.
            Err(e) => log::error!("the boot manifest has no usable config: {e}"),
        }
    }
}

/// The manifest's config (empty if there is no usable manifest).
pub fn config() -> &'static [u8] {
    CONFIG.get().map_or(&[], Vec::as_slice)
}

/// The manifest's bytes (empty if none was loaded).
pub fn bytes() -> &'static [u8] {
    MANIFEST.get().copied().unwrap_or(&[])
}

fn with_root<T>(
    f: impl FnOnce(system_manifest::Reader<'_>) -> Result<T, capnp::Error>,
) -> Result<T, CapError> {
    let bytes = bytes();
    if bytes.is_empty() {
        return Err(CapError::NotFound);
    }
    let mut options = capnp::message::ReaderOptions::new();
    options.traversal_limit_in_words(Some(bytes.len() / 8 * 4 + 1024)).nesting_limit(16);
    let mut slice = bytes;
    let message = capnp::serialize::read_message_from_flat_slice(&mut slice, options)
        .map_err(|_| CapError::MalformedParams)?;
    let root = message.get_root::<system_manifest::Reader<'_>>().map_err(|_| CapError::MalformedParams)?;
    f(root).map_err(|_| CapError::MalformedParams)
}

/// The bytes of the binary called `name`.
pub fn binary(name: &str) -> Result<&'static [u8], CapError> {
    let range = with_root(|root| {
        for entry in root.get_binaries()? {
            if entry.get_name()?.to_str().ok() == Some(name) {
                let data = entry.get_data()?;
                return Ok(Some((data.as_ptr() as usize, data.len())));
            }
        }
        Ok(None)
    })?
    .ok_or(CapError::NotFound)?;
    within(range)
}

/// The contents of file number `index` (manifest order).
pub fn file(index: u32) -> Result<&'static [u8], CapError> {
    let range = with_root(|root| {
        let files = root.get_files()?;
        if index >= files.len() {
            return Ok(None);
        }
        let data = files.get(index).get_data()?;
        Ok(Some((data.as_ptr() as usize, data.len())))
    })?
    .ok_or(CapError::NotFound)?;
    within(range)
}

/// Re-slices `(address, len)`, which a reader found inside the manifest,
/// out of the manifest's 'static bytes.
fn within(range: (usize, usize)) -> Result<&'static [u8], CapError> {
    let all = bytes();
    let start = range.0.checked_sub(all.as_ptr() as usize).ok_or(CapError::MalformedParams)?;
    all.get(start..start.checked_add(range.1).ok_or(CapError::MalformedParams)?)
        .ok_or(CapError::MalformedParams)
}

/// The names of all embedded binaries.
pub fn binary_names() -> Result<Vec<String>, CapError> {
    with_root(|root| {
        let mut names = Vec::new();
        for entry in root.get_binaries()? {
            names.push(String::from(
                entry.get_name()?.to_str().map_err(|_| capnp::Error::failed("name".into()))?,
            ));
        }
        Ok(names)
    })
}
