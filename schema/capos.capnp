# capOS interfaces and the boot manifest.
#
# How capabilities travel: a process calls a capability through its ring. A
# CALL names the cap id, the Cap'n Proto interface id (the `@0x...` below) and
# the method number (the method's ordinal, `@N`), and carries the method's
# params struct as a Cap'n Proto message; the kernel answers with the results
# struct as a message. capnp-rpc is not used, and no field below has an
# interface type. Instead each message travels with an ordered list of
# capabilities: for params, the caps the caller sends with the call; for
# results, the caps the call returns (the ring reports the new cap ids
# separately). A field that refers to a capability is a `CapIndex`: an index
# into the cap list of the message that holds it.
#
# Ids are fixed forever: an interface's id and its methods' ordinals are the
# wire ABI. Methods and fields are only ever appended.
#
# The generated Rust code is `schema/src/capos_capnp.rs` (crate
# `capos-schema`); `tools/check-generated-capnp.sh` checks it is current.

@0xa517e9def5c66e27;

using CapIndex = UInt32;
# An index into the cap list that travels with a message (params: the caps
# the caller sends; results: the caps the call returns). Never a cap id.

# ---------------------------------------------------------------------------
# Kernel capabilities
# ---------------------------------------------------------------------------

interface Console @0xe432cca846ccb1da {
  # The system console: an output-only text stream (the serial port).
  # Writes from all holders are interleaved in the order the kernel serves
  # them; one call's output is never split by another's.

  const maxWriteBytes :UInt32 = 4096;
  # Most bytes one `write` or `writeBytes` call may carry; more fails with
  # `TooLarge`.

  write @0 (text :Text) -> ();
  # Writes `text` (UTF-8) to the console as is, without adding a newline.

  writeBytes @1 (data :Data) -> ();
  # Writes raw bytes to the console as is (no UTF-8 check, no translation).
}

interface Timer @0xf1bae7daec5f0480 {
  # The monotonic clock and sleeping. Monotonic time starts near zero at
  # boot, never goes backwards and does not count time the machine is
  # suspended.

  now @0 () -> (ns :UInt64);
  # The monotonic time in nanoseconds since boot.

  sleep @1 (ns :UInt64) -> ();
  # Completes once at least `ns` nanoseconds have passed (rounded up to the
  # timer tick). `ns = 0` completes at once.
}

enum TimeProvenance @0xada001d83cae6e69 {
  # Where a wall-clock reading came from, i.e. how far to trust it.

  unset @0;
  # No time source: the reading counts from the Unix epoch at boot.

  untrusted @1;
  # Read from the hardware real-time clock, which nothing vouches for: it
  # may be wrong or set by anyone with access to the machine.

  authenticated @2;
  # Reserved: set from an authenticated source. Not produced yet.
}

interface WallClock @0xeff634f0a7d5da86 {
  # Calendar time (Unix time). Unlike `Timer`, it may jump when it is set;
  # use `Timer` to measure intervals.

  now @0 () -> (seconds :Int64, nanos :UInt32, provenance :TimeProvenance);
  # The current time: `seconds` since 1970-01-01T00:00:00Z (negative
  # before), plus `nanos` (always below 1_000_000_000), and where the time
  # came from.
}

interface EntropySource @0xeeceb410a07a7e37 {
  # Random bytes for keys and seeds, from the kernel's random number
  # generator.

  const maxBytes :UInt32 = 256;
  # Most bytes one `getBytes` call returns.

  getBytes @0 (count :UInt32) -> (bytes :Data);
  # Returns exactly `count` random bytes. `count` above `maxBytes` fails
  # with `TooLarge`; `count = 0` returns empty data.
}

interface BootPackage @0x85b927ac18fe1cd9 {
  # Read-only access to the boot package: the system manifest (a
  # `SystemManifest` message, see below) and the binaries it embeds. Init
  # holds this cap; it reads the manifest to start the services.

  const maxChunk :UInt32 = 65536;
  # Most bytes one `readManifest` call returns.

  manifestSize @0 () -> (size :UInt64);
  # Size in bytes of the serialized manifest.

  readManifest @1 (offset :UInt64, length :UInt32) -> (data :Data);
  # Reads up to `length` bytes of the serialized manifest starting at
  # `offset`. Returns fewer bytes only at the end; an `offset` at or past
  # the end returns empty data. `length` above `maxChunk` fails with
  # `TooLarge`.

  listBinaries @2 () -> (names :List(Text));
  # The names of the binaries in the package, in manifest order.

  binarySize @3 (name :Text) -> (size :UInt64);
  # The size in bytes of the binary called `name`; `NotFound` if there is
  # none.

