/* Close-on-exec across several execs: one child execs this program three
 * times in a row (stage 1 -> 2 -> 3). Before each exec the current image
 * marks one more fd close-on-exec (F_SETFD, fcntl F_DUPFD_CLOEXEC, dup3);
 * each image lists which of fds 3..9 are open, checks that FD_CLOEXEC is
 * clear on the survivors (exec clears nothing else, and the flag is not
 * set by the kernel), reads a byte from the shared file so the next image
 * sees the moved position, and writes its stage to a log opened O_APPEND
 * once by the parent. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void list(int stage)
{
	printf("stage %d:", stage);
	for (int fd = 3; fd <= 9; fd++) {
		int f = fcntl(fd, F_GETFD);
		if (f < 0)
			printf(" %d-", fd);
		else
			printf(" %d%s", fd, f & FD_CLOEXEC ? "c" : "+");
	}
	printf("\n");
}

/* Moves a new fd to a fixed number. */
static void place(int f, int target)
{
	if (f != target) {
		dup2(f, target);
		close(f);
	}
}

static void next(char **argv, int stage)
{
	char s[8];
	snprintf(s, sizeof s, "%d", stage);
	char *args[] = { argv[0], argv[1], "stage", s, NULL };
	fflush(stdout);
	execvp(argv[0], args);
	printf("exec failed\n");
	exit(127);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, 0, _IOLBF, 0);
	if (argc > 3 && !strcmp(argv[2], "stage")) {
		int stage = atoi(argv[3]);
		list(stage);
		char c = '?';
		if (read(3, &c, 1) != 1)
			c = '!';
		printf("stage %d read [%c] from fd 3, now at %ld\n", stage, c, (long)lseek(3, 0, SEEK_CUR));
		dprintf(4, "stage %d\n", stage);
		switch (stage) {
		case 1:
			fcntl(5, F_SETFD, FD_CLOEXEC);
			next(argv, 2);
			break;
		case 2: {
			/* fd 6 goes; a close-on-exec copy of 7 at 8 goes too. */
			fcntl(6, F_SETFD, fcntl(6, F_GETFD) | FD_CLOEXEC);
			int d = fcntl(7, F_DUPFD_CLOEXEC, 8);
			printf("stage 2: F_DUPFD_CLOEXEC gave %d\n", d);
			next(argv, 3);
			break;
		}
		case 3:
			dup3(7, 9, O_CLOEXEC);
			list(33);
			/* A failed exec keeps every fd, close-on-exec or not. */
			execl("/no/such/file", "x", (char *)0);
			list(34);
			return 30;
		}
		return 99;
	}
	if (argc < 2 || chdir(argv[1]) != 0)
		return 1;
	int f = open("data", O_CREAT | O_TRUNC | O_RDWR, 0644);
	write(f, "ABCDEFGH", 8);
	lseek(f, 0, SEEK_SET);
	place(f, 3);
	f = open("log", O_CREAT | O_TRUNC | O_WRONLY | O_APPEND, 0644);
	place(f, 4);
	for (int fd = 5; fd <= 7; fd++)
		dup2(3, fd);
	pid_t kid = fork();
	if (kid == 0)
		next(argv, 1);
	int status;
	waitpid(kid, &status, 0);
	printf("child exited %d\n", WEXITSTATUS(status));
	printf("parent: fd 3 at %ld\n", (long)lseek(3, 0, SEEK_CUR));
	dprintf(4, "parent\n");
	char buf[128] = "";
	f = open("log", O_RDONLY);
	read(f, buf, sizeof buf - 1);
	close(f);
	printf("log:\n%s", buf);
	unlink("log");
	unlink("data");
	return 0;
}
