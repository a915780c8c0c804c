/* alarm and ITIMER_REAL: alarm returns the seconds left of the one it
 * replaces; alarm(0) cancels; getitimer shows the time left and the
 * interval (checked coarsely: within a range); setitimer returns the old
 * value; a periodic timer fires again and again; a new alarm replaces a
 * longer one (it fires at the new time); a forked child starts with no
 * timer while the parent's goes on; the timer survives exec and, with
 * the handler gone, its SIGALRM ends the new image. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

static long us(struct timeval tv)
{
	return tv.tv_sec * 1000000L + tv.tv_usec;
}

static long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000L + t.tv_nsec / 1000000;
}

static const char *within(long v, long lo, long hi)
{
	return v >= lo && v <= hi ? "yes" : "no";
}

int main(int argc, char **argv)
{
	setvbuf(stdout, 0, _IOLBF, 0);
	struct itimerval it, old;
	if (argc > 2 && !strcmp(argv[2], "after-exec")) {
		getitimer(ITIMER_REAL, &it);
		printf("after exec: time left in (0, 3 s]: %s, interval 0: %s\n", within(us(it.it_value), 1, 3000000),
		       us(it.it_interval) == 0 ? "yes" : "no");
		struct sigaction sa;
		sigaction(SIGALRM, 0, &sa);
		printf("after exec: SIGALRM handler back to default: %s\n", sa.sa_handler == SIG_DFL ? "yes" : "no");
		for (;;)
			pause();
	}
	signal(SIGALRM, on_alarm);
	printf("first alarm(5) returns %u\n", alarm(5));
	unsigned left = alarm(20);
	printf("alarm(20) returns 4 or 5: %s\n", within(left, 4, 5));
	getitimer(ITIMER_REAL, &it);
	printf("getitimer: left within 19-20 s: %s, interval %ld\n", within(us(it.it_value), 19000000, 20000000),
	       us(it.it_interval));
	left = alarm(0);
	printf("alarm(0) returns 19 or 20: %s\n", within(left, 19, 20));
	getitimer(ITIMER_REAL, &it);
	printf("after alarm(0): left %ld, interval %ld\n", us(it.it_value), us(it.it_interval));

	/* setitimer returns the old value. */
	struct itimerval set = { { 0, 0 }, { 30, 0 } };
	setitimer(ITIMER_REAL, &set, 0);
	struct itimerval periodic = { { 0, 50000 }, { 0, 50000 } };
	setitimer(ITIMER_REAL, &periodic, &old);
	printf("old value within 29-30 s: %s, old interval %ld\n", within(us(old.it_value), 29000000, 30000000),
	       us(old.it_interval));
	getitimer(ITIMER_REAL, &it);
	printf("periodic: interval 50 ms: %s, left at most 50 ms: %s\n", within(us(it.it_interval), 49000, 51000),
	       within(us(it.it_value), 0, 50000));
	long t0 = now_ms();
	while (alarms < 4)
		pause();
	long dt = now_ms() - t0;
	struct itimerval off = { { 0, 0 }, { 0, 0 } };
	setitimer(ITIMER_REAL, &off, &old);
	printf("4 periodic alarms in 150 ms..10 s: %s; old interval still 50 ms: %s\n", within(dt, 150, 10000),
	       within(us(old.it_interval), 49000, 51000));

	/* A short timer replaces a long alarm. */
	alarms = 0;
	alarm(30);
	struct itimerval shortone = { { 0, 0 }, { 0, 200000 } };
	t0 = now_ms();
	setitimer(ITIMER_REAL, &shortone, &old);
	while (!alarms)
		pause();
	dt = now_ms() - t0;
	printf("replaced 30 s alarm (old within 29-30 s: %s) fired after 150 ms..10 s: %s\n",
	       within(us(old.it_value), 29000000, 30000000), within(dt, 150, 10000));
	printf("alarm(0) after it fired returns %u\n", alarm(0));

	/* fork: the child has no timer, the parent keeps its own. */
	alarm(30);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		getitimer(ITIMER_REAL, &it);
		printf("child: timer left %ld, alarm(0) returns %u\n", us(it.it_value), alarm(0));
		fflush(stdout);
		_exit(0);
	}
	waitpid(pid, 0, 0);
	printf("parent after fork: alarm(0) returns 29 or 30: %s\n", within(alarm(0), 29, 30));

	/* exec keeps the timer. */
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		struct itimerval t = { { 0, 0 }, { 3, 0 } };
		setitimer(ITIMER_REAL, &t, 0);
		char *args[] = { argv[0], argv[1], "after-exec", NULL };
		execvp(argv[0], args);
		_exit(127);
	}
	int status;
	waitpid(pid, &status, 0);
	printf("exec'd child ended by signal %d\n", WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	return 0;
}
