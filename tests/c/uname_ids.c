/* uname succeeds with non-empty NUL-terminated fields (values differ between systems and are not printed); process ids are positive and stable; user ids agree with their effective ids. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/utsname.h>

int main(void)
{
	struct utsname u;
	memset(&u, 0xff, sizeof u);
	int r = uname(&u);
	printf("uname %d\n", r);
	printf("fields non-empty and terminated: %d %d %d %d %d\n", u.sysname[0] && memchr(u.sysname, 0, sizeof u.sysname) != NULL,
	       u.nodename[0] && memchr(u.nodename, 0, sizeof u.nodename) != NULL,
	       u.release[0] && memchr(u.release, 0, sizeof u.release) != NULL,
	       u.version[0] && memchr(u.version, 0, sizeof u.version) != NULL,
	       memchr(u.machine, 0, sizeof u.machine) != NULL);
	printf("machine is x86_64: %d\n", !strcmp(u.machine, "x86_64"));
	pid_t p = getpid();
	printf("pid positive %d stable %d, ppid positive %d, differs from pid %d\n", p > 0, p == getpid(), getppid() > 0,
	       getppid() != p);
	printf("uid == euid %d, gid == egid %d\n", getuid() == geteuid(), getgid() == getegid());
	printf("process group ids positive %d\n", getpgrp() > 0);
	char host[256];
	int hr = gethostname(host, sizeof host);
	printf("gethostname %d matches nodename %d\n", hr, !strcmp(host, u.nodename));
	long page = sysconf(_SC_PAGESIZE);
	printf("page size 4096 %d, getpagesize agrees %d\n", page == 4096, getpagesize() == page);
	printf("online cpus >= 1: %d\n", sysconf(_SC_NPROCESSORS_ONLN) >= 1);
	return 0;
}
