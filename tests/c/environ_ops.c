/* Environment: setenv/putenv/unsetenv seen through environ iteration (only our own TEST_ variables are printed), overwrite flag, EINVAL for bad names, clearenv. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>

extern char **environ;

static void dump(const char *when)
{
	/* environ's order is the library's: print our variables sorted. */
	const char *names[64];
	int n = 0;
	for (char **e = environ; *e && n < 64; e++)
		if (!strncmp(*e, "TEST_", 5))
			names[n++] = *e;
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
			const char *t = names[j];
			names[j] = names[j - 1];
			names[j - 1] = t;
		}
	printf("%s:", when);
	for (int i = 0; i < n; i++)
		printf(" %s", names[i]);
	printf("\n");
}

int main(void)
{
	dump("start");
	setenv("TEST_B", "2", 1);
	setenv("TEST_A", "1", 1);
	static char put[] = "TEST_P=put";
	putenv(put);
	dump("after set");
	setenv("TEST_A", "ignored", 0);
	setenv("TEST_B", "replaced", 1);
	dump("overwrite flag");
	put[7] = 'P';
	printf("putenv string is live: %s\n", getenv("TEST_P"));
	setenv("TEST_EMPTY", "", 1);
	printf("empty value: [%s] missing is NULL: %d\n", getenv("TEST_EMPTY"), getenv("TEST_NOPE") == NULL);
	setenv("TEST_EQ", "a=b=c", 1);
	printf("value with '=': %s\n", getenv("TEST_EQ"));
	int r = setenv("TEST=BAD", "x", 1);
	printf("name with '=': %d EINVAL %d\n", r, errno == EINVAL);
	errno = 0;
	r = setenv("", "x", 1);
	printf("empty name: %d EINVAL %d\n", r, errno == EINVAL);
	unsetenv("TEST_B");
	unsetenv("TEST_NEVER_SET");
	dump("after unsetenv");
	for (int i = 0; i < 200; i++) {
		char name[32], val[32];
		snprintf(name, sizeof name, "TEST_MANY_%03d", i);
		snprintf(val, sizeof val, "%d", i * i);
		setenv(name, val, 1);
	}
	long sum = 0;
	for (char **e = environ; *e; e++)
		if (!strncmp(*e, "TEST_MANY_", 10))
			sum += atol(strchr(*e, '=') + 1);
	printf("200 variables, sum of values %ld, TEST_MANY_150=%s\n", sum, getenv("TEST_MANY_150"));
	for (int i = 0; i < 200; i += 2) {
		char name[32];
		snprintf(name, sizeof name, "TEST_MANY_%03d", i);
		unsetenv(name);
	}
	int left = 0;
	for (char **e = environ; *e; e++)
		left += !strncmp(*e, "TEST_MANY_", 10);
	printf("after removing half: %d\n", left);
	printf("clearenv %d\n", clearenv());
	int count = 0;
	for (char **e = environ; e && *e; e++)
		count++;
	printf("after clearenv: %d variables, PATH %s\n", count, getenv("PATH") ? "set" : "unset");
	setenv("TEST_NEW", "fresh", 1);
	dump("after clearenv and setenv");
	return 0;
}
