/* Test app: nonl [EXIT]: writes pieces of a line without newline, one
 * complete line split across writes, and ends with an unterminated tail on
 * both streams, then exits with EXIT (default 0). */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void put(int fd, const char *s)
{
	ssize_t w = write(fd, s, strlen(s));
	(void)w;
	struct timespec ts = { 0, 20 * 1000000L };
	nanosleep(&ts, NULL);
}

int main(int argc, char **argv)
{
	put(1, "first ");
	put(1, "half ");
	put(1, "joined\n");
	put(2, "err piece ");
	put(2, "and rest\n");
	put(1, "tail without newline");
	put(2, "err tail");
	return argc > 1 ? (int)strtol(argv[1], NULL, 10) : 0;
}
