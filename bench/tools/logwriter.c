/* Writes LINES numbered 100-byte lines as fast as it can, then exits at once.
 *   logwriter LINES out|mixed STAMPFILE
 * Line i (0-based) is "<S>:<i, 10 digits>:<payload>\n", exactly 100 bytes,
 * where S is 'O' on stdout and 'E' on stderr (mixed: odd lines go to
 * stderr) and the payload is 86 copies of one letter derived from i, so a
 * line glued from two halves is caught by logcheck. Output goes in 64 KiB
 * write()s per stream that do not respect line edges (as stdio does with a
 * pipe), which is what a supervisor must reassemble. STAMPFILE gets the exec
 * time and the end time (ns, CLOCK_REALTIME), like stampapp. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LINE 100
#define CHUNK 65536

struct out {
	int fd;
	char buf[CHUNK + LINE];
	size_t len;
};

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void stamp(const char *path, const char *what)
{
	char line[96];
	int fd, n;

	n = snprintf(line, sizeof line, "%s %lld %ld\n", what, now_ns(), (long)getpid());
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd >= 0) {
		if (write(fd, line, (size_t)n) != n)
			perror(path);
		close(fd);
	}
}

static void drain(struct out *o, size_t upto)
{
	size_t off = 0;

	while (off < upto) {
		ssize_t w = write(o->fd, o->buf + off, upto - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			perror("write");
			exit(1);
		}
		off += (size_t)w;
	}
	memmove(o->buf, o->buf + upto, o->len - upto);
	o->len -= upto;
}

static void put_line(struct out *o, char tag, long long i)
{
	char *p;
	long long v = i;
	int k;

	p = o->buf + o->len;
	p[0] = tag;
	p[1] = ':';
	for (k = 11; k >= 2; k--, v /= 10)
		p[k] = (char)('0' + v % 10);
	p[12] = ':';
	memset(p + 13, 'a' + (int)(i % 26), LINE - 14);
	p[LINE - 1] = '\n';
	o->len += LINE;
	/* Flush exactly CHUNK bytes whenever we have them: edges fall mid-line. */
	if (o->len >= CHUNK)
		drain(o, CHUNK);
}

static struct out so = { .fd = 1 }, se = { .fd = 2 };

int main(int argc, char **argv)
{
	long long n, i;
	int mixed;

	if (argc != 4) {
		fprintf(stderr, "usage: logwriter LINES out|mixed STAMPFILE\n");
		return 2;
	}
	n = strtoll(argv[1], NULL, 10);
	mixed = strcmp(argv[2], "mixed") == 0;
	stamp(argv[3], "start");
	for (i = 0; i < n; i++) {
		if (mixed && (i & 1))
			put_line(&se, 'E', i);
		else
			put_line(&so, 'O', i);
	}
	drain(&so, so.len);
	drain(&se, se.len);
	stamp(argv[3], "end");
	return 0;
}
