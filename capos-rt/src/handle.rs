//! Caps as owned values, the way `std::fs::File` owns a descriptor.
//!
//! Every typed client ([`crate::client`], [`crate::fs`], the server side
//! [`crate::server::Endpoint`]) and the untyped [`Cap`] owns one slot of
//! the process's cap table: it is not `Copy` or `Clone`, and dropping it
//! releases the slot (RELEASE through the ring; errors ignored). So a cap
//! a call returned cannot leak by being forgotten.
//!
//! - [`Handle::try_clone`] makes a second owner of the same object (the
//!   ring's COPY opcode gives it a new id);
//! - [`Handle::into_id`] gives ownership up without releasing, to send the
//!   cap on by move (a `TransferMode::Move` descriptor) or keep it for the
//!   process's whole life;
//! - [`Handle::release`] releases at once and reports the error;
//! - [`Handle::from_id`] takes ownership of an id (one the program got from
//!   a raw call, or from `into_id`).
//!
//! Bootstrap caps are different: a program looks them up by name again and
//! again (`stdio::stdout` finds `terminal` on every call), so a lookup
//! (`Console::from_caps`, [`crate::caps::Caps::get`]) gives a
//! [`Borrowed`] view that derefs to the client and never releases.
//! [`crate::caps::Caps::take`] moves a bootstrap cap out as an owner, once;
//! later lookups of that name then fail.

use capos_abi::error::CapError;
use core::marker::PhantomData;
use core::mem::ManuallyDrop;
use core::ops::Deref;

/// A value that owns one cap id: a typed client or [`Cap`].
pub trait Handle: Sized {
    /// The interface id the client speaks (0 for the untyped [`Cap`]).
    const INTERFACE_ID: u64;

    /// Takes ownership of cap id `id` (unchecked: a wrong one fails each
    /// call with `WrongInterface`, `InvalidCap` or `StaleCap`). Dropping
    /// the result releases `id`, so give each id to one owner only.
    fn from_id(id: u32) -> Self;

    /// The cap id (ownership stays here).
    fn id(&self) -> u32;

    /// Gives ownership up without releasing: the id stays valid and is
    /// now the caller's to send by move, release or keep.
    fn into_id(self) -> u32;

    /// A second owner of the same object, under a new id (the ring's COPY
    /// opcode); `QuotaExceeded` when the cap table is full.
    fn try_clone(&self) -> Result<Self, CapError> {
        crate::call::copy(self.id()).map(Self::from_id)
    }

    /// Releases the cap now (RELEASE) and says whether that worked;
    /// dropping does the same and ignores the error.
    fn release(self) -> Result<(), CapError> {
        crate::call::release(self.into_id())
    }
}

/// A cap of any interface, owned: released when dropped. What calls that
/// return caps of an interface known only at run time give (an endpoint's
/// client side, a revocable copy); turn it into a typed client with
/// [`Cap::into_typed`].
#[derive(Debug, PartialEq, Eq)]
pub struct Cap(u32);

impl Drop for Cap {
    fn drop(&mut self) {
        let _ = crate::call::release(self.0);
    }
}

impl Handle for Cap {
    const INTERFACE_ID: u64 = 0;

    fn from_id(id: u32) -> Self {
        Self(id)
    }

    fn id(&self) -> u32 {
        self.0
    }

    fn into_id(self) -> u32 {
        ManuallyDrop::new(self).0
    }
}

impl Cap {
    /// Takes ownership of cap id `id` (see [`Handle::from_id`]).
    pub fn from_id(id: u32) -> Self {
        Self(id)
    }

    /// The cap id.
    pub fn id(&self) -> u32 {
        self.0
    }

    /// Gives ownership up without releasing (see [`Handle::into_id`]).
    pub fn into_id(self) -> u32 {
        Handle::into_id(self)
    }

    /// A second owner of the same object (see [`Handle::try_clone`]).
    pub fn try_clone(&self) -> Result<Self, CapError> {
        Handle::try_clone(self)
    }

    /// Releases now, reporting the error (see [`Handle::release`]).
    pub fn release(self) -> Result<(), CapError> {
        Handle::release(self)
    }

    /// The same cap as client `T` (unchecked, like [`Handle::from_id`]).
    pub fn into_typed<T: Handle>(self) -> T {
        T::from_id(self.into_id())
    }
}

/// A view of a cap that someone else owns: derefs to the client, is never
/// released by this value. Bootstrap lookups give `Borrowed<'static, T>`
/// (the bootstrap caps live as long as the process); [`Borrowed::of`]
/// lends an owner for `'a`.
pub struct Borrowed<'a, T: Handle> {
    client: ManuallyDrop<T>,
    owner: PhantomData<&'a T>,
}

impl<T: Handle> Borrowed<'static, T> {
    /// A view of cap id `id`, which something else keeps alive for the
    /// rest of the process (a bootstrap cap, or an id given up with
    /// [`Handle::into_id`] and never released).
    pub fn from_id(id: u32) -> Self {
        Self { client: ManuallyDrop::new(T::from_id(id)), owner: PhantomData }
    }
}

impl<'a, T: Handle> Borrowed<'a, T> {
    /// A view of `owner`'s cap for as long as `owner` is borrowed.
    pub fn of(owner: &'a T) -> Self {
        Self { client: ManuallyDrop::new(T::from_id(owner.id())), owner: PhantomData }
    }
}

impl<T: Handle> Deref for Borrowed<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.client
    }
}

impl<T: Handle> Clone for Borrowed<'_, T> {
    fn clone(&self) -> Self {
        Self { client: ManuallyDrop::new(T::from_id(self.client.id())), owner: PhantomData }
    }
}

impl<T: Handle> PartialEq for Borrowed<'_, T> {
    fn eq(&self, other: &Self) -> bool {
        self.client.id() == other.client.id()
    }
}

impl<T: Handle> Eq for Borrowed<'_, T> {}

impl<T: Handle + core::fmt::Debug> core::fmt::Debug for Borrowed<'_, T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_tuple("Borrowed").field(&*self.client).finish()
    }
}
