/* Test app: spew N SIZE [out|err|both]: writes N numbered lines of SIZE
 * bytes (newline included) as fast as it can, then exits at once without
 * flushing anything but its own buffer. Line i reads "<stream> <i> xxx...". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w <= 0)
			_exit(3);
		p += w;
		n -= (size_t)w;
	}
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: spew N SIZE [out|err|both]\n");
		return 2;
	}
	long n = strtol(argv[1], NULL, 10), size = strtol(argv[2], NULL, 10);
	const char *which = argc > 3 ? argv[3] : "out";
	int both = strcmp(which, "both") == 0, err = strcmp(which, "err") == 0;
	if (size < 16)
		size = 16;
	size_t cap = 1 << 18;
	char *ob = malloc(cap), *eb = malloc(cap);
	size_t ol = 0, el = 0;
	for (long i = 1; i <= n; i++) {
		for (int s = 0; s < 2; s++) {
			int is_err = both ? s == 1 : err;
			if (!both && s == 1)
				break;
			char *b = is_err ? eb : ob;
			size_t *l = is_err ? &el : &ol;
			if (*l + (size_t)size > cap) {
				write_all(is_err ? 2 : 1, b, *l);
				*l = 0;
			}
			int h = snprintf(b + *l, (size_t)size, "%s %ld ", is_err ? "err" : "out", i);
			memset(b + *l + h, 'x', (size_t)(size - h - 1));
			b[*l + (size_t)size - 1] = '\n';
			*l += (size_t)size;
		}
	}
	write_all(1, ob, ol);
	write_all(2, eb, el);
	_exit(0);
}