  configSize @4 () -> (size :UInt64);
  # Size in bytes of the serialized config: the manifest without the
  # contents of its binaries and files.

  readConfig @5 (offset :UInt64, length :UInt32) -> (data :Data);
  # Reads the config like `readManifest` reads the manifest. The config is
  # a `SystemManifest` whose binaries and files keep their names, paths and
  # flags but have empty `data`; services and `statusFrom` are the
  # manifest's. It is what init needs, and stays small whatever the files
  # carried in weigh.

  readFile @6 (index :UInt32, offset :UInt64, length :UInt32) -> (data :Data);
  # Reads up to `length` bytes of the contents of file number `index` (in
  # manifest order, as the config lists them) starting at `offset`. Returns
  # fewer bytes only at the end of the file; an `offset` at or past the end
  # returns empty data. `NotFound` for an index past the last file;
  # `length` above `maxChunk` fails with `TooLarge`.
}

struct CapGrant @0xf0fdbd9f347b1a19 {
  # One capability handed to a new process, and the name it has there.

  name @0 :Text;
  # The name the new process finds the cap under in its CapSet (1 to 32
  # printable ASCII bytes, no spaces, unique within one spawn).

  union {
    cap @1 :CapIndex;
    # Index into the caps sent with the call (params cap list). The cap is
    # copied into the new process; the caller keeps its own.

    kernel @2 :KernelCap;
    # A kernel capability of this kind, given only if the caller has one:
    # a copy of a cap of that kind the caller holds (or sent with the
    # call; revocable copies do not count), else `PermissionDenied`.
    # Two kinds are made for the new process instead: `virtualMemory`
    # (always allowed) controls the new process's own address space, and
    # `frameAllocator` is a new allocator whose budget is carved out of the
    # caller's allocator (16 MiB, or half of what it has left if less) and
    # goes back to it when the new allocator and its objects are gone.
  }
}

interface ProcessSpawner @0xea0436c783640460 {
  # Starts new processes from binaries of the boot package.

  spawn @0 (binary :Text, args :List(Text), env :List(Text), caps :List(CapGrant),
            memoryLimit :UInt64, kernelMemoryLimit :UInt64) -> (handle :CapIndex, pid :UInt64);
  # Starts the binary called `binary` as a new process.
  #
  # `args` are the arguments after `argv[0]` (the kernel sets `argv[0]` to
  # the binary name); `env` holds `KEY=VALUE` strings. Neither may contain
  # NUL bytes. `caps` lists the capabilities the new process starts with,
  # each a cap the caller sent with this call or a fresh kernel cap (see
  # `CapGrant`); nothing else is granted (a process spawned with no caps
  # can only compute and exit).
  #
  # Returns a `ProcessHandle` for the new process (`handle`, an index into
  # the results cap list) and its process id. Fails with `NotFound` for an
  # unknown binary, `InvalidArgument` for a bad name, a bad image or a
  # duplicate cap name, `TooLarge` for more than 256 arguments or
  # environment strings, `PermissionDenied` for a kernel cap of a kind the
  # caller does not hold, `QuotaExceeded` when the caller already has 64
  # processes running that it started, when the memory limit is more than
  # the caller has left, or when the caller's kernel-memory quota has too
  # little left for a new process, and `QuotaExceeded` or `OutOfMemory`
  # when the new process's memory cannot be had. A call that fails has no effect: if the reply
  # cannot be delivered (no room for the handle in `caps_in_max` or in
  # the caller's cap table, a result buffer too small), the new process
  # is killed before the error is returned.
  #
  # `memoryLimit` is the most memory, in bytes, the new process may use
  # (its pages and page tables, rounded up to 4 KiB pages). It is carved
  # out of the caller's own limit while the new process runs, and given
  # back when it ends; 0 means the default, 64 MiB or half of what the
  # caller has left if that is less. Above `maxMemoryLimit` fails with
  # `InvalidArgument`.
  #
  # `kernelMemoryLimit` is the new process's kernel-memory quota in bytes
  # (the kernel memory it and the processes it forks may cause: the
  # processes themselves, threads, cap slots, queued messages, pipes …),
  # carved out of the caller's own and given back once the new process
  # (and what it forked) has ended (what it still holds then, such as a
  # message left queued or its own record until reaped, as that is
  # freed); 0 means the default,
  # 4 MiB or half of what the caller has left if that is less. More than
  # the caller has left fails with `QuotaExceeded`, too little to start a
  # process (about 27 KiB) with `InvalidArgument`.
  #
  # When the caller ends, every process it started that still runs is
  # killed too (and theirs in turn).

