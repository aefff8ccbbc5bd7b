/* One log file of an app: opened for append (mode 0640: logs may hold API
 * results and prompts), written a batch of whole lines at a time. A write
 * that fails part-way (a full disk, a quota, a file-size limit, an I/O
 * error) is cut back to the last whole line, so the file never holds a torn
 * line; the lines it cost are counted, and the first write that works again
 * begins with one line saying how many were lost and why (as svlogd does).
 * libc-only: the keeper uses it. */
#ifndef PSUP_LOGFILE_H
#define PSUP_LOGFILE_H

#include <stddef.h>
#include <sys/types.h>
#include <sys/uio.h>

#define LOGFILE_MODE 0640
#define LOGFILE_IOV 64     /* most iovecs one logfile_write takes */

struct logfile {
	char *path;           /* owned; freed by the sink that holds the file */
	int fd;               /* -1 when closed or failed */
	long long size;       /* bytes in the current file */
	int regular;          /* a regular file: only those rotate or truncate
	                       * (never rename /dev/null or a FIFO) */
	long long lost;       /* lines lost since the last write that worked */
	int lost_errno;       /* why the latest of them was lost */
	/* A part of a line [torn_at, torn_end) that could not be cut off (the
	 * truncate failed, or someone appended behind it): cut at the next
	 * write if still possible, else ended by the loss line's newline. */
	int torn;
	off_t torn_at, torn_end;
	dev_t torn_dev;
	ino_t torn_ino;
};

/* Opens f->path for append when f->fd < 0, creating its directories.
 * Returns 0, or -1 with errno and *cause (malloc'd, when cause is not NULL). */
int logfile_open(struct logfile *f, char **cause);
void logfile_close(struct logfile *f);

/* Writes iov[0..n) (n <= LOGFILE_IOV; whole lines, each ending with a
 * newline) to f, preceded by the loss line when lines were lost before (stamped with
 * prefix, plen bytes, which may be empty). A failed file is reopened and
 * the rest retried once. Returns how many of the batch's lines are not in
 * the file (0: all written); on a loss f->lost_errno says why and *what
 * what failed ("cannot open", "cannot write"). */
long long logfile_write(struct logfile *f, const struct iovec *iov, int n,
    const char *prefix, size_t plen, const char **what);

/* Of the first `written` bytes of iov[0..n), how many end with the last
 * newline among them: what may stay in the file after a short write. */
size_t logfile_whole(const struct iovec *iov, int n, size_t written);

/* Newlines in iov[0..n) from byte skip on. */
long long logfile_lines(const struct iovec *iov, int n, size_t skip);

#endif
