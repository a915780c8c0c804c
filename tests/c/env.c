/* The environment: getenv, setenv, unsetenv, putenv, environ. Only the
 * variables the test sets are printed (the rest differ between systems). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

int main(void)
{
	printf("UNSET_THING=%s\n", getenv("UNSET_THING") ? "set" : "(null)");
	setenv("CTEST_A", "alpha", 1);
	setenv("CTEST_B", "beta", 1);
	setenv("CTEST_A", "not replaced", 0);
	printf("A=%s B=%s\n", getenv("CTEST_A"), getenv("CTEST_B"));
	setenv("CTEST_A", "replaced", 1);
	printf("A=%s\n", getenv("CTEST_A"));
	static char put[] = "CTEST_C=from putenv";
	putenv(put);
	printf("C=%s\n", getenv("CTEST_C"));
	unsetenv("CTEST_B");
	printf("B=%s\n", getenv("CTEST_B") ? getenv("CTEST_B") : "(null)");
	int n = 0;
	for (char **e = environ; *e; e++)
		if (!strncmp(*e, "CTEST_", 6)) {
			printf("environ has %s\n", *e);
			n++;
		}
	printf("%d CTEST_ variables\n", n);
	return 0;
}
