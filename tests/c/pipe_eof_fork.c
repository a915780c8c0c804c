/* End of file on a pipe comes only when the last write end is closed, in
 * every process: three children hold copies of the write end (fork
 * copies it); the parent closes its own; the reader sees no EOF (poll
 * times out) while any child still holds one, and EOF once the last one
 * has closed it (by close, by exit, or by exec of a close-on-exec copy).
 * A copy kept across exec keeps the pipe open until the new image exits.
 * Ends are released by the children on the parent's word, so the order
 * is the parent's. */
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int data[2];

/* What the read end shows within ms milliseconds: a long wait where
 * something should come (an emulated CPU may be slow to get there), a
 * short one where nothing should. */
static const char *state(int ms)
{
	struct pollfd pf = { data[0], POLLIN, 0 };
	int r = poll(&pf, 1, ms);
	if (r == 0)
		return "nothing yet (timeout)";
	char buf[64];
	ssize_t n = read(data[0], buf, sizeof buf);
	static char out[96];
	if (n == 0)
		return "EOF";
	snprintf(out, sizeof out, "data [%.*s]", (int)n, buf);
	return out;
}

/* A child that waits for a byte on go, then does what the byte says:
 * 'c' closes its write end and waits for another byte, 'x' exits. */
static pid_t holder(int go[2], const char *name)
{
	pid_t pid = fork();
	if (pid == 0) {
		close(data[0]);
		close(go[1]);
		char c;
		while (read(go[0], &c, 1) == 1) {
			if (c == 'w')
				write(data[1], name, strlen(name));
			if (c == 'c')
				close(data[1]);
			if (c == 'x')
				_exit(0);
		}
		_exit(1);
	}
	close(go[0]);
	return pid;
}

static void tell(int fd, char c)
{
	write(fd, &c, 1);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, 0, _IOLBF, 0);
	if (argc > 2 && !strcmp(argv[2], "exec-holder")) {
		/* fd 5 is the write end, kept across exec; wait for the word. */
		char c;
		read(0, &c, 1);
		write(5, "from exec", 9);
		return 0;
	}
	pipe(data);
	int go[3][2];
	pid_t kids[3];
	const char *names[] = { "one", "two", "three" };
	for (int i = 0; i < 3; i++) {
		pipe(go[i]);
		kids[i] = holder(go[i], names[i]);
	}
	close(data[1]);
	printf("parent closed its write end: %s\n", state(200));
	tell(go[1][1], 'w');
	printf("child two writes: %s\n", state(10000));
	tell(go[0][1], 'c');
	printf("child one closed: %s\n", state(200));
	tell(go[1][1], 'x');
	waitpid(kids[1], 0, 0);
	printf("child two exited: %s\n", state(200));
	tell(go[2][1], 'w');
	printf("child three writes: %s\n", state(10000));
	tell(go[2][1], 'c');
	printf("child three closed (child one, closed, still runs): %s\n", state(10000));
	printf("and again: %s\n", state(10000));
	tell(go[0][1], 'x');
	tell(go[2][1], 'x');
	waitpid(kids[0], 0, 0);
	waitpid(kids[2], 0, 0);
	close(data[0]);

	/* Across exec: a kept copy holds the pipe open, a close-on-exec one
	 * does not. */
	for (int cloexec = 0; cloexec < 2; cloexec++) {
		pipe(data);
		int word[2];
		pipe(word);
		fflush(stdout);
		pid_t pid = fork();
		if (pid == 0) {
			dup2(word[0], 0);
			close(word[0]);
			close(word[1]);
			dup2(data[1], 5);
			close(data[1]);
			close(data[0]);
			if (cloexec)
				fcntl(5, F_SETFD, FD_CLOEXEC);
			char *args[] = { argv[0], argv[1], "exec-holder", NULL };
			execvp(argv[0], args);
			_exit(127);
		}
		close(word[0]);
		close(data[1]);
		printf("%s: while the new image waits: %s\n", cloexec ? "close-on-exec" : "kept", state(cloexec ? 10000 : 300));
		write(word[1], "g", 1);
		close(word[1]);
		int status;
		waitpid(pid, &status, 0);
		printf("%s: after it exited %d: %s\n", cloexec ? "close-on-exec" : "kept", WEXITSTATUS(status), state(10000));
		printf("%s: then: %s\n", cloexec ? "close-on-exec" : "kept", state(10000));
		close(data[0]);
	}
	return 0;
}
