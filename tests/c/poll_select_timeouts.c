/* poll and select with timeouts on pipes: an empty pipe times out (0),
 * data makes it readable, a closed writer gives POLLHUP, select's sets
 * and its timeout; an interrupted poll is EINTR. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/select.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

static void on_alarm(int sig)
{
	(void)sig;
}

int main(void)
{
	setvbuf(stdout, 0, _IOLBF, 0);
	int p[2];
	pipe(p);
	struct pollfd fds[2] = {{p[0], POLLIN, 0}, {p[1], POLLOUT, 0}};
	int r = poll(fds, 1, 100);
	printf("empty pipe: poll %d revents %#x\n", r, fds[0].revents);
	r = poll(fds + 1, 1, 100);
	printf("write end: poll %d revents %#x\n", r, fds[1].revents);

	pid_t pid = fork();
	if (pid == 0) {
		usleep(100 * 1000);
		write(p[1], "hi", 2);
		_exit(0);
	}
	r = poll(fds, 1, 5000);
	printf("after child writes: poll %d revents %#x\n", r, fds[0].revents);
	waitpid(pid, 0, 0);

	fd_set rd;
	FD_ZERO(&rd);
	FD_SET(p[0], &rd);
	struct timeval tv = {0, 100000};
	r = select(p[0] + 1, &rd, 0, 0, &tv);
	printf("select with data: %d, set %d\n", r, FD_ISSET(p[0], &rd));
	char buf[4];
	read(p[0], buf, 2);
	FD_ZERO(&rd);
	FD_SET(p[0], &rd);
	tv.tv_sec = 0;
	tv.tv_usec = 100000;
	r = select(p[0] + 1, &rd, 0, 0, &tv);
	printf("select empty: %d, set %d\n", r, FD_ISSET(p[0], &rd));

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, 0);
	struct itimerval it = {{0, 0}, {0, 50000}};
	setitimer(ITIMER_REAL, &it, 0);
	errno = 0;
	r = poll(fds, 1, 5000);
	printf("interrupted poll: %d %s\n", r, strerror(errno));

	close(p[1]);
	r = poll(fds, 1, 1000);
	printf("writer closed: poll %d revents %#x\n", r, fds[0].revents);
	return 0;
}
