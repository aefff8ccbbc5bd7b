/* Test app: sleeper [MS]: prints its pid and environment facts, then sleeps
 * MS ms (default: until signalled) and exits 0. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long ms = argc > 1 ? strtol(argv[1], NULL, 10) : -1;
	/* which descriptors leaked into us (0-2 and the progress fd are ours) */
	int leaked = 0;
	for (int fd = 4; fd < 1024; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			leaked++;
	const char *name = getenv("PSUP_APP_NAME");
	printf("sleeper %ld pgid %ld sid %ld leaked_fds %d app %s\n", (long)getpid(),
	    (long)getpgrp(), (long)getsid(0), leaked, name ? name : "-");
	fflush(stdout);
	if (ms < 0)
		for (;;)
			pause();
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
	return 0;
}