  kernelMemory @1 () -> (limit :UInt64, used :UInt64);
  # The caller's own kernel-memory quota: its limit and what is charged to
  # it now, in bytes (the quotas of the processes it started included).

  const maxMemoryLimit :UInt64 = 4294967296;
  # The largest `memoryLimit`: 4 GiB.
}

struct Fault @0xfdce6d9738a9d2d9 {
  # A CPU exception that ended a process.

  vector @0 :UInt8;
  # The exception vector (e.g. 14 for a page fault, 13 for a general
  # protection fault, 6 for an invalid opcode).

  errorCode @1 :UInt64;
  # The error code the CPU pushed (0 for exceptions without one).

  address @2 :UInt64;
  # The faulting address (CR2) for a page fault; 0 otherwise.

  rip @3 :UInt64;
  # The instruction pointer at the fault.
}

struct ExitStatus @0xb0b886a975ba9c75 {
  # How a process ended.

  union {
    exited @0 :Int32;
    # It exited by itself with this exit code (0 means success).

    faulted @1 :Fault;
    # The kernel ended it because of an unhandled CPU exception.

    killed @2 :Void;
    # It was ended by `ProcessHandle.kill`.

    signaled @3 :UInt8;
    # A signal ended it (its default action, or `SIGKILL` sent by a POSIX
    # `kill`): the signal's number (Linux's numbering).
  }
}

interface ProcessHandle @0xd681fb648dc04ac4 {
  # A process started by `ProcessSpawner.spawn`: wait for it, end it, ask
  # its id. Dropping the handle does not end the process.

  wait @0 () -> (status :ExitStatus);
  # Completes when the process has ended, with how it ended. Several
  # waits all complete; waiting on an ended process completes at once.

  kill @1 () -> ();
  # Ends the process (its status becomes `killed`). Killing an ended
  # process does nothing.

  pid @2 () -> (pid :UInt64);
  # The process id (unique until the machine restarts).

  jobState @3 (after :UInt64) -> (changes :UInt64, stopSignal :UInt8, ended :Bool);
  # Job control (POSIX stop signals): completes once the process has
  # stopped or continued more than `after` times in all, or ended (at
  # once if it already has). `changes` counts the stops, continues and
  # the end so far; `stopSignal` is the signal that stopped it while it
  # is stopped, 0 while it runs; `ended` once it ended (`wait` tells
  # how). What `waitpid`'s `WUNTRACED` and `WCONTINUED` report.

  kernelMemory @4 () -> (limit :UInt64, used :UInt64);
  # The process's kernel-memory quota (see `ProcessSpawner.spawn`): its
  # limit and what is charged to it now, in bytes.
}

interface FrameAllocator @0xedc754915d6d5836 {
  # Physical memory in 4 KiB pages. How much a holder may allocate is the
  # kernel's quota, not part of this interface.

  const pageSize :UInt32 = 4096;
  # Bytes per page.

  allocate @0 (pages :UInt32) -> (memory :CapIndex);
  # Allocates `pages` zeroed pages and returns them as a `MemoryObject`
  # (`memory`, an index into the results cap list). The pages need not be
  # physically contiguous. Fails with `InvalidArgument` for 0 pages,
  # `QuotaExceeded` (over the allocator cap's frame budget, 16 MiB for a
  # kernel-made cap) or `OutOfMemory` when there is not enough. The pages
  # are freed when the last cap to the object is gone and no process maps
  # it any more.
}

interface MemoryObject @0x85f09e166b4de153 {
  # A set of physical pages (from `FrameAllocator.allocate`). It is mapped
  # with `VirtualMemory.mapObject`; it does not map itself.

  size @0 () -> (bytes :UInt64);
  # The object's size in bytes (a whole number of pages).
}

enum MapRights @0xe83444d432f47ad5 {
  # Access rights of a mapping. Writable and executable together cannot be
  # expressed (W^X).

  read @0;
  # Read only.

  readWrite @1;
  # Read and write, not executable.

  readExecute @2;
  # Read and execute, not writable.
}

interface VirtualMemory @0xef926ebc7c733030 {
  # The caller's own address space, in whole 4 KiB pages. Every address and
  # size must be page-aligned and non-zero (`InvalidArgument` otherwise) and
  # lie in `[0x1_0000, 0x7000_0000_0000)` (`BadAddress` otherwise): the
  # ring, bootstrap region and stack above it are out of reach. The cap
  # cannot be passed to another process. A `hint` of 0 lets the
  # kernel choose the address; any other hint is the exact address to map
  # at, and fails with `InvalidArgument` if something is mapped there.

