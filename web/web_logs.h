/* Following one log file for the page: its last lines first, then what
 * is appended, across rotation (rename and reopen) and flush (truncation),
 * as psup logs -f does. Lines are cut at WEB_LOG_LINE_MAX and written out as
 * JSON strings (any bytes escaped), so a line an app printed is shown as
 * text whatever it holds. */
#ifndef PSUP_WEB_LOGS_H
#define PSUP_WEB_LOGS_H
#include <stddef.h>
#include <sys/types.h>
#include "buf.h"
#include "linefr.h"

#define WEB_LOG_LINE_MAX 8192
#define WEB_LOG_TAIL_BYTES (64 * 1024)  /* what the first read shows at most */

struct logtail {
	char *path;
	int fd;                 /* -1 while the file is missing */
	dev_t dev;
	ino_t ino;
	off_t pos;
	struct linefr fr;
};

/* Starts following path (copied): the last lines (at most tail bytes) go
 * into out as JSON strings separated by commas; returns how many. A missing
 * file is no error: it is followed once it appears. */
int logtail_open(struct logtail *t, const char *path, size_t tail, struct buf *out);
/* Appends the lines written since the last call (reading at most max
 * bytes) to out as above, after a comma when out already holds lines;
 * returns how many. */
int logtail_poll(struct logtail *t, size_t max, struct buf *out);
void logtail_close(struct logtail *t);
#endif
