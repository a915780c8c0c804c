/* A stopped process whose process group becomes orphaned gets SIGHUP and
 * then SIGCONT (POSIX), and SIGTSTP with the default action is discarded
 * in an orphaned group. The processes: main forks M, which starts a
 * session of its own and forks X, which leads group G and forks C (also in
 * G). C stops itself; M is G's only link to a parent in the same session
 * but another group, so when M exits G is orphaned (X's new parent is in
 * another session on both systems: init on Linux, main on capOS). C's
 * handlers record what came; X reports to main through a pipe. */
#include "proc.h"

#include <signal.h>
#include <sys/wait.h>

static volatile sig_atomic_t hup, cont;

static void on_hup(int sig)
{
	(void)sig;
	hup = 1;
}

static void on_cont(int sig)
{
	(void)sig;
	cont = 1;
}

static void line(int fd, const char *text)
{
	write(fd, text, strlen(text));
}

/* X: the leader of group G. */
static void x_body(int report, int tell_m, pid_t m)
{
	setpgid(0, 0);
	signal(SIGHUP, SIG_IGN);
	pid_t c = fork();
	if (c == 0) {
		close(tell_m);
		close(report);
		struct sigaction sa = { 0 };
		sigfillset(&sa.sa_mask);
		sa.sa_handler = on_hup;
		sigaction(SIGHUP, &sa, 0);
		sa.sa_handler = on_cont;
		sigaction(SIGCONT, &sa, 0);
		raise(SIGSTOP);
		_exit(hup * 2 + cont);
	}
	int status;
	waitpid(c, &status, WUNTRACED);
	line(report, WIFSTOPPED(status) ? "C stopped\n" : "C did not stop\n");
	/* M may exit now. */
	close(tell_m);
	while (getppid() == m)
		usleep(1000);
	/* G is orphaned: SIGTSTP (default action) is discarded. */
	raise(SIGTSTP);
	line(report, "X went on after SIGTSTP\n");
	waitpid(c, &status, 0);
	char text[64];
	if (WIFEXITED(status))
		snprintf(text, sizeof text, "C exited: SIGHUP %d, SIGCONT %d\n", WEXITSTATUS(status) >> 1,
			 WEXITSTATUS(status) & 1);
	else
		snprintf(text, sizeof text, "C status %#x\n", status);
	line(report, text);
	_exit(0);
}

int main(void)
{
	setvbuf(stdout, 0, _IOLBF, 0);
	int report[2];
	pipe(report);
	pid_t m = fork();
	if (m == 0) {
		close(report[0]);
		setsid();
		int gate[2];
		pipe(gate);
		pid_t self = getpid();
		if (fork() == 0) {
			close(gate[0]);
			x_body(report[1], gate[1], self);
		}
		close(gate[1]);
		close(report[1]);
		char c;
		/* End of file once X saw C stop. */
		read(gate[0], &c, 1);
		_exit(0);
	}
	close(report[1]);
	int status;
	waitpid(m, &status, 0);
	printf("M exited %d\n", WEXITSTATUS(status));
	char buf[256];
	ssize_t n;
	while ((n = read(report[0], buf, sizeof buf)) > 0)
		fwrite(buf, 1, n, stdout);
	return 0;
}