  map @0 (size :UInt64, rights :MapRights, hint :UInt64) -> (address :UInt64);
  # Maps `size` bytes of fresh zeroed anonymous memory and returns where.

  mapObject @1 (memory :CapIndex, offset :UInt64, size :UInt64, rights :MapRights, hint :UInt64)
            -> (address :UInt64);
  # Maps `size` bytes of a `MemoryObject` starting `offset` bytes into it.
  # `memory` is an index into the caps sent with the call. Fails with
  # `InvalidArgument` when the range is not inside the object and
  # `WrongInterface` when the cap is not a `MemoryObject`.

  unmap @2 (address :UInt64, size :UInt64) -> ();
  # Removes every mapping in the range; pages in it that are not mapped are
  # skipped.

  protect @3 (address :UInt64, size :UInt64, rights :MapRights) -> ();
  # Changes the rights of every page in the range, all of which must be
  # mapped.
}

# ---------------------------------------------------------------------------
# Inter-process calls
# ---------------------------------------------------------------------------

interface PipeFactory @0xd7c5a0f3e1b2c4a6 {
  # Makes pipes: one-way byte streams between the holders of their two
  # ends, kept in the kernel (what POSIX `pipe` is built on).

  create @0 () -> (reader :CapIndex, writer :CapIndex);
  # A new pipe with a 64 KiB buffer: its read end and its write end (both
  # `Pipe`s; indices into the results cap list). Copies of an end are the
  # same end: the pipe sees its writer gone when the last copy of the
  # write end is released, and its reader gone likewise.
}

interface Pipe @0xc3f1e2d4b5a69788 {
  # One end of a pipe. Reads on the write end and writes on the read end
  # fail with `PermissionDenied`.

  read @0 (max :UInt32, nonblocking :Bool) -> (data :Data);
  # Up to `max` bytes (1 to 65536), waiting until there are some. Empty
  # data is end of file: the buffer is empty and every writer is gone.
  # With `nonblocking`, `WouldBlock` instead of waiting.

  write @1 (data :Data, nonblocking :Bool) -> (written :UInt32);
  # Appends `data` (at most 64 KiB), waiting for room: a write of at most
  # 4096 bytes (PIPE_BUF) goes in whole, never interleaved with another;
  # a longer one may return having written part (then `written` says how
  # much). `PeerDied` when every reader is gone (POSIX's EPIPE). With
  # `nonblocking`, writes what fits now, `WouldBlock` when nothing does.

  status @2 () -> (available :UInt32, room :UInt32, peerGone :Bool);
  # Bytes waiting to be read, room for writing, and whether the other end
  # is gone (every writer, for the read end; every reader, for the write
  # end). Never waits.

  waitReady @3 () -> ();
  # Waits until a read (on the read end) or a write (on the write end)
  # would not wait: data or end of file; room or no reader. `poll` and
  # `select` are built on it.
}

interface EndpointFactory @0xbd30013033a5ac95 {
  # Makes endpoints: kernel-queued channels through which one process serves
  # calls of some interface to others.

  create @0 (interfaceId :UInt64) -> (server :CapIndex, client :CapIndex);
  # Makes an endpoint for the interface `interfaceId` and returns its two
  # sides (indices into the results cap list): `server`, an
  # `EndpointServer`, and `client`, a cap that implements `interfaceId`.
  # A CALL on the client side (with that interface id) is queued on the
  # endpoint; the holder of the server side takes it with the RECV ring
  # operation and answers with RETURN (see docs/ring-abi.md). Caps travel
  # both ways by copy or move. `interfaceId` 0 fails with
  # `InvalidArgument`.
}

interface EndpointServer @0xa8a6c47872304fe1 {
  # The receiving side of an endpoint, used with the RECV and RETURN ring
  # operations. When every holder has released it (or died), calls waiting
  # on the endpoint, and calls received but not answered, complete with
  # `PeerDied`, and so do later calls.

  mint @0 (interfaceId :UInt64, badge :UInt32) -> (client :CapIndex);
  # Makes another client side of this endpoint that implements
  # `interfaceId` (0: the endpoint's own interface) and carries `badge`
  # (not 0). A call made through it reaches the server with the badge in
  # the high 32 bits of its RECV token, so one endpoint can serve many
  # objects (one badge each). When the last copy of a minted client is
  # gone, the server receives a release notice: a RECV completion with
  # method `0xFFFF`, that badge, no params, and nothing to RETURN. Minted
  # clients count as clients for end-of-clients `PeerDied`.
}

interface RevocationFactory @0xbb4678d94925278a {
  # Makes revocable copies of capabilities.

