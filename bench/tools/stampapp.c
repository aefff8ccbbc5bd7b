/* The app every supervisor benchmark runs: on exec it appends
 * "<CLOCK_REALTIME ns> <pid>\n" to FILE (one write with O_APPEND, so
 * restarts never interleave), then either exits with CODE or waits forever.
 *   stampapp FILE          record, then pause() until a signal
 *   stampapp FILE exit N   record, then exit N at once (restart scenarios)
 * Recording the exec time in the app itself takes the supervisor's own
 * reporting out of the measurement. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct timespec ts;
	char line[64];
	int fd, n;

	if (argc != 2 && !(argc == 4 && strcmp(argv[2], "exit") == 0)) {
		fprintf(stderr, "usage: stampapp FILE [exit CODE]\n");
		return 2;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	n = snprintf(line, sizeof line, "%lld %ld\n",
	    (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec, (long)getpid());
	fd = open(argv[1], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, line, (size_t)n) != n) {
		perror(argv[1]);
		return 2;
	}
	close(fd);
	if (argc == 4)
		return (int)strtol(argv[3], NULL, 10);
	for (;;)
		pause();
}
