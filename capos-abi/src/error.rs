//! Error codes of the capability ring and the syscalls.
//!
//! A failed operation reports `-(code as i32)` in a completion's `result`
//! (or a syscall's return value). The numbers are fixed forever: new codes
//! are only appended. `docs/ring-abi.md` describes when each one is used.

/// Why a ring operation or syscall failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u16)]
pub enum CapError {
    /// The SQE's opcode is not one the kernel knows.
    UnknownOpcode = 1,
    /// The SQE set flag bits that are reserved or do not apply.
    InvalidFlags = 2,
    /// A reserved SQE field was not zero.
    ReservedNotZero = 3,
    /// The cap id names no slot, or an empty one.
    InvalidCap = 4,
    /// The cap id's generation is old: the slot was released and reused.
    StaleCap = 5,
    /// The cap does not implement the interface the SQE names.
    WrongInterface = 6,
    /// The interface has no method with that number.
    UnknownMethod = 7,
    /// A buffer address is not valid user memory (null, unmapped, kernel
    /// memory, crosses the user/kernel boundary, or lacks the needed rights).
    BadAddress = 8,
    /// A length exceeds the limit for that buffer.
    TooLarge = 9,
    /// The parameters are not a well-formed Cap'n Proto message of the
    /// expected type.
    MalformedParams = 10,
    /// The result buffer is too small (the completion's `aux` holds the
    /// size needed and `RESULT_TRUNCATED` is set), or there is less room for
    /// returned caps than the call returns (`aux` holds how many).
    ResultTooSmall = 11,
    /// A per-process quota (cap slots, frames, pending calls …) is used up.
    QuotaExceeded = 12,
    /// The kernel is out of memory.
    OutOfMemory = 13,
    /// The named thing (binary, cap name, process) does not exist.
    NotFound = 14,
    /// The cap does not grant this operation (e.g. a read-only view).
    PermissionDenied = 15,
    /// An argument is out of range or inconsistent.
    InvalidArgument = 16,
    /// The operation's timeout passed.
    TimedOut = 17,
    /// The operation was cancelled (its caller or target went away).
    Cancelled = 18,
    /// The process serving the cap died.
    PeerDied = 19,
    /// The ring header is inconsistent (indices out of range); nothing was
    /// processed.
    RingCorrupted = 20,
    /// The syscall number is unknown.
    UnknownSyscall = 21,
    /// The operation is valid but not supported by this cap or kernel.
    Unsupported = 22,
    /// The target is busy or a bounded queue is full; retry later.
    WouldBlock = 23,
    /// The cap may not be transferred (or not in the requested mode).
    NotTransferable = 24,
    /// The cap was revoked by whoever made it revocable.
    Revoked = 25,
    /// The name already exists (file service: `create` with `exclusive`,
    /// `mkdir`).
    AlreadyExists = 26,
    /// A path component that must be a directory is a file.
    NotADirectory = 27,
    /// The operation needs a file and found a directory.
    IsADirectory = 28,
    /// A directory to remove or replace is not empty.
    DirectoryNotEmpty = 29,
    /// A space quota (bytes or nodes of a file system) is used up.
    NoSpace = 30,
    /// The node, or the cap it was reached through, is read-only.
    ReadOnly = 31,
    /// The operation was interrupted (Ctrl-C on a terminal).
    Interrupted = 32,
    /// A path met more symbolic links than one resolution follows, or
    /// named a link where the call refuses to follow one (`ELOOP`).
    TooManyLinks = 33,
}

