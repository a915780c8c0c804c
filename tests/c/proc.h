/* Helpers shared by the process programs of tests/c (included as
 * "proc.h"; not a program itself): errno by name, since glibc's and
 * musl's strerror texts differ, and this program's own file, for exec
 * calls that take a path. */
#ifndef TESTS_C_PROC_H
#define TESTS_C_PROC_H

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static inline const char *errname(int e)
{
	switch (e) {
	case 0:
		return "no error";
	case EINTR:
		return "EINTR";
	case ECHILD:
		return "ECHILD";
	case ESRCH:
		return "ESRCH";
	case EBADF:
		return "EBADF";
	case EAGAIN:
		return "EAGAIN";
	case EPIPE:
		return "EPIPE";
	case EINVAL:
		return "EINVAL";
	case ENOENT:
		return "ENOENT";
	case EPERM:
		return "EPERM";
	case ENOSYS:
		return "ENOSYS";
	default:
		return "another errno";
	}
}

/* This program's file: argv[0] if it has a slash (the host), else the
 * first PATH entry holding it (capOS, where argv[0] is a name and PATH is
 * /bin). F_OK, not X_OK: capOS keeps no execute bits. */
static inline const char *find_self(const char *arg0)
{
	static char self[PATH_MAX];
	if (strchr(arg0, '/')) {
		snprintf(self, sizeof self, "%s", arg0);
		return self;
	}
	const char *path = getenv("PATH");
	while (path && *path) {
		size_t n = strcspn(path, ":");
		snprintf(self, sizeof self, "%.*s/%s", (int)n, path, arg0);
		if (access(self, F_OK) == 0)
			return self;
		path += n + (path[n] == ':');
	}
	snprintf(self, sizeof self, "%s", arg0);
	return self;
}

#endif
