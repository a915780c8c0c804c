/* A program that ends leaving a stopped child behind: the child (handed
 * to the program's parent, still stopped) must not keep the system from
 * ending, nor keep frames or cap slots (run.sh checks the kernel's report
 * once every process ended: the stopped child is killed when init ends).
 * capOS only; it exits 0 once it saw the child stop. */
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	setvbuf(stdout, 0, _IOLBF, 0);
	pid_t c = fork();
	if (c == 0) {
		raise(SIGSTOP);
		_exit(0);
	}
	int status = 0;
	pid_t r = waitpid(c, &status, WUNTRACED);
	int ok = r == c && WIFSTOPPED(status) && WSTOPSIG(status) == SIGSTOP;
	printf("%s the child stopped; leaving it behind\n", ok ? "ok  " : "FAIL");
	return !ok;
}
