/* Test app: ignore_term [--setsid]: ignores SIGTERM and forks a grandchild
 * that ignores it too (with --setsid the grandchild leaves the process
 * group, as daemons do). Prints "parent PID" and "child PID", then waits. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int escape = argc > 1 && strcmp(argv[1], "--setsid") == 0;
	signal(SIGTERM, SIG_IGN);
	pid_t c = fork();
	if (c == 0) {
		if (escape)
			setsid();
		printf("child %ld\n", (long)getpid());
		fflush(stdout);
		for (;;)
			pause();
	}
	printf("parent %ld\n", (long)getpid());
	fflush(stdout);
	for (;;)
		pause();
}
