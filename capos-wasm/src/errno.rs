//! WASI errno (`wasi_snapshot_preview1`'s `errno`, a `u16`) and the one
//! function that maps a capOS [`CapError`] to it. Every WASI function
//! returns its error through [`Errno`]; nothing else picks numbers.

use capos_abi::error::CapError;

/// A WASI error number (`__WASI_ERRNO_*` of wasi-libc's `wasi/api.h`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Errno(pub u16);

/// What a WASI function returns: a value, or an [`Errno`].
pub type WasiResult<T = ()> = Result<T, Errno>;

#[allow(missing_docs)]
impl Errno {
    pub const SUCCESS: Errno = Errno(0);
    pub const TOOBIG: Errno = Errno(1);
    pub const ACCES: Errno = Errno(2);
    pub const AGAIN: Errno = Errno(6);
    pub const BADF: Errno = Errno(8);
    pub const EXIST: Errno = Errno(20);
    pub const FAULT: Errno = Errno(21);
    pub const FBIG: Errno = Errno(22);
    pub const ILSEQ: Errno = Errno(25);
    pub const INTR: Errno = Errno(27);
    pub const INVAL: Errno = Errno(28);
    pub const IO: Errno = Errno(29);
    pub const ISDIR: Errno = Errno(31);
    pub const LOOP: Errno = Errno(32);
    pub const MFILE: Errno = Errno(33);
    pub const NAMETOOLONG: Errno = Errno(37);
    pub const NOENT: Errno = Errno(44);
    pub const NOMEM: Errno = Errno(48);
    pub const NOSPC: Errno = Errno(51);
    pub const NOSYS: Errno = Errno(52);
    pub const NOTDIR: Errno = Errno(54);
    pub const NOTEMPTY: Errno = Errno(55);
    pub const NOTSOCK: Errno = Errno(57);
    pub const NOTSUP: Errno = Errno(58);
    pub const OVERFLOW: Errno = Errno(61);
    pub const PERM: Errno = Errno(63);
    pub const PIPE: Errno = Errno(64);
    pub const ROFS: Errno = Errno(69);
    pub const SPIPE: Errno = Errno(70);
    pub const TIMEDOUT: Errno = Errno(73);
    pub const XDEV: Errno = Errno(75);
    pub const NOTCAPABLE: Errno = Errno(76);
}

/// The WASI errno of a failed capability call.
pub fn from_cap(e: CapError) -> Errno {
    match e {
        CapError::NotFound => Errno::NOENT,
        CapError::AlreadyExists => Errno::EXIST,
        CapError::NotADirectory => Errno::NOTDIR,
        CapError::IsADirectory => Errno::ISDIR,
        CapError::DirectoryNotEmpty => Errno::NOTEMPTY,
        CapError::ReadOnly => Errno::ROFS,
        CapError::NoSpace => Errno::NOSPC,
        CapError::PermissionDenied | CapError::NotTransferable => Errno::ACCES,
        CapError::InvalidArgument | CapError::InvalidFlags | CapError::ReservedNotZero => Errno::INVAL,
        CapError::TooLarge => Errno::FBIG,
        CapError::OutOfMemory => Errno::NOMEM,
        // A full cap table: too many open files.
        CapError::QuotaExceeded => Errno::MFILE,
        CapError::WouldBlock => Errno::AGAIN,
        CapError::TimedOut => Errno::TIMEDOUT,
        CapError::Interrupted | CapError::Cancelled => Errno::INTR,
        CapError::TooManyLinks => Errno::LOOP,
        CapError::BadAddress => Errno::FAULT,
        CapError::InvalidCap | CapError::StaleCap | CapError::WrongInterface | CapError::Revoked => {
            Errno::BADF
        }
        CapError::UnknownMethod
        | CapError::UnknownOpcode
        | CapError::UnknownSyscall
        | CapError::Unsupported => Errno::NOSYS,
        CapError::PeerDied => Errno::PIPE,
        CapError::MalformedParams | CapError::ResultTooSmall | CapError::RingCorrupted => Errno::IO,
    }
}

impl From<CapError> for Errno {
    fn from(e: CapError) -> Self {
        from_cap(e)
    }
}
