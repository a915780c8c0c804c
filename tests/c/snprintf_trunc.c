/* snprintf/vsnprintf: truncation at every buffer size, NUL termination, return values, size 0 with NULL, sprintf/asprintf-free counts. */
#include <stdio.h>
#include <string.h>
#include <stdarg.h>

/* Formats come from variables so the compiler does not warn about the truncation we test. */
static const char *pad_fmt = "%0*d", *n_fmt = "0123456789%n-%n";

static int vs(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vsnprintf(buf, n, fmt, ap);
	va_end(ap);
	return r;
}

int main(void)
{
	char buf[64];
	const char *text = "capability %d of %s";
	for (size_t n = 0; n <= 24; n++) {
		memset(buf, '#', sizeof buf);
		int r = snprintf(buf, n, text, 12, "capOS");
		size_t len = strnlen(buf, sizeof buf);
		printf("size %2zu: ret %d stored %zu [%.*s] guard %c\n", n, r, n ? len : 0, n ? (int)len : 0, buf,
		       buf[n < sizeof buf - 1 ? n + 1 : 0]);
	}
	printf("NULL,0: %d\n", snprintf(NULL, 0, "%s-%d-%f", "abc", -123, 1.5));
	printf("empty: %d\n", snprintf(buf, sizeof buf, "%s", ""));
	printf("vsnprintf: %d [%s]\n", vs(buf, 8, "%05d|%x", 42, 0xbeef), buf);
	printf("long: %d\n", snprintf(buf, 4, pad_fmt, 50, 7));
	printf("after: [%s]\n", buf);
	printf("width only: %d\n", snprintf(NULL, 0, "%1000s", "x"));
	printf("float: %d\n", snprintf(NULL, 0, "%.100f", 1.0));
	printf("sprintf: %d [%s]\n", sprintf(buf, "%c%c%c", 'a', 'b', 'c'), buf);
	printf("%%%% and %%c of 0: %d\n", snprintf(buf, sizeof buf, "%%%c%%", 0));
	printf("bytes: %d %d %d\n", buf[0], buf[1], buf[2]);
	int n1 = 0, n2 = 0;
	snprintf(buf, 5, n_fmt, &n1, &n2);
	printf("%%n past truncation: %d %d [%s]\n", n1, n2, buf);
	return 0;
}
