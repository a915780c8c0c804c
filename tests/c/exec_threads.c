/* execve from a process with several threads: the other threads end (one
 * waiting on a condition variable, one in a CPU loop, one asleep, one
 * reading a pipe), the exec goes on in the calling thread, whether it is
 * the main thread or another one, and the new image has one thread whose
 * id is the pid. The pid, the signal mask of the caller and fds without
 * FD_CLOEXEC stay. An exec that fails (no such file) ends no thread: they
 * all still run after it. Each case runs in a forked child; the parent
 * prints how it ended. */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "proc.h"

static const char *self;
static char *scratch;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t never = PTHREAD_COND_INITIALIZER;
static volatile int spins;
static int pipe_fds[2];
static volatile int running;

static void *waits(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock);
	running++;
	for (;;)
		pthread_cond_wait(&never, &lock);
	return 0;
}

static void *spins_forever(void *arg)
{
	(void)arg;
	__atomic_add_fetch(&running, 1, __ATOMIC_SEQ_CST);
	for (;;)
		spins++;
	return 0;
}

static void *sleeps(void *arg)
{
	(void)arg;
	__atomic_add_fetch(&running, 1, __ATOMIC_SEQ_CST);
	for (;;)
		sleep(100);
	return 0;
}

static void *reads(void *arg)
{
	(void)arg;
	char c;
	__atomic_add_fetch(&running, 1, __ATOMIC_SEQ_CST);
	for (;;)
		if (read(pipe_fds[0], &c, 1) <= 0)
			sleep(100);
	return 0;
}

/* The new image: what it got. */
static int image(char **argv)
{
	sigset_t mask;
	sigprocmask(SIG_BLOCK, 0, &mask);
	printf("  new image: %s; pid kept %s; tid is the pid %s; SIGUSR1 blocked %s\n", argv[3],
	       atoi(argv[4]) == getpid() ? "yes" : "no", gettid() == getpid() ? "yes" : "no",
	       sigismember(&mask, SIGUSR1) ? "yes" : "no");
	int fd = atoi(argv[5]);
	char msg[32] = { 0 };
	ssize_t n = read(fd, msg, sizeof msg - 1);
	printf("  fd %s carried over: %zd bytes [%s]\n", fd > 2 ? "above 2" : "?", n, n > 0 ? msg : "");
	return 7;
}

static void start_threads(void)
{
	void *(*bodies[])(void *) = { waits, spins_forever, sleeps, reads };
	pthread_t t;
	running = 0;
	for (int i = 0; i < 4; i++)
		pthread_create(&t, 0, bodies[i], 0);
	while (__atomic_load_n(&running, __ATOMIC_SEQ_CST) < 4)
		sched_yield();
	/* Let the CPU loop run and the others wait. */
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	nanosleep(&ts, 0);
}

static void exec_image(const char *label)
{
	char pid[16], fd[16];
	int carried[2];
	pipe(carried);
	write(carried[1], "through exec", 12);
	close(carried[1]);
	snprintf(pid, sizeof pid, "%d", getpid());
	snprintf(fd, sizeof fd, "%d", carried[0]);
	char *args[] = { (char *)self, scratch, "image", (char *)label, pid, fd, NULL };
	execv(self, args);
	printf("  exec failed: %s\n", errname(errno));
	_exit(1);
}

static void *exec_from_thread(void *arg)
{
	exec_image(arg);
	return 0;
}

static void report(pid_t p, const char *what)
{
	int status;
	waitpid(p, &status, 0);
	if (WIFEXITED(status))
		printf("%s: exited %d\n", what, WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		printf("%s: killed by signal %d\n", what, WTERMSIG(status));
}

int main(int argc, char **argv)
{
	setvbuf(stdout, 0, _IOLBF, 0);
	if (argc > 5 && !strcmp(argv[2], "image"))
		return image(argv);
	self = find_self(argv[0]);
	scratch = argv[1];
	pipe(pipe_fds);

	printf("exec from the main thread, four threads running:\n");
	pid_t p = fork();
	if (p == 0) {
		start_threads();
		sigset_t usr1;
		sigemptyset(&usr1);
		sigaddset(&usr1, SIGUSR1);
		sigprocmask(SIG_BLOCK, &usr1, 0);
		exec_image("from main");
	}
	report(p, "main thread's exec");

	printf("exec from another thread while main waits in pthread_join:\n");
	p = fork();
	if (p == 0) {
		start_threads();
		pthread_t t;
		pthread_create(&t, 0, exec_from_thread, "from a thread");
		pthread_join(t, 0);
		printf("  join returned (wrong)\n");
		_exit(1);
	}
	report(p, "second thread's exec");

	printf("a failed exec ends no thread:\n");
	p = fork();
	if (p == 0) {
		start_threads();
		char *args[] = { "missing", NULL };
		int r = execv("/no/such/program", args);
		printf("  execv: %d %s\n", r, errname(errno));
		int before = spins;
		struct timespec ts = { 0, 50 * 1000 * 1000 };
		nanosleep(&ts, 0);
		printf("  the CPU loop still runs: %s\n", spins != before ? "yes" : "no");
		_exit(3);
	}
	report(p, "failed exec");
	return 0;
}
