/* kill -STOP of a CPU-bound child: it stops (WIFSTOPPED) and stays off the
 * CPU (it writes a byte to a pipe on every turn of its loop: nothing comes
 * while it is stopped, bytes come again after SIGCONT); a signal it
 * catches waits, pending, until SIGCONT; SIGKILL ends a stopped child at
 * once, SIGTERM (default action) once it is continued. */
#include "proc.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>

static int out_fd;

static void on_usr1(int sig)
{
	(void)sig;
	write(out_fd, "U", 1);
}

static void report(const char *what, int status)
{
	if (WIFSTOPPED(status))
		printf("%s: stopped by signal %d\n", what, WSTOPSIG(status));
	else if (WIFSIGNALED(status))
		printf("%s: killed by signal %d\n", what, WTERMSIG(status));
	else if (WIFEXITED(status))
		printf("%s: exited %d\n", what, WEXITSTATUS(status));
	else
		printf("%s: status %#x\n", what, status);
}

/* A child spinning and writing 'x' to `fds[1]` (non-blocking: a full pipe
 * only skips), with a SIGUSR1 handler that writes 'U'. */
static pid_t spinner(int fds[2])
{
	pipe(fds);
	fcntl(fds[0], F_SETFL, O_NONBLOCK);
	pid_t pid = fork();
	if (pid == 0) {
		close(fds[0]);
		fcntl(fds[1], F_SETFL, O_NONBLOCK);
		out_fd = fds[1];
		signal(SIGUSR1, on_usr1);
		for (;;) {
			write(fds[1], "x", 1);
			for (volatile int i = 0; i < 1000; i++)
				;
		}
	}
	close(fds[1]);
	/* Running: its first byte arrives. */
	struct pollfd p = { .fd = fds[0], .events = POLLIN };
	poll(&p, 1, 5000);
	return pid;
}

/* Empties the pipe; returns how many bytes it held and whether a 'U' was
 * among them. */
static int drain(int fd, int *saw_u)
{
	char buf[4096];
	int total = 0;
	ssize_t n;
	while ((n = read(fd, buf, sizeof buf)) > 0) {
		for (ssize_t i = 0; i < n; i++)
			if (buf[i] == 'U')
				*saw_u = 1;
		total += n;
	}
	return total;
}

int main(void)
{
	setvbuf(stdout, 0, _IOLBF, 0);
	int fds[2], status, saw_u = 0;

	pid_t pid = spinner(fds);
	printf("SIGSTOP: %d\n", kill(pid, SIGSTOP));
	waitpid(pid, &status, WUNTRACED);
	report("spinner", status);
	drain(fds[0], &saw_u);
	usleep(100 * 1000);
	printf("bytes while stopped: %d\n", drain(fds[0], &saw_u));
	/* Caught while stopped: pending until the continue. */
	kill(pid, SIGUSR1);
	usleep(50 * 1000);
	saw_u = 0;
	drain(fds[0], &saw_u);
	printf("handler ran while stopped: %d\n", saw_u);
	kill(pid, SIGCONT);
	waitpid(pid, &status, WCONTINUED);
	report("spinner", status);
	struct pollfd p = { .fd = fds[0], .events = POLLIN };
	int more = 0;
	for (int i = 0; i < 500 && !(saw_u && more); i++) {
		poll(&p, 1, 10);
		more += drain(fds[0], &saw_u);
	}
	printf("after SIGCONT: bytes %d, handler ran %d\n", more > 0, saw_u);
	kill(pid, SIGSTOP);
	waitpid(pid, &status, WUNTRACED);
	report("spinner", status);
	printf("SIGKILL: %d\n", kill(pid, SIGKILL));
	waitpid(pid, &status, 0);
	report("spinner", status);
	close(fds[0]);

	pid = spinner(fds);
	kill(pid, SIGSTOP);
	waitpid(pid, &status, WUNTRACED);
	report("second", status);
	/* SIGTERM waits, pending, for the continue; then it ends it. */
	printf("SIGTERM: %d\n", kill(pid, SIGTERM));
	usleep(50 * 1000);
	printf("still there: %d\n", waitpid(pid, &status, WNOHANG));
	printf("SIGCONT: %d\n", kill(pid, SIGCONT));
	waitpid(pid, &status, 0);
	report("second", status);
	close(fds[0]);

	int r = waitpid(pid, &status, WUNTRACED);
	printf("waitpid gone: %d %s\n", r, errname(errno));
	return 0;
}
