/* Job control on the terminal. Ctrl-Z stops its foreground process
 * group: a child in a group of its own is made the terminal's foreground
 * (tcsetpgrp) and reads the terminal; its input (terminal_suspend.stdin.sh
 * writes it) holds more than the terminal keeps ready, then Ctrl-Z, then
 * a last line, so the Ctrl-Z arrives while the child reads. The parent
 * sees the child stopped by SIGTSTP (WUNTRACED), takes the terminal back,
 * then as a shell's `fg` gives it to the child again and continues it
 * (WCONTINUED, unless the child ended first); the child reads on to the
 * last line and exits 7. A read from a background group stops it with SIGTTIN, or fails
 * with EIO when SIGTTIN is ignored. capOS only (the host's stdin here is
 * no terminal); it checks itself and exits 0. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int failures;

static void check(int ok, const char *what)
{
	printf("%s %s\n", ok ? "ok  " : "FAIL", what);
	failures += !ok;
}

int main(void)
{
	setvbuf(stdout, 0, _IOLBF, 0);
	int gate[2];
	pipe(gate);
	pid_t c = fork();
	if (c == 0) {
		setpgid(0, 0);
		close(gate[1]);
		char g;
		read(gate[0], &g, 1);
		char buf[4096];
		ssize_t n;
		size_t total = 0;
		while ((n = read(0, buf, sizeof buf)) > 0) {
			total += n;
			if (n >= 5 && memcmp(buf, "after", 5) == 0)
				_exit(7);
		}
		printf("child: no last line after %zu bytes (read %zd, errno %d)\n", total, n, errno);
		_exit(1);
	}
	setpgid(c, c);
	close(gate[0]);
	check(tcsetpgrp(0, c) == 0, "tcsetpgrp to the child's group");
	check(tcgetpgrp(0) == c, "tcgetpgrp says the child's group");
	write(gate[1], "g", 1);
	int status = 0;
	pid_t r = waitpid(c, &status, WUNTRACED);
	check(r == c && WIFSTOPPED(status) && WSTOPSIG(status) == SIGTSTP, "Ctrl-Z stopped the foreground group (SIGTSTP)");
	check(tcsetpgrp(0, getpgrp()) == 0, "the terminal taken back");
	check(tcgetpgrp(0) == getpgrp(), "tcgetpgrp says the parent's group");
	/* As a shell's `fg`: the terminal to the job, then SIGCONT. */
	check(tcsetpgrp(0, c) == 0, "the terminal given back to the child");
	check(kill(c, SIGCONT) == 0, "SIGCONT");
	/* The child may read its last line and end before this wait: then
	 * the end is what is reported (as on Linux). */
	r = waitpid(c, &status, WCONTINUED);
	check(r == c && (WIFCONTINUED(status) || WIFEXITED(status)), "WCONTINUED sees the continue (or the end)");
	if (r == c && WIFCONTINUED(status))
		r = waitpid(c, &status, 0);
	check(r == c && WIFEXITED(status) && WEXITSTATUS(status) == 7, "the child read on to the last line");
	if (r == c && !WIFEXITED(status))
		printf("status %#x\n", status);
	check(tcsetpgrp(0, getpgrp()) == 0, "the terminal back to the parent");

	/* A read from a background group: SIGTTIN stops it. */
	c = fork();
	if (c == 0) {
		setpgid(0, 0);
		char b;
		read(0, &b, 1);
		_exit(8);
	}
	setpgid(c, c);
	r = waitpid(c, &status, WUNTRACED);
	check(r == c && WIFSTOPPED(status) && WSTOPSIG(status) == SIGTTIN, "a background read is stopped by SIGTTIN");
	kill(c, SIGKILL);
	r = waitpid(c, &status, 0);
	check(r == c && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "SIGKILL ends the stopped reader");
	/* With SIGTTIN ignored the read fails with EIO. */
	c = fork();
	if (c == 0) {
		setpgid(0, 0);
		signal(SIGTTIN, SIG_IGN);
		char b;
		ssize_t n = read(0, &b, 1);
		_exit(n < 0 && errno == EIO ? 9 : 10);
	}
	setpgid(c, c);
	r = waitpid(c, &status, WUNTRACED);
	check(r == c && WIFEXITED(status) && WEXITSTATUS(status) == 9, "with SIGTTIN ignored a background read is EIO");
	return failures != 0;
}