  wrap @0 (target :CapIndex) -> (revocable :CapIndex, revoker :CapIndex);
  # Returns `revocable`, a cap that implements the same interface as the
  # sent cap `target` and forwards every call to it, and `revoker`, which
  # can cut it off. Hand out `revocable` (copies of it share its fate) and
  # keep `revoker`. Calls on a revoked cap fail with `Revoked`. An endpoint's
  # server side cannot be wrapped usefully (RECV and RETURN need the real
  # one).
}

interface Revoker @0xb7b5105ee76bbb55 {
  # Cuts off the revocable cap it was made with.

  revoke @0 () -> ();
  # From now on every call on the revocable cap (and on every copy of it,
  # in any process) fails with `Revoked`; calls already forwarded finish
  # normally. Revoking twice is harmless.
}

interface TerminalSession @0xc8206bb618093e9f {
  # A terminal: a serial port with a line discipline. In canonical mode the
  # kernel edits a line before handing it over: it echoes what is typed
  # (when `echo` is set), Backspace/DEL erases a byte, Ctrl-U erases the
  # line, Ctrl-C (with `signals`) discards the line, fails pending reads
  # with `Interrupted` and counts an interrupt, Ctrl-D at the start of a
  # line is end of file, Ctrl-Z (with `signals`) discards the line and
  # sends `SIGTSTP` to the foreground group (see `setForeground`). In raw
  # mode bytes are handed over as they arrive.

  write @0 (data :Data) -> ();
  # Writes bytes to the terminal (at most 64 KiB per call).

  read @1 (max :UInt32) -> (data :Data);
  # Canonical mode: waits for a complete line and returns it with its
  # `\n` (at most `max` bytes; the rest stays for the next read); empty
  # data is end of file. Raw mode: waits for at least one byte and returns
  # what has arrived, up to `max`. `max` is 1 to 65536. Fails with
  # `Interrupted` on Ctrl-C. A read whose caller dies is cancelled and
  # consumes nothing.

  getMode @2 () -> (mode :TerminalMode);
  setMode @3 (mode :TerminalMode) -> ();
  # Switching to raw mode hands a partly edited line over as raw bytes.

  windowSize @4 () -> (rows :UInt16, cols :UInt16);
  setWindowSize @5 (rows :UInt16, cols :UInt16) -> ();
  # The size programs should lay output out for (default 24 x 80). Neither
  # may be 0.

  interrupts @6 () -> (count :UInt64);
  # How many Ctrl-C interrupts this terminal has seen.

  waitInterrupt @7 (after :UInt64) -> (count :UInt64);
  # Waits until the interrupt count exceeds `after` and returns it: the
  # session's foreground (e.g. a shell waiting for a child) learns about
  # Ctrl-C this way.

  setForeground @8 (group :UInt64) -> ();
  # Makes process group `group` the terminal's foreground group (POSIX
  # `tcsetpgrp`): Ctrl-C (with `signals`) then also sends it `SIGINT`,
  # Ctrl-Z sends it `SIGTSTP`.
  # The group must have a member in the caller's session
  # (`PermissionDenied` otherwise); 0 means none.

  foreground @9 () -> (group :UInt64);
  # The foreground process group (`tcgetpgrp`); 0 when none is set.
}

struct TerminalMode @0xcffba82758adfbe1 {
  canonical @0 :Bool;
  # Line editing (see `TerminalSession`); otherwise raw.

  echo @1 :Bool;
  # Typed bytes are written back.

  signals @2 :Bool;
  # Ctrl-C interrupts, Ctrl-Z suspends and Ctrl-D ends input (canonical
  # mode only).

  tostop @3 :Bool;
  # POSIX `TOSTOP`: a write from a background process group of the
  # terminal's session sends that group `SIGTTOU` and fails with
  # `Interrupted` (to be made again once continued) unless the writer
  # ignores or blocks `SIGTTOU`; `PermissionDenied` (`EIO`) for an
  # orphaned group. Without it background writes go through. (A
  # `setMode` from a background group gets `SIGTTOU` the same way
  # whatever this says, as `tcsetattr` does.)
}

enum NodeKind @0xbc6622678f6a440c {
  file @0;
  directory @1;
  symlink @2;
  # A symbolic link: a node holding a target path (`Directory.symlink`).
}

struct NodeInfo @0xfc6873e9d4a2a834 {
  # What `stat` reports.

  kind @0 :NodeKind;
  size @1 :UInt64;
  # Bytes of a file; entries of a directory; bytes of a link's target.

  writable @2 :Bool;
  # Whether the node can be changed through the cap that asked.

  id @3 :UInt64;
  # The node's number: unique among the nodes that exist (a removed
  # node's number may be reused); two names of one file have the same.

