/* What exec keeps of the process: the same pid, parent, process group
 * and session (the child writes them to a pipe before exec, the new
 * image compares), the current directory, the umask and its place among
 * the parent's children (the parent's waitpid on the pid gets the new
 * image's exit status); exec of the same program twice in a row keeps
 * the pid as well. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

struct ids {
	pid_t pid, ppid, pgid, sid;
};

static struct ids now(void)
{
	return (struct ids){ getpid(), getppid(), getpgrp(), getsid(0) };
}

int main(int argc, char **argv)
{
	setvbuf(stdout, 0, _IOLBF, 0);
	if (argc > 3 && !strcmp(argv[2], "check")) {
		int round = atoi(argv[3]);
		struct ids before, after = now();
		if (read(9, &before, sizeof before) != sizeof before)
			return 90;
		char cwd[256] = "";
		getcwd(cwd, sizeof cwd);
		mode_t mask = umask(0);
		printf("image %d: pid same %d, parent same %d, group same %d, session same %d, in sub %d, umask %03o\n",
		       round, after.pid == before.pid, after.ppid == before.ppid, after.pgid == before.pgid,
		       after.sid == before.sid, strstr(cwd, "/sub") != NULL, (unsigned)mask);
		umask(mask);
		if (round == 1) {
			/* Hand the same ids on to the next image. */
			int p[2];
			pipe(p);
			write(p[1], &after, sizeof after);
			close(p[1]);
			dup2(p[0], 9);
			close(p[0]);
			char *args[] = { argv[0], argv[1], "check", "2", NULL };
			fflush(stdout);
			execvp(argv[0], args);
			return 91;
		}
		return 40 + round;
	}
	if (argc < 2 || chdir(argv[1]) != 0)
		return 1;
	mkdir("sub", 0755);
	chdir("sub");
	umask(027);
	int p[2];
	pipe(p);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		struct ids mine = now();
		write(p[1], &mine, sizeof mine);
		close(p[1]);
		dup2(p[0], 9);
		close(p[0]);
		char *args[] = { argv[0], argv[1], "check", "1", NULL };
		execvp(argv[0], args);
		_exit(127);
	}
	close(p[0]);
	close(p[1]);
	int status;
	pid_t w = waitpid(pid, &status, 0);
	printf("parent: waitpid got the child %d, exited %d\n", w == pid, WEXITSTATUS(status));
	chdir("..");
	rmdir("sub");
	return 0;
}
