//! Ring wire formats: decode an SQE from 64 input bytes (zero-padded),
//! check the encoding round-trips and that `Sqe::validate` only accepts
//! what the ABI allows; the same round-trip checks for a CQE and a transfer
//! descriptor taken from the following bytes, and the ring index helpers.
#![no_main]

use capos_abi::error::CapError;
use capos_config::ring::{
    self, CQ_ENTRIES, CQE_SIZE, Cqe, MAX_CALL_CAPS, MAX_PARAMS_LEN, MAX_RESULT_LEN, Opcode, RING_SIZE,
    SQ_ENTRIES, SQE_SIZE, Sqe, TransferDescriptor, TransferMode,
};
use libfuzzer_sys::fuzz_target;

fn take<const N: usize>(data: &[u8], at: usize) -> [u8; N] {
    let mut out = [0u8; N];
    if let Some(src) = data.get(at..) {
        let n = src.len().min(N);
        out[..n].copy_from_slice(&src[..n]);
    }
    out
}

fn check_sqe(bytes: &[u8; SQE_SIZE]) {
    let sqe = Sqe::from_bytes(bytes);
    assert_eq!(&sqe.to_bytes(), bytes, "SQE encoding round-trips");
    assert_eq!(Sqe::from_bytes(&sqe.to_bytes()), sqe);
    match sqe.validate() {
        Ok(op) => {
            assert_eq!(op as u8, sqe.opcode);
            assert_eq!(Opcode::try_from(sqe.opcode), Ok(op));
            assert_eq!(sqe.flags, 0);
            assert_eq!(sqe.reserved, 0);
            match op {
                Opcode::Nop => assert_eq!(Sqe { user_data: 0, ..sqe }, Sqe::default()),
                Opcode::Release | Opcode::Copy => assert_eq!(
                    Sqe { user_data: 0, cap: 0, ..sqe },
                    Sqe { opcode: op as u8, ..Sqe::default() }
                ),
                Opcode::Call => {
                    assert!(sqe.params_len <= MAX_PARAMS_LEN && sqe.result_len <= MAX_RESULT_LEN);
                    assert!(sqe.caps_out <= MAX_CALL_CAPS && sqe.caps_in_max <= MAX_CALL_CAPS);
                    assert!(sqe.caps_addr != 0 || (sqe.caps_out == 0 && sqe.caps_in_max == 0));
                }
                other => panic!("validate accepted reserved opcode {other:?}"),
            }
        }
        Err(e) => {
            assert!(e.as_result() < 0);
            assert_eq!(CapError::from_result(e.as_result()), Some(e));
            if Opcode::try_from(sqe.opcode).is_err() {
                assert_eq!(e, CapError::UnknownOpcode);
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    check_sqe(&take::<SQE_SIZE>(data, 0));

    let cqe_bytes = take::<CQE_SIZE>(data, SQE_SIZE);
    let cqe = Cqe::from_bytes(&cqe_bytes);
    assert_eq!(cqe.to_bytes(), cqe_bytes, "CQE encoding round-trips");
    if let Some(e) = cqe.error_code() {
        assert_eq!(Cqe::error(cqe.user_data, e).result, cqe.result);
    }

    let desc_bytes = take::<8>(data, SQE_SIZE + CQE_SIZE);
    match TransferDescriptor::from_bytes(&desc_bytes) {
        Ok(d) => {
            assert_eq!(d.to_bytes(), desc_bytes, "descriptor round-trips");
            assert!(matches!(d.mode, TransferMode::Copy | TransferMode::Move));
        }
        Err(e) => assert_eq!(e, CapError::InvalidArgument),
    }

    let idx = take::<8>(data, SQE_SIZE + CQE_SIZE + 8);
    let (a, b) = (u32::from_le_bytes(take::<4>(&idx, 0)), u32::from_le_bytes(take::<4>(&idx, 4)));
    if let Ok(n) = ring::pending_submissions(a, b) {
        assert!(n <= SQ_ENTRIES && a.wrapping_add(n) == b);
    }
    if let Ok(n) = ring::free_completions(a, b) {
        assert!(n <= CQ_ENTRIES);
    }
    assert!(ring::sqe_offset(a) + SQE_SIZE <= ring::CQ_OFFSET);
    assert!(ring::cqe_offset(b) + CQE_SIZE <= RING_SIZE);
});
