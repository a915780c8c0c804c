//! Errors of the POSIX layer: an [`Errno`], and the one function that maps
//! a capOS [`CapError`] to it.

use capos_abi::error::CapError;

use crate::musl;

/// A positive errno value (a system call returns it negated).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Errno(pub i32);

/// A system call's result: its value, or the errno it fails with.
pub type SysResult = Result<i64, Errno>;

#[allow(missing_docs)]
impl Errno {
    pub const EPERM: Errno = Errno(musl::EPERM);
    pub const ENOENT: Errno = Errno(musl::ENOENT);
    pub const ESRCH: Errno = Errno(musl::ESRCH);
    pub const EINTR: Errno = Errno(musl::EINTR);
    pub const EIO: Errno = Errno(musl::EIO);
    pub const E2BIG: Errno = Errno(musl::E2BIG);
    pub const EBADF: Errno = Errno(musl::EBADF);
    pub const ECHILD: Errno = Errno(musl::ECHILD);
    pub const EAGAIN: Errno = Errno(musl::EAGAIN);
    pub const ENOMEM: Errno = Errno(musl::ENOMEM);
    pub const EACCES: Errno = Errno(musl::EACCES);
    pub const EFAULT: Errno = Errno(musl::EFAULT);
    pub const EEXIST: Errno = Errno(musl::EEXIST);
    pub const EXDEV: Errno = Errno(musl::EXDEV);
    pub const ENOTDIR: Errno = Errno(musl::ENOTDIR);
    pub const EISDIR: Errno = Errno(musl::EISDIR);
    pub const EINVAL: Errno = Errno(musl::EINVAL);
    pub const EMFILE: Errno = Errno(musl::EMFILE);
    pub const ENOTTY: Errno = Errno(musl::ENOTTY);
    pub const EFBIG: Errno = Errno(musl::EFBIG);
    pub const ENOSPC: Errno = Errno(musl::ENOSPC);
    pub const ESPIPE: Errno = Errno(musl::ESPIPE);
    pub const EROFS: Errno = Errno(musl::EROFS);
    pub const EPIPE: Errno = Errno(musl::EPIPE);
    pub const ERANGE: Errno = Errno(musl::ERANGE);
    pub const ENAMETOOLONG: Errno = Errno(musl::ENAMETOOLONG);
    pub const ENOSYS: Errno = Errno(musl::ENOSYS);
    pub const ENOTEMPTY: Errno = Errno(musl::ENOTEMPTY);
    pub const ETIMEDOUT: Errno = Errno(musl::ETIMEDOUT);
    pub const EOPNOTSUPP: Errno = Errno(musl::EOPNOTSUPP);
    pub const EOVERFLOW: Errno = Errno(musl::EOVERFLOW);
    pub const ENOEXEC: Errno = Errno(musl::ENOEXEC);
    pub const ENODEV: Errno = Errno(musl::ENODEV);
    pub const ENFILE: Errno = Errno(musl::ENFILE);
    pub const ELOOP: Errno = Errno(musl::ELOOP);

    /// The errno's name (`ENOENT`), for traces.
    pub fn name(self) -> &'static str {
        match self.0 {
            musl::EPERM => "EPERM",
            musl::ENOENT => "ENOENT",
            musl::ESRCH => "ESRCH",
            musl::EINTR => "EINTR",
            musl::EIO => "EIO",
            musl::E2BIG => "E2BIG",
            musl::EBADF => "EBADF",
            musl::ECHILD => "ECHILD",
            musl::EAGAIN => "EAGAIN",
            musl::ENOMEM => "ENOMEM",
            musl::EACCES => "EACCES",
            musl::EFAULT => "EFAULT",
            musl::EEXIST => "EEXIST",
            musl::EXDEV => "EXDEV",
            musl::ENOTDIR => "ENOTDIR",
            musl::EISDIR => "EISDIR",
            musl::EINVAL => "EINVAL",
            musl::EMFILE => "EMFILE",
            musl::ENOTTY => "ENOTTY",
            musl::EFBIG => "EFBIG",
            musl::ENOSPC => "ENOSPC",
            musl::ESPIPE => "ESPIPE",
            musl::EROFS => "EROFS",
            musl::EPIPE => "EPIPE",
            musl::ERANGE => "ERANGE",
            musl::ENAMETOOLONG => "ENAMETOOLONG",
            musl::ENOSYS => "ENOSYS",
            musl::ENOTEMPTY => "ENOTEMPTY",
            musl::ETIMEDOUT => "ETIMEDOUT",
            musl::EOPNOTSUPP => "EOPNOTSUPP",
            musl::EOVERFLOW => "EOVERFLOW",
            musl::ENOEXEC => "ENOEXEC",
            musl::ENODEV => "ENODEV",
            musl::ENFILE => "ENFILE",
            musl::ELOOP => "ELOOP",
            _ => "E?",
        }
    }
}

/// The errno a C program expects for a failed capability call. Calls with
/// a more precise meaning (say, a thread quota is `EAGAIN`) map the error
/// themselves before coming here.
pub fn from_cap(e: CapError) -> Errno {
    match e {
        CapError::NotFound => Errno::ENOENT,
        CapError::AlreadyExists => Errno::EEXIST,
        CapError::NotADirectory => Errno::ENOTDIR,
        CapError::IsADirectory => Errno::EISDIR,
        CapError::DirectoryNotEmpty => Errno::ENOTEMPTY,
        CapError::ReadOnly => Errno::EROFS,
        CapError::NoSpace => Errno::ENOSPC,
        CapError::PermissionDenied | CapError::NotTransferable => Errno::EACCES,
        CapError::InvalidArgument | CapError::InvalidFlags | CapError::ReservedNotZero => Errno::EINVAL,
        CapError::TooLarge => Errno::EFBIG,
        CapError::OutOfMemory => Errno::ENOMEM,
        CapError::QuotaExceeded | CapError::WouldBlock => Errno::EAGAIN,
        CapError::TimedOut => Errno::ETIMEDOUT,
        CapError::Interrupted | CapError::Cancelled => Errno::EINTR,
        CapError::TooManyLinks => Errno::ELOOP,
        CapError::BadAddress => Errno::EFAULT,
        CapError::InvalidCap | CapError::StaleCap | CapError::WrongInterface | CapError::Revoked => {
            Errno::EBADF
        }
        CapError::UnknownMethod
        | CapError::UnknownOpcode
        | CapError::UnknownSyscall
        | CapError::Unsupported => Errno::ENOSYS,
        CapError::PeerDied => Errno::EPIPE,
        CapError::MalformedParams | CapError::ResultTooSmall | CapError::RingCorrupted => Errno::EIO,
    }
}

impl From<CapError> for Errno {
    fn from(e: CapError) -> Self {
        from_cap(e)
    }
}
