/* Checks what a supervisor wrote against what logwriter sent, line by line.
 *   logcheck LINES MODE FILE...
 * MODE: out    every line was on stdout; FILEs hold stdout
 *       split  mixed run; first FILE is the stdout log, second the stderr log
 *       merged mixed run; FILEs hold both streams together (runit, combined)
 * A line may carry any prefix (a timestamp); its last 100 bytes, newline
 * included, must be one whole line as logwriter wrote it. Prints one line:
 *   lines=N seen=S torn=T dup=D lost=L misrouted=M
 * and exits 0 only when nothing was torn, duplicated, lost or misrouted. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define LINE 100

static unsigned char *seen;
static long long n_lines, n_seen, n_torn, n_dup, n_misrouted;

/* Returns the line number, or -1 when the 100 bytes ending at nl are not a
 * whole logwriter line. */
static long long parse(const char *p, char *tag)
{
	long long i = 0;
	int k;
	char letter;

	if ((p[0] != 'O' && p[0] != 'E') || p[1] != ':' || p[12] != ':')
		return -1;
	for (k = 2; k < 12; k++) {
		if (p[k] < '0' || p[k] > '9')
			return -1;
		i = i * 10 + (p[k] - '0');
	}
	if (i >= n_lines)
		return -1;
	letter = (char)('a' + (int)(i % 26));
	for (k = 13; k < LINE - 1; k++)
		if (p[k] != letter)
			return -1;
	*tag = p[0];
	return i;
}

static void check_file(const char *path, int mode, int which)
{
	struct stat st;
	const char *buf, *p, *end;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0) {
		/* A missing log is all lines lost, not a crash of the checker. */
		perror(path);
		return;
	}
	if (fstat(fd, &st) != 0 || st.st_size == 0) {
		close(fd);
		return;
	}
	buf = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (buf == MAP_FAILED) {
		perror(path);
		exit(2);
	}
	madvise((void *)buf, (size_t)st.st_size, MADV_SEQUENTIAL);
	p = buf;
	end = buf + st.st_size;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		long long i;
		char tag = 0;

		if (!nl) {   /* unterminated last line */
			n_torn++;
			break;
		}
		i = nl - p + 1 >= LINE ? parse(nl + 1 - LINE, &tag) : -1;
		if (i < 0) {
			n_torn++;
		} else {
			int want = (mode == 0 || (i & 1) == 0) ? 'O' : 'E';
			if (tag != want)
				n_torn++;   /* a tag that does not fit its number */
			else {
				if (mode == 1 && ((which == 0) != (tag == 'O')))
					n_misrouted++;
				if (seen[i >> 3] & (1u << (i & 7)))
					n_dup++;
				else {
					seen[i >> 3] |= (unsigned char)(1u << (i & 7));
					n_seen++;
				}
			}
		}
		p = nl + 1;
	}
	munmap((void *)buf, (size_t)st.st_size);
}

int main(int argc, char **argv)
{
	int mode, k;
	long long lost;

	if (argc < 4) {
		fprintf(stderr, "usage: logcheck LINES out|split|merged FILE...\n");
		return 2;
	}
	n_lines = strtoll(argv[1], NULL, 10);
	if (strcmp(argv[2], "out") == 0)
		mode = 0;
	else if (strcmp(argv[2], "split") == 0)
		mode = 1;
	else
		mode = 2;
	seen = calloc((size_t)(n_lines / 8 + 1), 1);
	if (!seen || n_lines <= 0) {
		fprintf(stderr, "logcheck: bad line count or out of memory\n");
		return 2;
	}
	for (k = 3; k < argc; k++)
		check_file(argv[k], mode, k - 3);
	lost = n_lines - n_seen;
	printf("lines=%lld seen=%lld torn=%lld dup=%lld lost=%lld misrouted=%lld\n",
	    n_lines, n_seen, n_torn, n_dup, lost, n_misrouted);
	free(seen);
	return (n_torn || n_dup || lost || n_misrouted) ? 1 : 0;
}
