/* fork with a pipe: the child writes, the parent reads until end of file
 * (which comes once both write ends are closed); stdio buffers are flushed
 * before fork so nothing is printed twice; open files share their
 * position between parent and child. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 2 || chdir(argv[1]) != 0)
		return 1;
	int fds[2];
	pipe(fds);
	printf("before fork\n");
	fflush(stdout);
	pid_t kid = fork();
	if (kid == 0) {
		close(fds[0]);
		for (int i = 0; i < 1000; i++)
			dprintf(fds[1], "line %d from the child\n", i);
		_exit(0);
	}
	close(fds[1]);
	char buf[4096];
	long total = 0;
	int lines = 0;
	ssize_t n;
	while ((n = read(fds[0], buf, sizeof buf)) > 0) {
		total += n;
		for (ssize_t i = 0; i < n; i++)
			lines += buf[i] == '\n';
	}
	int status;
	waitpid(kid, &status, 0);
	printf("read %ld bytes, %d lines, then end of file; child status %d\n", total, lines, WEXITSTATUS(status));

	/* One open file, one position: parent, child, parent write in turn. */
	int f = open("shared.txt", O_CREAT | O_TRUNC | O_WRONLY, 0644);
	write(f, "a\n", 2);
	kid = fork();
	if (kid == 0) {
		write(f, "b\n", 2);
		_exit(0);
	}
	waitpid(kid, &status, 0);
	write(f, "c\n", 2);
	close(f);
	f = open("shared.txt", O_RDONLY);
	memset(buf, 0, sizeof buf);
	read(f, buf, sizeof buf - 1);
	close(f);
	unlink("shared.txt");
	printf("shared file: %s", buf);
	return 0;
}
