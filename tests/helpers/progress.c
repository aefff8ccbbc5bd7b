/* Test app: progress TOTAL [MS]: reports {"done":i,"total":TOTAL} on the
 * fd in PSUP_PROGRESS_FD for i = 1..TOTAL, MS ms apart (default 10), with
 * one bad line and one split write in the middle, then exits 0. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void put(int fd, const char *s)
{
	ssize_t w = write(fd, s, strlen(s));
	(void)w;
}

int main(int argc, char **argv)
{
	long total = argc > 1 ? strtol(argv[1], NULL, 10) : 10;
	long ms = argc > 2 ? strtol(argv[2], NULL, 10) : 10;
	const char *e = getenv("PSUP_PROGRESS_FD");
	int fd = e ? (int)strtol(e, NULL, 10) : 3;
	for (long i = 1; i <= total; i++) {
		char line[128];
		if (i == total / 2) {
			put(fd, "not json\n");
			put(fd, "{\"done\":");
			snprintf(line, sizeof line, "%ld,\"total\":%ld,\"failed\":1}\n", i, total);
		} else {
			snprintf(line, sizeof line, "{\"done\":%ld,\"total\":%ld,\"failed\":0}\n", i, total);
		}
		put(fd, line);
		struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
		nanosleep(&ts, NULL);
	}
	printf("progress done\n");
	return 0;
}
