//! In-kernel tests of the cap layer's Cap'n Proto edges: params read
//! without allocating (or from one fallible aligned copy), replies built
//! in one counted segment.

use capos_abi::error::CapError;
use capos_schema::{process_handle, terminal_session};

use super::TestResult;
use crate::cap::{read_params, reply_sized};
use crate::ktest_assert;

/// Params that arrive at an odd address are read from an aligned copy:
/// the same fields, the same refusals for malformed bytes.
pub fn unaligned_params_are_read_from_an_aligned_copy() -> TestResult {
    let mut message = capnp::message::Builder::new_default();
    message.init_root::<process_handle::job_state_params::Builder<'_>>().set_after(0x1234_5678_9abc);
    let words = capnp::serialize::write_message_to_words(&message);
    for offset in [0usize, 1, 3, 7] {
        let mut bytes = alloc::vec![0u8; offset];
        bytes.extend_from_slice(&words);
        let params = &bytes[offset..];
        let after = read_params(params)
            .and_then(|m| {
                m.get_root::<process_handle::job_state_params::Reader<'_>>()
                    .map(|p| p.get_after())
                    .map_err(|_| CapError::MalformedParams)
            })
            .map_err(|e| alloc::format!("offset {offset}: {e:?}"))?;
        ktest_assert!(after == 0x1234_5678_9abc, "offset {offset}: read {after:#x}");
        // Cut short, or with a segment count beyond the limit: refused.
        let short = read_params(&params[..params.len() - 8]).err();
        ktest_assert!(short == Some(CapError::MalformedParams), "offset {offset}, cut short: {short:?}");
        let mut huge = params.to_vec();
        huge[..4].copy_from_slice(&100_000u32.to_le_bytes());
        let huge = read_params(&huge).err();
        ktest_assert!(huge == Some(CapError::MalformedParams), "offset {offset}, 100001 segments: {huge:?}");
    }
    Ok(())
}

/// A reply is built in one segment of the size its caller counted; one
/// that needs more (a caller that counted wrong) is refused, not sent.
pub fn a_reply_past_its_counted_size_is_refused() -> TestResult {
    let build = |bytes: u32| {
        move |m: &mut crate::cap::Builder<'_>| {
            m.init_root::<terminal_session::read_results::Builder<'_>>().init_data(bytes);
            Ok(())
        }
    };
    let counted = reply_sized(20_000, build(20_000));
    ktest_assert!(
        counted.as_ref().is_ok_and(|r| r.message.len() > 20_000),
        "a counted 20 000-byte reply: {:?}",
        counted.as_ref().map(|r| r.message.len()).err()
    );
    let uncounted = reply_sized(0, build(20_000)).err();
    ktest_assert!(uncounted == Some(CapError::OutOfMemory), "an uncounted 20 000-byte reply: {uncounted:?}");
    Ok(())
}
