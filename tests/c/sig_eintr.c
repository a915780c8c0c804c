/* Handlers and EINTR: a read from an empty pipe is interrupted by a
 * SIGALRM handler without SA_RESTART (EINTR) and goes on with SA_RESTART
 * until data comes; nanosleep is interrupted and reports the time left;
 * pause returns after a handler; sigsuspend with the signal unblocked. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
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

static void arm_ms(int ms)
{
	struct itimerval it = {{0, 0}, {0, ms * 1000}};
	setitimer(ITIMER_REAL, &it, 0);
}

static void handler(int flags)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	sa.sa_flags = flags;
	sigaction(SIGALRM, &sa, 0);
}

int main(void)
{
	setvbuf(stdout, 0, _IOLBF, 0);
	int p[2];
	pipe(p);
	char buf[8];

	handler(0);
	arm_ms(50);
	errno = 0;
	ssize_t n = read(p[0], buf, sizeof buf);
	printf("read without SA_RESTART: %zd %s, alarms %d\n", n, strerror(errno), (int)alarms);

	handler(SA_RESTART);
	pid_t pid = fork();
	if (pid == 0) {
		usleep(300 * 1000);
		write(p[1], "late", 4);
		_exit(0);
	}
	arm_ms(50);
	n = read(p[0], buf, sizeof buf);
	printf("read with SA_RESTART: %zd [%.*s], alarms %d\n", n, (int)(n > 0 ? n : 0), buf, (int)alarms);
	waitpid(pid, 0, 0);

	arm_ms(50);
	struct timespec req = {5, 0}, rem = {0, 0};
	errno = 0;
	int r = nanosleep(&req, &rem);
	printf("nanosleep: %d %s, time left %s\n", r, strerror(errno),
	       rem.tv_sec >= 3 && rem.tv_sec < 5 ? "about 5 s" : "wrong");

	arm_ms(50);
	errno = 0;
	r = pause();
	printf("pause: %d %s, alarms %d\n", r, strerror(errno), (int)alarms);

	sigset_t block, old, wait_mask;
	sigemptyset(&block);
	sigaddset(&block, SIGALRM);
	sigprocmask(SIG_BLOCK, &block, &old);
	arm_ms(50);
	usleep(150 * 1000);
	sigset_t pending;
	sigpending(&pending);
	printf("pending while blocked: %d, alarms %d\n", sigismember(&pending, SIGALRM), (int)alarms);
	sigemptyset(&wait_mask);
	errno = 0;
	r = sigsuspend(&wait_mask);
	printf("sigsuspend: %d %s, alarms %d\n", r, strerror(errno), (int)alarms);
	sigprocmask(SIG_SETMASK, 0, &old);
	printf("mask after: SIGALRM %s\n", sigismember(&old, SIGALRM) ? "blocked" : "unblocked");
	return 0;
}
