/* printf: every conversion with flags, widths and precisions (also from
 * `*`), integers at their limits, and the floating-point edge cases. */
#include <stdio.h>
#include <stddef.h>
#include <stdint.h>
#include <limits.h>
#include <float.h>
#include <math.h>

int main(void)
{
	const char *flags[] = { "", "-", "+", " ", "#", "0", "-+", "+0", "- ", "#0" };
	const int widths[] = { -1, 0, 1, 5, 12 };
	const int precs[] = { -1, 0, 1, 3, 10 };
	const long long ints[] = { 0, 1, -1, 42, -42, 255, INT_MAX, INT_MIN, LLONG_MAX, LLONG_MIN };
	const double dbls[] = { 0.0, -0.0, 1.0, -1.5, 0.1, 123456.789, 1e-5, 1e-300, 1e300, DBL_MAX, DBL_MIN,
				DBL_TRUE_MIN, INFINITY, -INFINITY, NAN, 2.5, 3.5, 0.125, 9.9999999 };
	const char *iconv[] = { "d", "i", "u", "o", "x", "X" };
	const char *fconv[] = { "f", "e", "E", "g", "G", "a", "A" };
	char fmt[64];
	for (unsigned f = 0; f < sizeof flags / sizeof *flags; f++)
	for (unsigned w = 0; w < sizeof widths / sizeof *widths; w++)
	for (unsigned p = 0; p < sizeof precs / sizeof *precs; p++) {
		char wp[32] = "";
		int n = 0;
		if (widths[w] >= 0) n += snprintf(wp + n, sizeof wp - n, "%d", widths[w]);
		if (precs[p] >= 0) snprintf(wp + n, sizeof wp - n, ".%d", precs[p]);
		for (unsigned c = 0; c < sizeof iconv / sizeof *iconv; c++)
			for (unsigned i = 0; i < sizeof ints / sizeof *ints; i++) {
				snprintf(fmt, sizeof fmt, "[%%%s%sll%s]\n", flags[f], wp, iconv[c]);
				printf(fmt, ints[i]);
			}
		for (unsigned c = 0; c < sizeof fconv / sizeof *fconv; c++)
			for (unsigned i = 0; i < sizeof dbls / sizeof *dbls; i++) {
				/* The hex form of a subnormal is the library's choice
				 * (C11 7.21.6.1: glibc writes 0x0.0000000000001p-1022,
				 * musl 0x1p-1074; both are exact). */
				if ((fconv[c][0] | 0x20) == 'a' && fpclassify(dbls[i]) == FP_SUBNORMAL)
					continue;
				snprintf(fmt, sizeof fmt, "[%%%s%s%s]\n", flags[f], wp, fconv[c]);
				printf(fmt, dbls[i]);
			}
	}
	/* Widths and precisions from arguments, negative ones included. */
	for (int w = -8; w <= 8; w += 4)
		for (int p = -2; p <= 6; p += 2)
			printf("[%*.*f] [%*.*d] [%-*s] [%.*s]\n", w, p, 3.14159265, w, p, 42, w, "ab", p, "abcdefgh");
	printf("[%c] [%5c] [%-5c] [%%] [%s] [%10.3s]\n", 'x', 'y', 'z', "str", "truncated");
	printf("[%hhd] [%hd] [%ld] [%zu] [%jd] [%td]\n", (signed char)300, (short)70000, LONG_MIN, (size_t)-1,
	       (intmax_t)INTMAX_MIN, (ptrdiff_t)-5);
	printf("[%Lf] [%Le] [%Lg] [%.20Lf]\n", 1.0L / 3, 12345.678L, 1e-20L, 2.0L / 3);
	int count = 0;
	printf("abc%n|\n", &count);
	printf("count %d\n", count);
	printf("%5$s %4$s %3$s %2$s %1$s\n", "a", "b", "c", "d", "e");
	return 0;
}
