/* Calendar time of fixed instants in UTC: gmtime, timegm, mktime normalisation, strftime conversions, difftime, asctime. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int main(void)
{
	/* TZ unset would mean the system zone on the host: force UTC on both. */
	setenv("TZ", "UTC0", 1);
	tzset();
	const time_t instants[] = { 0, 1, 86399, 86400, 951782400, 951868800, 1000000000, 1234567890,
				    2147483647, 2147483648LL, -1, -86401, 4102444800LL, 253402300799LL };
	char buf[256];
	for (unsigned i = 0; i < sizeof instants / sizeof *instants; i++) {
		struct tm tm;
		gmtime_r(&instants[i], &tm);
		strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S %a %A %b %B %j %U %W %u %w %y %C %e %D %T %F %R %p %I %%", &tm);
		printf("%lld: %s yday %d wday %d\n", (long long)instants[i], buf, tm.tm_yday, tm.tm_wday);
		printf("  back: %lld %lld\n", (long long)timegm(&tm), (long long)mktime(&tm));
	}
	/* ISO 8601 week numbers around the year boundary. */
	for (int d = 26; d <= 31 + 5; d++) {
		struct tm tm = { .tm_year = 120, .tm_mon = 11, .tm_mday = d, .tm_hour = 12 };
		timegm(&tm);
		strftime(buf, sizeof buf, "%F %G-W%V-%u %g", &tm);
		printf("%s\n", buf);
	}
	/* mktime normalises out-of-range fields. */
	struct tm n = { .tm_year = 123, .tm_mon = 13, .tm_mday = 32, .tm_hour = 25, .tm_min = 61, .tm_sec = 61 };
	time_t t = mktime(&n);
	strftime(buf, sizeof buf, "%F %T", &n);
	printf("normalised: %lld %s wday %d yday %d\n", (long long)t, buf, n.tm_wday, n.tm_yday);
	struct tm neg = { .tm_year = 100, .tm_mon = 0, .tm_mday = 0 };
	t = mktime(&neg);
	strftime(buf, sizeof buf, "%F", &neg);
	printf("day 0: %lld %s\n", (long long)t, buf);
	struct tm leap = { .tm_year = 124, .tm_mon = 1, .tm_mday = 29 };
	mktime(&leap);
	leap.tm_year++;
	mktime(&leap);
	strftime(buf, sizeof buf, "%F", &leap);
	printf("Feb 29 plus a year: %s\n", buf);
	printf("difftime %.1f %.1f\n", difftime(1000000000, 0), difftime(0, 86400));
	time_t fixed = 1234567890;
	printf("asctime %s", asctime(gmtime(&fixed)));
	printf("ctime %s", ctime(&fixed));
	struct tm lt;
	localtime_r(&fixed, &lt);
	printf("localtime in UTC: %02d:%02d gmtoff %ld\n", lt.tm_hour, lt.tm_min, lt.tm_gmtoff);
	printf("strftime too small: %zu\n", strftime(buf, 5, "%Y-%m-%d", &lt));
	printf("strftime empty: %zu\n", strftime(buf, sizeof buf, "", &lt));
	return 0;
}
