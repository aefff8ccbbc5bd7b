/* An app that is hard to stop: it ignores SIGTERM (and SIGINT, pm2's
 * default stop signal, and SIGHUP) and forks two children
 * that ignore it too: one stays in the app's process group, one calls
 * setsid() (as a daemonising child would). Their pids go to PIDFILE as
 * "app PID\nchild PID\nsetsid PID\n" so the benchmark can check which of
 * them a stop left alive, and kill them itself afterwards.
 *   termignore PIDFILE */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

static void child(int own_session)
{
	if (own_session)
		setsid();
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	pid_t c1, c2;
	char buf[128];
	int fd, n;

	if (argc != 2) {
		fprintf(stderr, "usage: termignore PIDFILE\n");
		return 2;
	}
	signal(SIGTERM, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	c1 = fork();
	if (c1 == 0)
		child(0);
	c2 = fork();
	if (c2 == 0)
		child(1);
	n = snprintf(buf, sizeof buf, "app %ld\nchild %ld\nsetsid %ld\n",
	    (long)getpid(), (long)c1, (long)c2);
	fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, buf, (size_t)n) != n) {
		perror(argv[1]);
		return 2;
	}
	close(fd);
	for (;;)
		pause();
}
