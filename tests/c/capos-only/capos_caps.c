/* A C program that is also a capability program (libcapos, capos/capos.h):
 * it lists its caps, writes through its console cap, reads the timer by a
 * typed helper and by a raw ring call with a hand-built Cap'n Proto
 * message, maps memory through its VirtualMemory cap, and gets the errors
 * capos.h promises. capOS only (no host twin): it checks itself and exits
 * 0 when every check holds. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <capos/capos.h>

static int failures;

static void check(const char *what, int ok)
{
	printf("%s %s\n", ok ? "ok  " : "FAIL", what);
	failures += !ok;
}

int main(void)
{
	int count = capos_cap_count();
	check("the process has caps", count > 0);
	int found_console = 0;
	for (int i = 0; i < count; i++) {
		char name[64];
		uint64_t iface;
		capos_cap_t cap;
		if (capos_cap_entry(i, name, sizeof name, &iface, &cap) == 0 && !strcmp(name, "console"))
			found_console = iface == CAPOS_IFACE_CONSOLE;
	}
	check("capos_cap_entry lists console as a Console", found_console);

	capos_cap_t console, timer, vm, missing;
	check("lookup console", capos_cap_lookup("console", CAPOS_IFACE_CONSOLE, &console) == 0);
	check("console write", capos_console_write(console, "capos_caps: hello from C\n", 25) == 0);
	check("lookup of a missing name is ENOENT", capos_cap_lookup("no-such-cap", 0, &missing) == -1 && errno == ENOENT);
	check("lookup with the wrong interface is EPROTOTYPE",
	      capos_cap_lookup("console", CAPOS_IFACE_TIMER, &missing) == -1 && errno == EPROTOTYPE);

	check("lookup timer", capos_cap_lookup("timer", CAPOS_IFACE_TIMER, &timer) == 0);
	uint64_t t0 = 0, t1 = 0;
	check("timer now", capos_timer_now(timer, &t0) == 0 && t0 > 0);
	check("timer sleep 10 ms", capos_timer_sleep(timer, 10000000) == 0);
	capos_timer_now(timer, &t1);
	check("the sleep lasted 10 ms", t1 - t0 >= 10000000);

	/* Timer.now (method 0) by a raw call: a flat message of one segment
	 * holding an empty struct. The answer's root struct holds the time. */
	const unsigned char params[16] = { 0, 0, 0, 0, 1, 0, 0, 0, 0xfc, 0xff, 0xff, 0xff, 0, 0, 0, 0 };
	unsigned char result[64];
	long n = capos_call(timer, CAPOS_IFACE_TIMER, 0, params, sizeof params, result, sizeof result);
	uint64_t raw = 0;
	if (n >= 24)
		memcpy(&raw, result + 16, sizeof raw);
	uint64_t t2 = 0;
	capos_timer_now(timer, &t2);
	check("raw Timer.now answers a time between two typed ones", n >= 24 && raw >= t1 && raw <= t2);
	check("a raw call of an unknown method fails",
	      capos_call(timer, CAPOS_IFACE_TIMER, 999, params, sizeof params, result, sizeof result) == -1 &&
		      errno == ENOSYS && capos_last_error() == 7 && !strcmp(capos_error_name(7), "UnknownMethod"));

	check("lookup virtualMemory", capos_cap_lookup("virtualMemory", CAPOS_IFACE_VIRTUAL_MEMORY, &vm) == 0);
	uint64_t at = 0;
	check("map 64 KiB", capos_vm_map(vm, 65536, CAPOS_MAP_READ_WRITE, 0, &at) == 0 && at != 0);
	if (at) {
		memset((void *)(uintptr_t)at, 0x5a, 65536);
		check("the mapping holds what was written", ((unsigned char *)(uintptr_t)at)[65535] == 0x5a);
		check("protect read-only", capos_vm_protect(vm, at, 65536, CAPOS_MAP_READ) == 0);
		check("unmap", capos_vm_unmap(vm, at, 65536) == 0);
	}
	check("writable and executable at once is refused", capos_vm_map(vm, 4096, 3, 0, &at) == -1 && errno == EINVAL);
	check("a released cap is stale", capos_cap_release(timer) == 0 && capos_timer_now(timer, &t0) == -1 &&
					       errno == EBADF);
	capos_cap_t entropy;
	unsigned char bytes[32] = { 0 };
	check("entropy", capos_cap_lookup("entropy", CAPOS_IFACE_ENTROPY_SOURCE, &entropy) == 0 &&
				 capos_entropy_get(entropy, bytes, sizeof bytes) == 0);
	printf("%d failed\n", failures);
	return failures != 0;
}
