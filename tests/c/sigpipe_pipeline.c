/* SIGPIPE in a pipeline whose reader exits early (like `yes | head -3`):
 * the writer (this program exec'd as "yes") writes lines until the
 * reader ("head", also exec'd) has taken three and exited; its next
 * write kills it with SIGPIPE. With SIGPIPE ignored before exec (ignored
 * stays ignored) the writer gets EPIPE instead and exits 3; with a
 * handler set before exec the handler is gone and SIGPIPE kills again;
 * with a handler in the same image the handler runs and write returns
 * EPIPE. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t handled;

static void on_pipe(int sig)
{
	(void)sig;
	handled++;
}

static int yes(void)
{
	char lines[512];
	for (int i = 0; i < 512; i += 2)
		memcpy(lines + i, "y\n", 2);
	for (long i = 0;; i++) {
		if (write(1, lines, sizeof lines) < 0) {
			int e = errno;
			dprintf(2, "yes: write failed with %s after some lines, handled %d\n",
			        e == EPIPE ? "EPIPE" : "another error", (int)handled);
			return 3;
		}
	}
}

static int head(int n)
{
	char c;
	int lines = 0;
	while (lines < n && read(0, &c, 1) == 1)
		lines += c == '\n';
	printf("head: took %d lines\n", lines);
	return 0;
}

static void pipeline(char **argv, const char *what, void (*before)(int))
{
	int p[2];
	pipe(p);
	fflush(stdout);
	pid_t w = fork();
	if (w == 0) {
		if (before != SIG_DFL)
			signal(SIGPIPE, before);
		dup2(p[1], 1);
		close(p[0]);
		close(p[1]);
		char *args[] = { argv[0], argv[1], "yes", NULL };
		execvp(argv[0], args);
		_exit(127);
	}
	pid_t r = fork();
	if (r == 0) {
		dup2(p[0], 0);
		close(p[0]);
		close(p[1]);
		char *args[] = { argv[0], argv[1], "head", NULL };
		execvp(argv[0], args);
		_exit(127);
	}
	close(p[0]);
	close(p[1]);
	int sw, sr;
	waitpid(r, &sr, 0);
	waitpid(w, &sw, 0);
	printf("%s: reader exited %d; writer ", what, WEXITSTATUS(sr));
	if (WIFSIGNALED(sw))
		printf("killed by signal %d\n", WTERMSIG(sw));
	else
		printf("exited %d\n", WEXITSTATUS(sw));
}

int main(int argc, char **argv)
{
	if (argc > 2 && !strcmp(argv[2], "yes"))
		return yes();
	if (argc > 2 && !strcmp(argv[2], "head"))
		return head(3);
	setvbuf(stdout, 0, _IOLBF, 0);
	pipeline(argv, "default", SIG_DFL);
	pipeline(argv, "ignored before exec", SIG_IGN);
	pipeline(argv, "handler before exec", on_pipe);

	/* In one image: the handler runs, then write fails with EPIPE. */
	int p[2];
	pipe(p);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		signal(SIGPIPE, on_pipe);
		close(p[0]);
		dup2(p[1], 1);
		close(p[1]);
		/* The parent reads one byte and closes its end. */
		_exit(yes() + 10);
	}
	close(p[1]);
	char c;
	read(p[0], &c, 1);
	close(p[0]);
	int status;
	waitpid(pid, &status, 0);
	printf("handler in the writer: exited %d status %d\n", WIFEXITED(status), WEXITSTATUS(status));
	return 0;
}
