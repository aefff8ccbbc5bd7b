/* Log file following for the page (see web_logs.h). */
#include "web_logs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "web_esc.h"
#include "xalloc.h"

static int emit(struct logtail *t, struct buf *out, int *n)
{
	const char *line;
	size_t len;
	int r;
	while ((r = linefr_next(&t->fr, &line, &len)) != LINEFR_NONE) {
		if (out->len)
			buf_addc(out, ',');
		if (r == LINEFR_LONG) {
			buf_puts(out, "\"[psup web: a line longer than 8 KiB was cut out]\"");
			linefr_skip(&t->fr);
		} else {
			esc_json_str(out, line, len);
		}
		(*n)++;
	}
	return *n;
}

/* Reads from the current position to EOF, at most max bytes. */
static int drain(struct logtail *t, size_t max, struct buf *out, int *n)
{
	char chunk[16384];
	while (max > 0) {
		ssize_t r = read(t->fd, chunk, max < sizeof chunk ? max : sizeof chunk);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		t->pos += r;
		max -= (size_t)r;
		linefr_feed(&t->fr, chunk, (size_t)r);
		emit(t, out, n);
	}
	return *n;
}

static void reopen(struct logtail *t)
{
	if (t->fd >= 0)
		close(t->fd);
	t->fd = open(t->path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	t->pos = 0;
	struct stat st;
	if (t->fd >= 0 && fstat(t->fd, &st) == 0) {
		t->dev = st.st_dev;
		t->ino = st.st_ino;
	}
}

int logtail_open(struct logtail *t, const char *path, size_t tail, struct buf *out)
{
	memset(t, 0, sizeof *t);
	t->fd = -1;
	t->path = xstrdup(path);
	linefr_init(&t->fr, WEB_LOG_LINE_MAX);
	reopen(t);
	int n = 0;
	struct stat st;
	if (t->fd < 0 || fstat(t->fd, &st) < 0)
		return 0;
	if (st.st_size > (off_t)tail) {
		/* Start inside the file: the first line read is likely a part,
		 * so what comes before its end is left out. */
		t->pos = lseek(t->fd, st.st_size - (off_t)tail, SEEK_SET);
		char chunk[16384];
		ssize_t r;
		while ((r = read(t->fd, chunk, sizeof chunk)) > 0) {
			t->pos += r;
			tail -= (size_t)r < tail ? (size_t)r : tail;
			const char *nl = memchr(chunk, '\n', (size_t)r);
			if (nl) {
				linefr_feed(&t->fr, nl + 1, (size_t)(chunk + r - nl - 1));
				emit(t, out, &n);
				break;
			}
		}
	}
	return drain(t, tail, out, &n);
}

int logtail_poll(struct logtail *t, size_t max, struct buf *out)
{
	int n = 0;
	struct stat st;
	int gone = stat(t->path, &st) < 0;
	if (t->fd >= 0) {
		/* Finish the old file before turning to a rotated one's successor. */
		drain(t, max, out, &n);
		if (!gone && (st.st_dev != t->dev || st.st_ino != t->ino)) {
			reopen(t);
		} else if (!gone && st.st_size < t->pos) {
			lseek(t->fd, 0, SEEK_SET);   /* flushed: read it again from the start */
			t->pos = 0;
		} else {
			return n;
		}
	} else if (!gone) {
		reopen(t);
	}
	return t->fd >= 0 ? drain(t, max, out, &n) : n;
}

void logtail_close(struct logtail *t)
{
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
	linefr_free(&t->fr);
	free(t->path);
	t->path = NULL;
}
