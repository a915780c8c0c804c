/* An open file description is shared by fork: parent and child write in
 * turn to the same fd and nothing is overwritten ({ echo a; (echo b);
 * echo c; } > f writes three lines); lseek in the child moves the
 * parent's offset; zombies are kept until reaped, WNOHANG sees them. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	setvbuf(stdout, 0, _IOLBF, 0);
	if (argc < 2 || chdir(argv[1]) != 0)
		return 1;
	int fd = open("f", O_CREAT | O_TRUNC | O_RDWR, 0644);
	write(fd, "a\n", 2);
	pid_t pid = fork();
	if (pid == 0) {
		write(fd, "b\n", 2);
		_exit(0);
	}
	waitpid(pid, 0, 0);
	write(fd, "c\n", 2);
	printf("offset after three writes: %ld\n", (long)lseek(fd, 0, SEEK_CUR));
	pid = fork();
	if (pid == 0) {
		lseek(fd, 0, SEEK_SET);
		_exit(0);
	}
	waitpid(pid, 0, 0);
	char buf[32] = "";
	ssize_t n = read(fd, buf, sizeof buf - 1);
	printf("parent read after child's lseek: %zd [%s]\n", n, n > 0 ? strtok(buf, "") : "");

	int status;
	pid_t kids[3];
	for (int i = 0; i < 3; i++) {
		kids[i] = fork();
		if (kids[i] == 0)
			_exit(10 + i);
	}
	usleep(100 * 1000);
	for (int i = 2; i >= 0; i--) {
		pid_t w = waitpid(kids[i], &status, WNOHANG);
		printf("reap %d: %s, exit %d\n", i, w == kids[i] ? "found" : "missing", WEXITSTATUS(status));
	}
	printf("no children left: %d\n", (int)waitpid(-1, &status, WNOHANG));
	return 0;
}
