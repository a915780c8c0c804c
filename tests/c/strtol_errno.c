/* Number parsing and errno on bad input: strtol/strtoul/strtoll/strtoull with bases 0-36, ERANGE clamping, EINVAL for a bad base, end pointers for empty and partial input, atoi/atol, strtoimax, strtof/strtold ranges. */
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>

static void l(const char *s, int base)
{
	char *end = (char *)s;
	errno = 0;
	long v = strtol(s, &end, base);
	int e = errno;
	errno = 0;
	unsigned long u = strtoul(s, NULL, base);
	int eu = errno;
	/* No conversion with a valid base: POSIX lets errno be EINVAL (musl)
	 * or unchanged (glibc), so it is not printed. */
	if (end == s && base != 1 && base <= 36)
		e = eu = 0;
	printf("%-24s base %2d: strtol %ld errno %s used %td | strtoul %lu errno %s\n", s, base, v,
	       e == ERANGE ? "ERANGE" : e == EINVAL ? "EINVAL" : e ? "other" : "0", end - s, u,
	       eu == ERANGE ? "ERANGE" : eu == EINVAL ? "EINVAL" : eu ? "other" : "0");
}

int main(void)
{
	l("123", 10);
	l("  -42xyz", 10);
	l("+0x1A", 16);
	l("0x1A", 0);
	l("017", 0);
	l("08", 0);
	l("0b101", 0);
	l("zz", 36);
	l("ZZ", 36);
	l("777", 8);
	l("9223372036854775807", 10);
	l("9223372036854775808", 10);
	l("-9223372036854775808", 10);
	l("-9223372036854775809", 10);
	l("18446744073709551615", 10);
	l("18446744073709551616", 10);
	l("-1", 10);
	l("", 10);
	l("   ", 10);
	l("-", 10);
	l("0x", 16);
	l("12", 1);
	l("12", 37);
	l("1111111111111111111111111111111111111111111111111111111111111111", 2);
	char *end;
	errno = 0;
	long long ll = strtoll("-99999999999999999999", &end, 10);
	printf("strtoll underflow %lld ERANGE %d\n", ll, errno == ERANGE);
	errno = 0;
	unsigned long long ull = strtoull("99999999999999999999", &end, 10);
	printf("strtoull overflow %llu ERANGE %d\n", ull, errno == ERANGE);
	errno = 0;
	intmax_t im = strtoimax("-170141183460469231731687303715884105728", NULL, 10);
	printf("strtoimax %jd ERANGE %d\n", im, errno == ERANGE);
	printf("strtoumax %ju\n", strtoumax("0xffffffff", NULL, 16));
	printf("atoi %d %d %d atol %ld atoll %lld\n", atoi("  12abc"), atoi("-0"), atoi("x"), atol("2147483648"),
	       atoll("-123456789012"));
	errno = 0;
	double d = strtod("1e400", &end);
	printf("strtod 1e400 inf %d ERANGE %d\n", !!isinf(d), errno == ERANGE);
	errno = 0;
	d = strtod("1e-400", &end);
	printf("strtod 1e-400 %g ERANGE %d\n", d, errno == ERANGE);
	errno = 0;
	float f = strtof("1e39", &end);
	printf("strtof 1e39 inf %d ERANGE %d\n", !!isinf(f), errno == ERANGE);
	errno = 0;
	long double ld = strtold("1e4000", &end);
	printf("strtold 1e4000 finite %d ERANGE %d\n", !isinf(ld), errno == ERANGE);
	const char *nanstr = "nan(123)";
	d = strtod(nanstr, &end);
	printf("strtod nan(...) isnan %d used %td\n", !!isnan(d), end - nanstr);
	const char *hex = "0x1.8p3rest";
	d = strtod(hex, &end);
	printf("strtod hex %g rest %s\n", d, end);
	const char *inf = "-INFinity!";
	d = strtod(inf, &end);
	printf("strtod %g rest %s\n", d, end);
	const char *none = "abc";
	d = strtod(none, &end);
	printf("strtod none %g used %td\n", d, end - none);
	imaxdiv_t q = imaxdiv(-17, 5);
	ldiv_t lq = ldiv(17, -5);
	printf("imaxdiv %jd %jd ldiv %ld %ld llabs %lld imaxabs %jd\n", q.quot, q.rem, lq.quot, lq.rem, llabs(-5LL),
	       imaxabs(-7));
	printf("PRId64 %" PRId64 " PRIx32 %" PRIx32 " PRIuMAX %" PRIuMAX "\n", INT64_MIN, UINT32_MAX, UINTMAX_MAX);
	return 0;
}
