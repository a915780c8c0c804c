//! The syscalls. capOS has almost none: everything else is a capability
//! call through the ring, which `cap_enter` processes.
//!
//! Convention (`syscall` instruction): number in RAX, arguments in RDI, RSI,
//! RDX; result in RAX (non-negative on success, `-(CapError code)` on
//! failure). RCX and R11 are clobbered by the instruction; every other
//! register is preserved.

/// `cap_enter(min_complete, timeout_ns)`: process every submitted SQE, then
/// block until at least `min_complete` completions are waiting or
/// `timeout_ns` nanoseconds passed (`u64::MAX`: no timeout). Returns the
/// number of completions waiting.
pub const SYS_CAP_ENTER: u64 = 0;
/// `exit(code)`: ends the calling process with `code`; does not return.
pub const SYS_EXIT: u64 = 1;

/// `timeout_ns` value meaning "wait without a time limit".
pub const NO_TIMEOUT: u64 = u64::MAX;
