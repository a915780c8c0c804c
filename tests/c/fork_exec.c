/* fork and exec: the child runs this program again (by argv[0] through
 * PATH) with other arguments and an environment of its own; its standard
 * output is a pipe set up with dup2; a close-on-exec fd is closed in the
 * new image and a plain one stays open (with its file position); the
 * exit status comes back through wait; exec of a missing file is ENOENT
 * and of a non-program ENOEXEC. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static int child(int argc, char **argv)
{
	printf("child: %d args:", argc);
	for (int i = 2; i < argc; i++)
		printf(" [%s]", argv[i]);
	printf("\n");
	printf("child: GREETING=%s\n", getenv("GREETING") ? getenv("GREETING") : "(unset)");
	printf("child: fd 5 %s, fd 6 %s\n", fcntl(5, F_GETFD) < 0 ? "closed" : "open",
	       fcntl(6, F_GETFD) < 0 ? "closed" : "open");
	char buf[16] = "";
	ssize_t n = read(6, buf, sizeof buf - 1);
	printf("child: read %zd from fd 6: %s", n, buf);
	return 23;
}

int main(int argc, char **argv)
{
	if (argc > 2 && !strcmp(argv[2], "exec-child"))
		return child(argc, argv);
	if (argc < 2 || chdir(argv[1]) != 0)
		return 1;
	int f = open("data.txt", O_CREAT | O_TRUNC | O_RDWR, 0644);
	write(f, "0123456789line two\n", 19);
	lseek(f, 10, SEEK_SET);
	dup2(f, 6);
	close(f);
	int secret = open("data.txt", O_RDONLY | O_CLOEXEC);
	dup2(secret, 5);
	fcntl(5, F_SETFD, FD_CLOEXEC);
	close(secret);
	int fds[2];
	pipe(fds);
	fflush(stdout);
	pid_t kid = fork();
	if (kid == 0) {
		close(fds[0]);
		dup2(fds[1], 1);
		close(fds[1]);
		char *args[] = { argv[0], argv[1], "exec-child", "two words", "", "last", NULL };
		char *env[] = { "GREETING=hello from the parent", NULL };
		execve(argv[0], args, env);
		/* argv[0] is a name on capOS: search PATH. */
		environ = env;
		execvp(argv[0], args);
		printf("exec failed: %s\n", strerror(errno));
		_exit(127);
	}
	close(fds[1]);
	char buf[512];
	ssize_t n, total = 0;
	while ((n = read(fds[0], buf + total, sizeof buf - 1 - total)) > 0)
		total += n;
	buf[total] = 0;
	int status;
	waitpid(kid, &status, 0);
	printf("from the child:\n%s", buf);
	printf("child exited %d with %d\n", WIFEXITED(status), WEXITSTATUS(status));
	int r = execl("/no/such/program", "x", (char *)0);
	printf("exec of a missing file: %d %s\n", r, errno == ENOENT ? "ENOENT" : "another errno");
	r = execl("data.txt", "data.txt", (char *)0);
	/* A file without execute permission is refused (EACCES) on both. */
	printf("exec of a text file: %d %s\n", r, errno == EACCES ? "EACCES" : "another errno");
	unlink("data.txt");
	return 0;
}