  mode @4 :UInt16;
  # Permission bits (the 12 low bits of a POSIX mode). Stored and
  # reported, not enforced: caps and read-only nodes confine.

  links @5 :UInt32;
  # Names of a file (hard links); 2 plus the subdirectories of a
  # directory.

  atime @6 :Timestamp;
  # Last read (as Linux's `relatime`: a read sets it when it is not newer
  # than `mtime` or `ctime`, or a day old).

  mtime @7 :Timestamp;
  # Last change of the contents (a write, a truncation; for a directory,
  # an entry added or removed).

  ctime @8 :Timestamp;
  # Last change of the contents or attributes (also `setAttrs`, `link`,
  # `rename`, `remove` of one of its names).
}

struct Timestamp @0xb9253ef1803538d1 {
  # A wall-clock time, as the file service's `wallClock` reads it.
  seconds @0 :Int64;
  # Since 1970-01-01 00:00 UTC.
  nanos @1 :UInt32;
  # Within the second (below 1 000 000 000).
}

enum TimeSet @0xcc8866b7a13b10d7 {
  # How `setAttrs` changes one time.
  keep @0;
  now @1;
  given @2;
}

struct AttrChange @0xd2d8206c786e8b62 {
  # What `setAttrs` changes. The node's `ctime` becomes now whenever
  # anything does.
  setMode @0 :Bool;
  mode @1 :UInt16;
  # New permission bits (with `setMode`).
  atime @2 :TimeSet;
  atimeGiven @3 :Timestamp;
  # The new `atime` when `atime` is `given`.
  mtime @4 :TimeSet;
  mtimeGiven @5 :Timestamp;
  # The new `mtime` when `mtime` is `given`.
}

struct DirEntry @0xb0e421e43b1ad471 {
  name @0 :Text;
  kind @1 :NodeKind;
  size @2 :UInt64;
  id @3 :UInt64;
  # As `NodeInfo.id`.
}

enum Whence @0xd863985829995126 {
  start @0;
  current @1;
  end @2;
}

interface Directory @0xca698bd54cd7fd50 {
  # A directory of the file system service, and what it contains. Paths
  # are relative to this directory (a leading `/` also means this
  # directory): `a/b/c`; `.` is ignored and `..` goes up, but never above
  # this directory. Components are 1 to 255 bytes, without `/` or NUL.
  # Symbolic links are followed in every component but the last, and in
  # the last one by `list`, `listPage`, `open` (unless `noFollow`, or
  # `create` with `exclusive`), `stat` (unless `follow` is false),
  # `openDir` and `setAttrs`; not by `remove`, `rename`, `link`,
  # `symlink`, `mkdir` and `readlink`, which act on the name itself. A
  # relative target is read from the link's directory, an absolute one
  # from this Directory: a link never leads above it. More than 40 links
  # in one path is `TooManyLinks`.
  # A read-only Directory (and everything opened through it) fails every
  # change with `ReadOnly`; so do nodes the manifest made read-only.
  # Errors: `NotFound`, `AlreadyExists`, `NotADirectory`, `IsADirectory`,
  # `DirectoryNotEmpty`, `ReadOnly`, `NoSpace` (quota), `InvalidArgument`,
  # `TooManyLinks`.

  list @0 (path :Text) -> (entries :List(DirEntry));
  # The entries of the directory at `path` ("" for this one), sorted by
  # name.

  open @1 (path :Text, write :Bool, create :Bool, exclusive :Bool, truncate :Bool, append :Bool,
           mode :UInt16 = 420, noFollow :Bool) -> (file :CapIndex);
  # Opens a file; `create` makes it if missing (`exclusive`: and fails
  # with `AlreadyExists` if present), with the permission bits `mode`
  # (default 0o644); `truncate` empties it; `append` makes every write go
  # to the end. Without `write` the File is read-only. A final symbolic
  # link is followed (`create` makes a dangling link's target) unless
  # `noFollow` (then a link is `TooManyLinks`, POSIX's `O_NOFOLLOW`).

  create @2 (path :Text) -> (file :CapIndex);
  # Same as `open` with write, create and truncate.

  mkdir @3 (path :Text, mode :UInt16 = 493) -> ();
  # Makes a directory with the permission bits `mode` (default 0o755).

  remove @4 (path :Text) -> ();
  # Removes a file or an empty directory.

  rename @5 (from :Text, to :Text) -> ();
  # Moves a node within this directory's tree, replacing a file (or an
  # empty directory) at `to`. A directory cannot move into itself.