impl CapError {
    /// Every code, in numeric order.
    pub const ALL: [CapError; 33] = [
        Self::UnknownOpcode,
        Self::InvalidFlags,
        Self::ReservedNotZero,
        Self::InvalidCap,
        Self::StaleCap,
        Self::WrongInterface,
        Self::UnknownMethod,
        Self::BadAddress,
        Self::TooLarge,
        Self::MalformedParams,
        Self::ResultTooSmall,
        Self::QuotaExceeded,
        Self::OutOfMemory,
        Self::NotFound,
        Self::PermissionDenied,
        Self::InvalidArgument,
        Self::TimedOut,
        Self::Cancelled,
        Self::PeerDied,
        Self::RingCorrupted,
        Self::UnknownSyscall,
        Self::Unsupported,
        Self::WouldBlock,
        Self::NotTransferable,
        Self::Revoked,
        Self::AlreadyExists,
        Self::NotADirectory,
        Self::IsADirectory,
        Self::DirectoryNotEmpty,
        Self::NoSpace,
        Self::ReadOnly,
        Self::Interrupted,
        Self::TooManyLinks,
    ];

    /// The code as a number.
    pub const fn code(self) -> u16 {
        self as u16
    }

    /// The value a completion's `result` carries for this error.
    pub const fn as_result(self) -> i32 {
        -(self as i32)
    }

    /// A short lower-case description.
    pub const fn description(self) -> &'static str {
        match self {
            Self::UnknownOpcode => "unknown ring opcode",
            Self::InvalidFlags => "invalid flags",
            Self::ReservedNotZero => "reserved field not zero",
            Self::InvalidCap => "invalid capability id",
            Self::StaleCap => "stale capability id",
            Self::WrongInterface => "capability does not implement that interface",
            Self::UnknownMethod => "unknown method",
            Self::BadAddress => "bad user address",
            Self::TooLarge => "length too large",
            Self::MalformedParams => "malformed parameters",
            Self::ResultTooSmall => "result buffer too small",
            Self::QuotaExceeded => "quota exceeded",
            Self::OutOfMemory => "out of memory",
            Self::NotFound => "not found",
            Self::PermissionDenied => "permission denied",
            Self::InvalidArgument => "invalid argument",
            Self::TimedOut => "timed out",
            Self::Cancelled => "cancelled",
            Self::PeerDied => "peer died",
            Self::RingCorrupted => "ring header corrupted",
            Self::UnknownSyscall => "unknown syscall",
            Self::Unsupported => "unsupported",
            Self::WouldBlock => "would block",
            Self::NotTransferable => "capability not transferable",
            Self::Revoked => "capability revoked",
            Self::AlreadyExists => "already exists",
            Self::NotADirectory => "not a directory",
            Self::IsADirectory => "is a directory",
            Self::DirectoryNotEmpty => "directory not empty",
            Self::NoSpace => "no space left",
            Self::ReadOnly => "read-only",
            Self::Interrupted => "interrupted",
            Self::TooManyLinks => "too many levels of symbolic links",
        }
    }
}

impl TryFrom<u16> for CapError {
    type Error = u16;

    fn try_from(code: u16) -> Result<Self, u16> {
        Self::ALL.iter().copied().find(|e| e.code() == code).ok_or(code)
    }
}

impl CapError {
    /// Decodes a negative completion result; `None` for success values or
    /// unknown codes.
    pub fn from_result(result: i32) -> Option<Self> {
        if result >= 0 {
            return None;
        }
        u16::try_from(result.unsigned_abs()).ok().and_then(|c| Self::try_from(c).ok())
    }
}

impl core::fmt::Display for CapError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.description())
    }
}

#[cfg(test)]
mod tests {
    use super::CapError;

    #[test]
    fn codes_are_dense_unique_and_roundtrip() {
        for (i, e) in CapError::ALL.iter().enumerate() {
            assert_eq!(e.code() as usize, i + 1, "{e:?} out of order");
            assert_eq!(CapError::try_from(e.code()), Ok(*e));
            assert_eq!(CapError::from_result(e.as_result()), Some(*e));
        }
        assert_eq!(CapError::try_from(0), Err(0));
        assert_eq!(CapError::try_from(999), Err(999));
        assert_eq!(CapError::from_result(5), None);
        assert_eq!(CapError::from_result(i32::MIN), None);
    }
}
