/* dash's job control (`set -m`) on capOS: /bin/sh -i -m reads a script
 * from a pipe and uses the terminal (/dev/tty) for job control. A job
 * that stops itself with SIGTSTP is reported stopped and brought back by
 * `fg` (it goes on and exits 0); a job stopped by SIGSTOP is continued in
 * the background by `bg` and waited for. capOS only (the host running the
 * suite may have no terminal for dash); it checks dash's output itself
 * and exits 0. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char script[] = "sh -c 'kill -TSTP $$; echo resumed'\n"
			     "jobs\n"
			     "fg\n"
			     "echo first done $?\n"
			     "sh -c 'kill -STOP $$; echo second'\n"
			     "bg\n"
			     "wait\n"
			     "echo end\n"
			     "exit\n";

static int failures;

static void expect(const char *out, const char *text, const char *what)
{
	int ok = strstr(out, text) != 0;
	printf("%s %s\n", ok ? "ok  " : "FAIL", what);
	failures += !ok;
}

int main(void)
{
	setvbuf(stdout, 0, _IOLBF, 0);
	int in[2], out[2];
	pipe(in);
	pipe(out);
	pid_t sh = fork();
	if (sh == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		dup2(out[1], 2);
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		execl("/bin/sh", "sh", "-i", "-m", (char *)0);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	write(in[1], script, sizeof script - 1);
	close(in[1]);
	static char text[16384];
	size_t len = 0;
	ssize_t n;
	while (len < sizeof text - 1 && (n = read(out[0], text + len, sizeof text - 1 - len)) > 0)
		len += n;
	text[len] = 0;
	int status;
	waitpid(sh, &status, 0);
	/* dash shows each command with its own quoting. */
	expect(text, "[1] + Stopped                    sh -c", "the first job stopped (SIGTSTP)");
	expect(text, "resumed\n", "fg continued it");
	expect(text, "first done 0\n", "it exited 0");
	expect(text, "[1] + Stopped (signal)           sh -c", "the second job stopped (SIGSTOP)");
	expect(text, "second\n", "bg continued it");
	expect(text, "[1] + Done", "wait saw it done");
	expect(text, "end\n", "the script ran to its end");
	int ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
	printf("%s dash exited 0\n", ok ? "ok  " : "FAIL");
	failures += !ok;
	if (failures)
		printf("dash's output:\n%s\n", text);
	return failures != 0;
}
