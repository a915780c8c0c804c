/*
 * capos/capos.h: C access to capOS's native capabilities (libcapos).
 *
 * A C program on capOS is also a capability program: it can look up the
 * caps its spawner gave it by name and call them through the capability
 * ring, beside (and below) the POSIX calls musl makes. The functions live
 * in libcapos_posix.a, which capos-cc links into every program (libcapos.a
 * is empty, as musl's libm.a is).
 *
 * Errors: a function returns 0 (or a count) on success and -1 with errno
 * set on failure, like a POSIX call: ENOENT for a cap name the process
 * does not hold, EPROTOTYPE for a cap of another interface, EBADF for a
 * stale or released cap, and the errno of the capability error otherwise
 * (capos_last_error() gives the capOS error code itself).
 *
 *   capos_cap_t console;
 *   if (capos_cap_lookup("console", CAPOS_IFACE_CONSOLE, &console) == 0)
 *       capos_console_write(console, "hello\n", 6);
 */
#ifndef CAPOS_CAPOS_H
#define CAPOS_CAPOS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A cap id: an index into this process's cap table. */
typedef uint32_t capos_cap_t;

/* The interface ids of schema/capos.capnp: CAPOS_IFACE_CONSOLE,
 * CAPOS_IFACE_TIMER, CAPOS_IFACE_WALL_CLOCK, CAPOS_IFACE_ENTROPY_SOURCE,
 * CAPOS_IFACE_VIRTUAL_MEMORY, CAPOS_IFACE_DIRECTORY, ... (generated from
 * the schema when the sysroot is built). */
#include <capos/interfaces.h>

/* Looks up the cap the spawner gave under `name`; with a non-zero
 * `interface_id`, checks that it implements that interface. */
int capos_cap_lookup(const char *name, uint64_t interface_id, capos_cap_t *cap);

/* How many caps the process was given; the name and interface of the one
 * at `index` (the name is NUL-terminated and cut to `name_size`). */
int capos_cap_count(void);
int capos_cap_entry(int index, char *name, size_t name_size, uint64_t *interface_id, capos_cap_t *cap);

/* Gives a cap up (its id becomes stale). */
int capos_cap_release(capos_cap_t cap);

/* A raw capability call: method `method` of interface `interface_id` on
 * `cap`, with `params` (a Cap'n Proto message, flat, unpacked) and room for
 * `result_size` bytes of results. Returns the results' length. */
long capos_call(capos_cap_t cap, uint64_t interface_id, uint16_t method, const void *params,
		size_t params_size, void *result, size_t result_size);

/* Typed helpers. */
int capos_console_write(capos_cap_t console, const void *bytes, size_t size);
int capos_timer_now(capos_cap_t timer, uint64_t *nanoseconds);
int capos_timer_sleep(capos_cap_t timer, uint64_t nanoseconds);
int capos_wall_clock_now(capos_cap_t wall_clock, int64_t *seconds, uint32_t *nanoseconds);
int capos_entropy_get(capos_cap_t entropy, void *buffer, size_t size);

/* Rights of a mapping: never writable and executable at once. */
#define CAPOS_MAP_READ          0
#define CAPOS_MAP_READ_WRITE    1
#define CAPOS_MAP_READ_EXECUTE  2
int capos_vm_map(capos_cap_t vm, uint64_t size, int rights, uint64_t hint, uint64_t *address);
int capos_vm_unmap(capos_cap_t vm, uint64_t address, uint64_t size);
int capos_vm_protect(capos_cap_t vm, uint64_t address, uint64_t size, int rights);

/* The kernel's profile counters (a kernel built with `make kernel
 * PROFILE=1`; kernel/src/profile.rs): reset to zero, read up to `count`
 * of them (returns how many), a counter's name. -1 with ENOSYS from a
 * kernel built without them. */
int capos_profile_reset(void);
int capos_profile_read(uint64_t *values, size_t count);
int capos_profile_name(int index, char *name, size_t size);

/* The capOS error code of the last failed libcapos call in this thread
 * (capos_abi's CapError numbering; 0 for none), and its name. */
int capos_last_error(void);
const char *capos_error_name(int code);

#ifdef __cplusplus
}
#endif

#endif
