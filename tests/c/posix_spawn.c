/* posix_spawn (musl: clone with CLONE_VM|CLONE_VFORK, then exec): the
 * program again with other arguments, its status through waitpid, a file
 * action redirecting its stdout to a file, posix_spawnp through PATH, and
 * a missing program reported as ENOENT by posix_spawn itself. */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv)
{
	if (argc > 2 && !strcmp(argv[2], "spawned")) {
		printf("spawned: %d args, last [%s]\n", argc, argv[argc - 1]);
		return 42;
	}
	setvbuf(stdout, 0, _IOLBF, 0);
	if (argc < 2 || chdir(argv[1]) != 0)
		return 1;
	pid_t pid;
	char *args[] = {argv[0], argv[1], "spawned", "x y", 0};
	int r = posix_spawnp(&pid, argv[0], 0, 0, args, environ);
	int status = 0;
	waitpid(pid, &status, 0);
	printf("posix_spawnp: %d, exit %d\n", r, WEXITSTATUS(status));

	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "out.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	r = posix_spawnp(&pid, argv[0], &fa, 0, args, environ);
	posix_spawn_file_actions_destroy(&fa);
	waitpid(pid, &status, 0);
	char buf[64] = "";
	int fd = open("out.txt", O_RDONLY);
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	printf("with a file action: %d, exit %d, file: %zd bytes: %s", r, WEXITSTATUS(status), n, buf);

	char *missing[] = {"no-such-program-here", 0};
	r = posix_spawnp(&pid, "no-such-program-here", 0, 0, missing, environ);
	printf("missing program: %s\n", r == ENOENT ? "ENOENT" : r == 0 ? "started" : strerror(r));
	return 0;
}
