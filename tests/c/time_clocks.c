/* Time: the monotonic clock never goes back, nanosleep lasts at least as
 * asked, the real time is after 2020, conversions of fixed times. Only
 * the verdicts are printed. */
#include <stdio.h>
#include <time.h>
#include <sys/time.h>

static long long ns(struct timespec t) { return t.tv_sec * 1000000000LL + t.tv_nsec; }

int main(void)
{
	struct timespec a, b;
	int backwards = 0;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int i = 0; i < 20000; i++) {
		clock_gettime(CLOCK_MONOTONIC, &b);
		if (ns(b) < ns(a))
			backwards++;
		a = b;
	}
	printf("monotonic went back %d times\n", backwards);
	const long asks[] = { 1000000, 20000000, 50000000 };
	for (int i = 0; i < 3; i++) {
		struct timespec req = { 0, asks[i] }, t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		int r = nanosleep(&req, NULL);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		printf("nanosleep %ld ms: returned %d, long enough %d\n", asks[i] / 1000000, r, ns(t1) - ns(t0) >= asks[i]);
	}
	struct timespec rt;
	clock_gettime(CLOCK_REALTIME, &rt);
	printf("realtime after 2020: %d\n", rt.tv_sec > 1577836800);
	struct timeval tv;
	gettimeofday(&tv, NULL);
	printf("gettimeofday agrees: %d\n", tv.tv_sec - rt.tv_sec < 5 && tv.tv_sec >= rt.tv_sec);
	printf("time agrees: %d\n", time(NULL) - rt.tv_sec < 5);
	struct timespec res;
	printf("getres: %d\n", clock_getres(CLOCK_MONOTONIC, &res) == 0 && res.tv_sec == 0 && res.tv_nsec > 0);
	time_t fixed = 1234567890;
	struct tm tm;
	gmtime_r(&fixed, &tm);
	char text[128];
	strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S %A %j %U", &tm);
	printf("gmtime %s\n", text);
	tm.tm_year = 100;
	tm.tm_mon = 1;
	tm.tm_mday = 29;
	tm.tm_hour = 12;
	printf("timegm %lld\n", (long long)timegm(&tm));
	printf("difftime %.1f\n", difftime(200, 50));
	struct timespec bad = { 0, 2000000000 };
	printf("nanosleep bad: %d\n", nanosleep(&bad, NULL));
	return 0;
}