  stat @6 (path :Text, follow :Bool = true) -> (info :NodeInfo);
  # What `path` is; with `follow` false a final symbolic link is not
  # followed (POSIX `lstat`: kind `symlink`, size the target's length).

  openDir @7 (path :Text, readOnly :Bool) -> (dir :CapIndex);
  # A Directory cap for `path` (rooted there: `..` cannot leave it);
  # `readOnly` drops the right to change anything through it.

  listPage @8 (path :Text, after :Text, max :UInt32) -> (entries :List(DirEntry), more :Bool);
  # One page of `list`: the entries whose names sort after `after` ("" for
  # the first page), at most `max` (0: as many as fit), and only as many
  # as fit one reply; `more` says whether entries follow. The next page
  # starts after the last name of this one, so a directory of any size
  # can be read, and entries added or removed meanwhile do not shift it.

  link @9 (from :Text, to :Text) -> ();
  # Gives the file `from` the further name `to` (a hard link; `to` must
  # not exist). Not for directories (`IsADirectory`) nor read-only nodes
  # (`ReadOnly`). The file lives until its last name is removed and its
  # last File closed.

  setAttrs @10 (path :Text, change :AttrChange, noFollow :Bool) -> ();
  # Changes the permission bits and times of the node at `path`
  # (`ReadOnly` through a read-only Directory or on a read-only node).
  # With `noFollow`, a final symbolic link is changed itself (its times;
  # its permission bits cannot change: `Unsupported`), as POSIX's
  # `utimensat(AT_SYMLINK_NOFOLLOW)`; without, the node it leads to.

  symlink @11 (target :Text, path :Text) -> ();
  # Makes a symbolic link at `path` (which must not exist: `AlreadyExists`,
  # even for a dangling link) holding `target`, 1 to 4095 bytes without
  # NUL (`NotFound` when empty, else `InvalidArgument`), stored as given
  # and resolved when used. The link counts as a node against the quota.

  readlink @12 (path :Text) -> (target :Text);
  # The target of the symbolic link at `path` (not followed);
  # `InvalidArgument` when `path` is not a link.
}

interface File @0xb4e86b743ca7c789 {
  # An open file. The position is shared by copies of this cap; each
  # `open` makes a new one. Reads and writes move at most 60 KiB per call.

  read @0 (count :UInt32) -> (data :Data);
  # Up to `count` bytes from the position (empty at the end), advancing.

  write @1 (data :Data) -> (written :UInt64);
  # At the position (at the end in append mode), advancing.

  seek @2 (offset :Int64, whence :Whence) -> (position :UInt64);
  pread @3 (offset :UInt64, count :UInt32) -> (data :Data);
  pwrite @4 (offset :UInt64, data :Data) -> (written :UInt64);
  # Writing past the end fills the gap with zeros.

  stat @5 () -> (info :NodeInfo);
  truncate @6 (size :UInt64) -> ();
  sync @7 () -> ();
  # Nothing to do for the RAM tree; kept for files on disk later.

  close @8 () -> ();
  # Ends this open file for every copy of the cap (later calls fail with
  # `InvalidCap`). Releasing the last copy does the same.

  setAttrs @9 (change :AttrChange) -> ();
  # `Directory.setAttrs` on this file; allowed on a File opened without
  # `write` (as POSIX's `fchmod`), not on one opened through a read-only
  # Directory.
}

interface Echo @0xa4de15935f8c4bfb {
  # A trivial interface for IPC demos and tests, served by a process.

  echo @0 (text :Text) -> (text :Text);
  # Returns `text` (the demo server turns it to upper case).
}

# ---------------------------------------------------------------------------
# The boot manifest
# ---------------------------------------------------------------------------
#
# Written by `tools/mkmanifest` from `system.cue`, carried in the boot
# package and read by init (through `BootPackage.readManifest`), which
# starts the services. Init itself is part of the kernel image and is not
# a service; it holds `bootPackage`, `processSpawner` and `console`.

struct SystemManifest @0xdc6192114cc760d0 {
  # The whole boot-time system: what to run, with which capabilities.

  binaries @0 :List(NamedBinary);
  # The programs in the package (names unique). Services name them; so can
  # `ProcessSpawner.spawn` at run time.

  files @1 :List(NamedFile);
  # Files made available at boot (paths unique).

  services @2 :List(Service);
  # The services init starts (names unique), in `dependsOn` order.

  statusFrom @3 :Text;
  # When set, a service name: once every service has ended, init exits
  # with that service's last exit status (the kernel reports it and, when
  # booted with `poweroff`, stops the machine). Empty: init exits with 0.
}

struct NamedBinary @0xe3ab22e844b75bc9 {
  # A program: an ELF64 executable.

