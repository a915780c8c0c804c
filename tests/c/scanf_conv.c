/* sscanf: every conversion, widths, assignment suppression, length modifiers and return counts. */
#include <stdio.h>
#include <stdint.h>
#include <stddef.h>

int main(void)
{
	int i = 0, j = 0, k = 0, r;
	unsigned u = 0;
	long l = 0;
	long long ll = 0;
	short h = 0;
	signed char hh = 0;
	double d = 0;
	float f = 0;
	long double ld = 0;
	char s[32] = "", c[8] = "";
	void *p = 0;
	intmax_t im = 0;
	size_t z = 0;

	r = sscanf("42 -17 +8", "%d %i %d", &i, &j, &k);
	printf("%d: %d %d %d\n", r, i, j, k);
	r = sscanf("0x1f 017 10 0X1F", "%i %i %i %x", &i, &j, &k, &u);
	printf("%d: %d %d %d %u\n", r, i, j, k, u);
	r = sscanf("777 ff FF", "%o %x %X", &i, &j, &u);
	printf("%d: %d %d %u\n", r, i, j, u);
	r = sscanf("4294967295", "%u", &u);
	printf("%d: %u\n", r, u);
	r = sscanf("-9223372036854775808 123456789012", "%lld %ld", &ll, &l);
	printf("%d: %lld %ld\n", r, ll, l);
	r = sscanf("32767 127", "%hd %hhd", &h, &hh);
	printf("%d: %hd %hhd\n", r, h, (int)hh);
	r = sscanf("99 123", "%jd %zu", &im, &z);
	printf("%d: %jd %zu\n", r, im, z);
	r = sscanf("3.25 -1e3 0x1p4 inf", "%lf %f %Lf %lf", &d, &f, &ld, &d);
	printf("%d: %g %g %Lg\n", r, d, f, ld);
	r = sscanf("1.5e-3 .5 5.", "%lf %e %Le", &d, &f, &ld);
	printf("%d: %g %g %Lg\n", r, d, f, ld);
	r = sscanf("  hello world", "%s", s);
	printf("%d: [%s]\n", r, s);
	r = sscanf("abcdefgh", "%3s%2c", s, c);
	c[2] = 0;
	printf("%d: [%s] [%s]\n", r, s, c);
	r = sscanf("12345678", "%2d%3d%d", &i, &j, &k);
	printf("%d: %d %d %d\n", r, i, j, k);
	r = sscanf("10 20 30", "%*d %d %*d", &i);
	printf("%d: %d\n", r, i);
	r = sscanf("x", "%c", c);
	printf("%d: %c\n", r, c[0]);
	r = sscanf(" y", "%c", c);
	printf("%d: [%c]\n", r, c[0]);
	r = sscanf(" y", " %c", c);
	printf("%d: [%c]\n", r, c[0]);
	r = sscanf("100%", "%d%%", &i);
	printf("%d: %d\n", r, i);
	r = sscanf("0", "%p", &p);
	printf("%d: %d\n", r, p == 0);
	/* Failures and return counts. */
	i = j = -1;
	printf("empty: %d\n", sscanf("", "%d", &i));
	printf("blank: %d\n", sscanf("   ", "%d", &i));
	r = sscanf("abc", "%d", &i);
	printf("letters: %d %d\n", r, i);
	r = sscanf("5 x", "%d %d", &i, &j);
	printf("partial: %d %d %d\n", r, i, j);
	j = -1;
	r = sscanf("5-6", "%d+%d", &i, &j);
	printf("literal mismatch: %d %d %d\n", r, i, j);
	r = sscanf("5+6", "%d+%d", &i, &j);
	printf("literal match: %d %d %d\n", r, i, j);
	r = sscanf("-", "%d", &i);
	printf("sign only: %d\n", r);
	r = sscanf("123", "%10d", &i);
	printf("overlong width: %d %d\n", r, i);
	r = sscanf("name=capos;ver=7", "name=%31[^;];ver=%d", s, &i);
	printf("key=value: %d %s %d\n", r, s, i);
	const char *empty_fmt = "";
	r = sscanf("abc", empty_fmt);
	printf("empty format: %d\n", r);
	return 0;
}
