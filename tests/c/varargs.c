/* Variadic functions: va_arg of every promoted type, va_copy walking a list twice, passing va_list down to vfprintf/vsnprintf, many arguments (more than fit in registers), and a sentinel-terminated list. */
#include <stdio.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

static double sum(int count, ...)
{
	va_list ap;
	va_start(ap, count);
	double s = 0;
	for (int i = 0; i < count; i++)
		s += va_arg(ap, double);
	va_end(ap);
	return s;
}

static void mixed(const char *types, ...)
{
	va_list ap, again;
	va_start(ap, types);
	va_copy(again, ap);
	for (const char *t = types; *t; t++) {
		switch (*t) {
		case 'i': printf(" int %d", va_arg(ap, int)); break;
		case 'c': printf(" char %c", (char)va_arg(ap, int)); break;
		case 'h': printf(" short %d", (short)va_arg(ap, int)); break;
		case 'l': printf(" long %ld", va_arg(ap, long)); break;
		case 'L': printf(" llong %lld", va_arg(ap, long long)); break;
		case 'f': printf(" float %g", va_arg(ap, double)); break;
		case 'd': printf(" double %.15g", va_arg(ap, double)); break;
		case 'D': printf(" ldouble %.18Lg", va_arg(ap, long double)); break;
		case 's': printf(" str %s", va_arg(ap, char *)); break;
		case 'p': printf(" ptr-null %d", va_arg(ap, void *) == NULL); break;
		case 'z': printf(" size %zu", va_arg(ap, size_t)); break;
		}
	}
	printf("\n again:");
	int count = 0;
	for (const char *t = types; *t; t++) {
		switch (*t) {
		case 'i': case 'c': case 'h': va_arg(again, int); break;
		case 'l': va_arg(again, long); break;
		case 'L': va_arg(again, long long); break;
		case 'f': case 'd': va_arg(again, double); break;
		case 'D': va_arg(again, long double); break;
		case 's': printf(" %s", va_arg(again, char *)); break;
		case 'p': va_arg(again, void *); break;
		case 'z': va_arg(again, size_t); break;
		}
		count++;
	}
	printf(" (%d args)\n", count);
	va_end(again);
	va_end(ap);
}

static int logf_(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vsnprintf(buf, n, fmt, ap);
	va_end(ap);
	va_start(ap, fmt);
	fputs("stderr: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	return r;
}

static int concat_len(const char *first, ...)
{
	va_list ap;
	va_start(ap, first);
	int len = 0;
	for (const char *s = first; s; s = va_arg(ap, const char *))
		len += strlen(s);
	va_end(ap);
	return len;
}

static long many(int n, ...)
{
	va_list ap;
	va_start(ap, n);
	long s = 0;
	for (int i = 0; i < n; i++)
		s = s * 3 + (i % 2 ? va_arg(ap, long) : va_arg(ap, int));
	va_end(ap);
	return s;
}

int main(void)
{
	printf("sum %.3f %.3f %.3f\n", sum(0), sum(3, 1.5, 2.25, 3.125), sum(10, 1., 2., 3., 4., 5., 6., 7., 8., 9., 10.));
	mixed("ichlLfdDspz", -5, 'Q', (short)-300, 123456789012L, -9000000000000LL, 1.5f, 3.141592653589793,
	      1.0L / 3, "text", (void *)0, (size_t)77);
	char buf[64];
	int r = logf_(buf, sizeof buf, "%s=%d (%.2f)\n", "answer", 42, 2.5);
	printf("vsnprintf %d %s", r, buf);
	printf("concat %d\n", concat_len("ab", "cde", "", "fghi", (char *)NULL));
	printf("many %ld\n", many(20, 1, 2L, 3, 4L, 5, 6L, 7, 8L, 9, 10L, 11, 12L, 13, 14L, 15, 16L, 17, 18L, 19, 20L));
	return 0;
}
