/* TOSTOP and SIGTTOU on the terminal (/dev/tty). With TOSTOP set
 * (tcsetattr, read back by tcgetattr), a write from a background process
 * group stops it with SIGTTOU; once the parent, as a shell's `fg`, gives
 * it the terminal and continues it, the write goes through. A background
 * writer that ignores or blocks SIGTTOU writes on; one that catches it
 * (no SA_RESTART) gets EINTR after its handler ran. Without TOSTOP a
 * background write goes through, but a background tcsetattr is stopped
 * by SIGTTOU all the same. capOS only (the host's stdin here is no
 * terminal); it checks itself and exits 0. The parent blocks SIGTTOU
 * itself (its own writes while a child has the terminal go through);
 * each child unblocks it. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

static int failures;
static int tty;
static volatile int caught;

static void check(int ok, const char *what)
{
	printf("%s %s\n", ok ? "ok  " : "FAIL", what);
	failures += !ok;
}

static void on_ttou(int sig)
{
	(void)sig;
	caught++;
}

static void set_tostop(int on)
{
	struct termios t;
	tcgetattr(tty, &t);
	if (on)
		t.c_lflag |= TOSTOP;
	else
		t.c_lflag &= ~TOSTOP;
	tcsetattr(tty, TCSANOW, &t);
}

/* A child in a background group of its own, SIGTTOU unblocked; `how`: 0
 * default, 1 ignored, 2 blocked, 3 caught, 4 tcsetattr instead of write. */
static pid_t background_child(int how)
{
	pid_t c = fork();
	if (c == 0) {
		setpgid(0, 0);
		sigset_t ttou;
		sigemptyset(&ttou);
		sigaddset(&ttou, SIGTTOU);
		sigprocmask(how == 2 ? SIG_BLOCK : SIG_UNBLOCK, &ttou, 0);
		if (how == 1)
			signal(SIGTTOU, SIG_IGN);
		if (how == 3) {
			struct sigaction sa;
			memset(&sa, 0, sizeof sa);
			sa.sa_handler = on_ttou;
			sigaction(SIGTTOU, &sa, 0);
		}
		if (how == 4) {
			struct termios t;
			tcgetattr(tty, &t);
			_exit(tcsetattr(tty, TCSANOW, &t) == 0 ? 20 : 21);
		}
		ssize_t n = write(tty, "background write\n", 17);
		if (how == 3)
			_exit(n < 0 && errno == EINTR && caught == 1 ? 13 : 14);
		_exit(n == 17 ? 10 + how : 19);
	}
	setpgid(c, c);
	return c;
}

int main(void)
{
	setvbuf(stdout, 0, _IOLBF, 0);
	tty = open("/dev/tty", O_RDWR);
	check(tty >= 0, "/dev/tty opens");
	sigset_t ttou;
	sigemptyset(&ttou);
	sigaddset(&ttou, SIGTTOU);
	sigprocmask(SIG_BLOCK, &ttou, 0);

	set_tostop(1);
	struct termios t;
	tcgetattr(tty, &t);
	check((t.c_lflag & TOSTOP) != 0, "tcgetattr reads TOSTOP back");

	int status = 0;
	pid_t c = background_child(0);
	pid_t r = waitpid(c, &status, WUNTRACED);
	check(r == c && WIFSTOPPED(status) && WSTOPSIG(status) == SIGTTOU, "a background write is stopped by SIGTTOU");
	/* As a shell's `fg`. */
	check(tcsetpgrp(tty, c) == 0, "the terminal to the stopped writer");
	kill(c, SIGCONT);
	r = waitpid(c, &status, 0);
	check(tcsetpgrp(tty, getpgrp()) == 0, "the terminal taken back");
	check(r == c && WIFEXITED(status) && WEXITSTATUS(status) == 10, "continued in the foreground, its write went through");

	c = background_child(1);
	r = waitpid(c, &status, WUNTRACED);
	check(r == c && WIFEXITED(status) && WEXITSTATUS(status) == 11, "with SIGTTOU ignored a background write goes through");
	c = background_child(2);
	r = waitpid(c, &status, WUNTRACED);
	check(r == c && WIFEXITED(status) && WEXITSTATUS(status) == 12, "with SIGTTOU blocked a background write goes through");
	c = background_child(3);
	r = waitpid(c, &status, WUNTRACED);
	check(r == c && WIFEXITED(status) && WEXITSTATUS(status) == 13, "with SIGTTOU caught a background write is EINTR");

	set_tostop(0);
	tcgetattr(tty, &t);
	check((t.c_lflag & TOSTOP) == 0, "TOSTOP cleared");
	c = background_child(0);
	r = waitpid(c, &status, WUNTRACED);
	check(r == c && WIFEXITED(status) && WEXITSTATUS(status) == 10, "without TOSTOP a background write goes through");
	c = background_child(4);
	r = waitpid(c, &status, WUNTRACED);
	check(r == c && WIFSTOPPED(status) && WSTOPSIG(status) == SIGTTOU, "a background tcsetattr is stopped by SIGTTOU");
	kill(c, SIGKILL);
	waitpid(c, &status, 0);
	return failures != 0;
}
