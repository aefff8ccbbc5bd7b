/* Test app: spinner [MS]: idles; on each SIGUSR1 it forks a child that
 * burns MS ms of CPU time (default 500) and exits, reaps it and says so.
 * Its own CPU time stays near 0: what it shows is its reaped children's. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long cpu_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int main(int argc, char **argv)
{
	long ms = argc > 1 ? strtol(argv[1], NULL, 10) : 500;
	sigset_t usr1;
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, NULL);
	printf("spinner %ld ready\n", (long)getpid());
	fflush(stdout);
	for (int n = 1;; n++) {
		int sig;
		if (sigwait(&usr1, &sig) != 0)
			return 1;
		pid_t pid = fork();
		if (pid < 0)
			return 1;
		if (pid == 0) {
			while (cpu_ms() < ms)
				;   /* spin */
			_exit(0);
		}
		while (waitpid(pid, NULL, 0) < 0)
			if (errno != EINTR)
				return 1;
		printf("spun %d\n", n);
		fflush(stdout);
	}
}
