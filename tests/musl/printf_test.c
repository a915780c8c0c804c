/*
 * tests/musl: the program the host test builds twice, with the host's gcc
 * and glibc and with capOS's musl (build/sysroot), and whose stdout,
 * stderr and exit status must be the same. Everything it prints is
 * deterministic. With the argument `--errno` it instead reports how an
 * open() that the system does not implement fails (musl only).
 */
#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int compare_ints(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

static jmp_buf jump;

static void jump_back(int value)
{
	longjmp(jump, value);
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--errno") == 0) {
		int fd = open("/nonexistent", O_RDONLY);
		int saved = errno;
		printf("open: %d errno %d (%s)\n", fd, saved, strerror(saved));
		return 0;
	}

	printf("argc %d argv[0] set %d CAPOS_TEST=%s\n", argc, argv[0] != 0, getenv("CAPOS_TEST"));

	/* Integers: flags, widths, precisions, lengths. */
	printf("[%d] [%5d] [%-5d] [%05d] [%+d] [% d] [%.3d] [%.0d]\n", 42, 42, 42, 42, 42, 42, 7, 0);
	printf("[%*d] [%-*d] [%.*d] [%*.*d]\n", 6, -17, 6, -17, 4, 9, 8, 5, 123);
	printf("[%u] [%x] [%X] [%#x] [%o] [%#o] [%#.0o]\n", 3000000000u, 0xbeefu, 0xbeefu, 255u, 8u, 8u, 0u);
	printf("[%hhd] [%hd] [%ld] [%lld] [%zu] [%jd] [%td]\n", (signed char)-128, (short)-32768, LONG_MIN,
	       LLONG_MAX, (size_t)SIZE_MAX, (intmax_t)INTMAX_MIN, (ptrdiff_t)-5);
	printf("[%c] [%5c] [%%] [%s] [%.3s] [%-8s|] [%8s]\n", 'x', 'y', "hello", "truncate", "left", "right");

	/* Floating point: conversions, precision, inf and nan, extremes. */
	printf("[%f] [%.0f] [%.10f] [%e] [%E] [%g] [%G]\n", 3.14159265358979, 2.5, 1.0 / 3, 123456.789, 1e-10,
	       0.0001, 1e20);
	printf("[%g] [%g] [%g] [%#g] [%.3g] [%.10g]\n", 100000.0, 1000000.0, 1e-5, 1.0, 3.14159, 2.0 / 3);
	printf("[%a] [%a] [%A] [%.2a]\n", 1.0, 3.0, 0.1, 1.0 / 3);
	printf("[%f] [%f] [%e] [%F] [%5.1f] [%-8.2e|]\n", INFINITY, -INFINITY, NAN, INFINITY, -0.0, 6.02e23);
	printf("[%.17g] [%.17g] [%.17g]\n", DBL_MAX, DBL_MIN, DBL_TRUE_MIN);
	printf("[%.60f]\n", 0.1);
	printf("[%f]\n", DBL_MAX);
	printf("[%Lf] [%.20Le] [%+.3Lg]\n", 1.5L, 1.0L / 3, -2.0L / 7);
	printf("[%+08.3f] [% .2e] [%#.0f] [%#.0e]\n", 3.14159, 2.71828, 5.0, 5.0);

	/* snprintf: truncation and the length it would have written. */
	char small[8];
	int want = snprintf(small, sizeof small, "%s-%d", "truncated", 12345);
	printf("snprintf %d [%s]\n", want, small);
	int counted = 0;
	printf("count%n me\n", &counted);
	printf("counted %d\n", counted);

	/* Conversions from text. */
	const char *numbers[] = { "0.1", "1e308", "2.2250738585072014e-308", "-123.456e-7", "0x1.8p3", "inf", "nan(x)",
		                  "  42abc" };
	for (size_t i = 0; i < sizeof numbers / sizeof numbers[0]; i++) {
		char *end;
		double value = strtod(numbers[i], &end);
		printf("strtod(\"%s\") = %.17g, rest \"%s\"\n", numbers[i], value, end);
	}
	printf("strtol %ld %ld %ld %lu\n", strtol("-0x7f", 0, 16), strtol("0777", 0, 0), strtol("z", 0, 36),
	       strtoul("18446744073709551615", 0, 10));
	printf("atoi %d atof %.3f\n", atoi("  -99 bottles"), atof("2.5e1"));

	/* Sorting, strings, math. */
	int values[] = { 5, -3, 99, 0, 42, -3, 7, 1000, -1000 };
	size_t count = sizeof values / sizeof values[0];
	qsort(values, count, sizeof values[0], compare_ints);
	for (size_t i = 0; i < count; i++)
		printf("%d%c", values[i], i + 1 < count ? ' ' : '\n');
	printf("strlen %zu strchr %s strstr %s strrchr %s\n", strlen("capability"), strchr("capability", 'b'),
	       strstr("capability", "bil"), strrchr("a/b/c", '/'));
	printf("memcmp sign %d strncmp sign %d\n", memcmp("abc", "abd", 3) < 0, strncmp("same", "samf", 3) == 0);
	printf("sqrt %.17g floor %.1f fmod %.3f pow %.1f fabs %.2f\n", sqrt(2.0), floor(-2.5), fmod(10.0, 3.0),
	       pow(2.0, 10.0), fabs(-1.25));
	printf("exp %.12g log %.12g sin %.12g\n", exp(1.0), log(10.0), sin(1.0));

	/* setjmp/longjmp. */
	volatile int rounds = 0;
	int got = setjmp(jump);
	if (got < 3) {
		rounds++;
		jump_back(got + 1);
	}
	printf("longjmp came back with %d after %d rounds\n", got, rounds);

	fprintf(stderr, "to stderr: %s %d %.2f\n", "line", -1, 0.125);
	printf("done\n");
	return 7;
}