  name @0 :Text;
  # The binary's name (letters, digits, `-`, `_`, `.`; 1 to 64 bytes).

  data @1 :Data;
  # The ELF image.
}

struct NamedFile @0xedb5d0960b3812bb {
  # A file provided at boot.

  path @0 :Text;
  # Absolute path (`/etc/motd`); no empty, `.` or `..` components.

  data @1 :Data;
  # The contents.

  writable @2 :Bool;
  # Whether processes may change it (changes are not kept across boots).

  symlink @3 :Text;
  # When not empty, the file is a symbolic link with this target (which
  # the file service resolves as any link's: relative to the link's
  # directory, or from its root when absolute); `data` is then empty and
  # `writable` false.
}

enum RestartPolicy @0x9ba90eefc990000c {
  # What init does when a service ends.

  never @0;
  # Leave it ended.

  onFailure @1;
  # Start it again when it did not exit with code 0 (a fault, a kill or a
  # non-zero exit code).

  always @2;
  # Start it again whenever it ends.
}

struct Service @0xd4cace6a4040b2a4 {
  # A process init starts at boot.

  name @0 :Text;
  # The service's name (letters, digits, `-`, `_`, `.`; 1 to 64 bytes).

  binary @1 :Text;
  # The name of the `NamedBinary` it runs.

  args @2 :List(Text);
  # Arguments after `argv[0]` (which is the binary name); no NUL bytes.

  env @3 :List(Text);
  # Environment strings, each `KEY=VALUE` with a non-empty key; no NUL
  # bytes.

  caps @4 :List(CapDecl);
  # The capabilities it starts with (at most 64, names unique); nothing
  # else is granted.

  restart @5 :RestartPolicy;
  # What to do when it ends.

  dependsOn @6 :List(Text);
  # Names of services that must be started before this one (no cycles).

  exports @7 :List(Export);
  # Endpoints this service serves (names unique within the service). Init
  # makes one endpoint per export and gives the service its server side
  # (an `EndpointServer`) under the export's name; services whose caps name
  # the export get its client side.

  memoryLimit @8 :UInt64;
  # The most memory, in bytes, the service may use (`ProcessSpawner.spawn`'s
  # `memoryLimit`); 0 means the default, 64 MiB.

  kernelMemoryLimit @9 :UInt64;
  # Its kernel-memory quota in bytes (`ProcessSpawner.spawn`'s
  # `kernelMemoryLimit`); 0 means the default, 4 MiB.
}

struct Export @0xd9ea13bc6b534693 {
  # One endpoint a service serves.

  name @0 :Text;
  # The export's name (the cap name of the server side in the service, and
  # what `CapSource.service.export` names).

  interfaceId @1 :UInt64;
  # The interface the endpoint serves (its clients call it with this id).
}

enum KernelCap @0xb9d5e887be6ed470 {
  # The capabilities the kernel itself serves, by interface.

  console @0;
  # A `Console`.

  timer @1;
  # A `Timer`.

  wallClock @2;
  # A `WallClock`.

  entropy @3;
  # An `EntropySource`.

  bootPackage @4;
  # A `BootPackage`.

  processSpawner @5;
  # A `ProcessSpawner`.

  frameAllocator @6;
  # A `FrameAllocator`.

  virtualMemory @7;
  # A `VirtualMemory` for the service's own address space.

  endpointFactory @8;
  # An `EndpointFactory`.

  revocationFactory @9;
  # A `RevocationFactory`.

  terminal @10;
  # The `TerminalSession` on the terminal serial port.

  stderr @11;
  # A `Console` for error output: the port the kernel command line names
  # with `stderr=` (kept apart from the terminal), else the terminal.

  pipeFactory @12;
  # A `PipeFactory`.
}

struct CapDecl @0xd64a5d51d1e3b70f {
  # One capability a service starts with.

  name @0 :Text;
  # The name the service finds it under in its CapSet (1 to 32 of: letters,
  # digits, `-`, `_`, `.`).

  source @1 :CapSource;
  # Where the capability comes from.
}

struct CapSource @0xc574798ed7c90ef9 {
  # Where a declared capability comes from.

  union {
    unset @0 :Void;
    # No source given. Never valid: it is the union's default, so that a
    # declaration that forgot its source is rejected instead of silently
    # granting something.

    kernel @1 :KernelCap;
    # A capability the kernel serves.

    service :group {
      # The client side of an endpoint another service exports (see
      # `Service.exports`); that service starts first.

      name @2 :Text;
      # The exporting service.

      export @3 :Text;
      # The name of the export within that service.
    }
  }
}
