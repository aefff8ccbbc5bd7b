/* Appending batches of whole lines to one log file so that a failure never
 * leaves a torn line: after a short write the file is cut back to the end
 * of the last whole line, and the loss is written down once writing works
 * again. The normal path costs one writev per batch, nothing more. */
#include "logfile.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The loss line: an optional newline ending a torn part, a stamp of up to
 * 128 bytes, the message. */
#define LOSS_LINE_MAX 512

/* Creates the directories above path (like mkdir -p of its dirname). */
static void mkdir_parents(const char *path)
{
	char *copy = xstrdup(path);
	for (char *p = copy + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(copy, 0755);
		*p = '/';
	}
	free(copy);
}

int logfile_open(struct logfile *f, char **cause)
{
	if (f->fd >= 0)
		return 0;
	int flags = O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC;
	f->fd = open(f->path, flags, LOGFILE_MODE);
	if (f->fd < 0 && errno == ENOENT) {
		mkdir_parents(f->path);
		f->fd = open(f->path, flags, LOGFILE_MODE);
	}
	if (f->fd < 0) {
		int e = errno;
		fail(cause, "cannot open log %s: %s", f->path, strerror(e));
		errno = e;
		return -1;
	}
	struct stat st;
	f->regular = fstat(f->fd, &st) == 0 && S_ISREG(st.st_mode);
	f->size = f->regular ? (long long)st.st_size : 0;
	return 0;
}

void logfile_close(struct logfile *f)
{
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
}

size_t logfile_whole(const struct iovec *iov, int n, size_t written)
{
	size_t at = 0, whole = 0;
	for (int i = 0; i < n && at < written; i++) {
		size_t len = iov[i].iov_len < written - at ? iov[i].iov_len : written - at;
		const char *nl = memrchr(iov[i].iov_base, '\n', len);
		if (nl)
			whole = at + (size_t)(nl - (const char *)iov[i].iov_base) + 1;
		at += len;
	}
	return whole;
}

/* Copies iov[0..n) from byte skip on into dst; returns the iovecs used. */
static int iov_slice(struct iovec *dst, const struct iovec *iov, int n, size_t skip)
{
	int k = 0;
	for (int i = 0; i < n; i++) {
		if (skip >= iov[i].iov_len) {
			skip -= iov[i].iov_len;
			continue;
		}
		dst[k].iov_base = (char *)iov[i].iov_base + skip;
		dst[k].iov_len = iov[i].iov_len - skip;
		skip = 0;
		k++;
	}
	return k;
}

long long logfile_lines(const struct iovec *iov, int n, size_t skip)
{
	long long c = 0;
	for (int i = 0; i < n; i++) {
		if (skip >= iov[i].iov_len) {
			skip -= iov[i].iov_len;
			continue;
		}
		const char *p = (const char *)iov[i].iov_base + skip;
		const char *end = (const char *)iov[i].iov_base + iov[i].iov_len;
		skip = 0;
		while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
			c++;
			p++;
		}
	}
	return c;
}

/* writev until everything is written; returns the bytes written, fewer
 * than asked (with errno) on failure. Consumes v. */
static size_t writev_all(int fd, struct iovec *v, int n)
{
	size_t total = 0;
	while (n > 0) {
		ssize_t w = writev(fd, v, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0) /* no progress: never spin on it */
				errno = EIO;
			return total;
		}
		total += (size_t)w;
		size_t left = (size_t)w;
		while (n > 0 && left >= v->iov_len) {
			left -= v->iov_len;
			v++;
			n--;
		}
		if (n > 0 && left) {
			v->iov_base = (char *)v->iov_base + left;
			v->iov_len -= left;
		}
	}
	return total;
}

/* Cuts the torn part off when it is still the end of the file it was
 * written to; when that file is no longer at the path, nothing of it is
 * in this one. */
static void torn_cut(struct logfile *f)
{
	struct stat st;
	if (!f->torn || !f->regular || fstat(f->fd, &st) < 0)
		return;
	if (st.st_dev != f->torn_dev || st.st_ino != f->torn_ino)
		f->torn = 0;
	else if (st.st_size == f->torn_end && ftruncate(f->fd, f->torn_at) == 0)
		f->torn = 0;
}

/* A failed write left its last bytes [keep, w) as part of a line: note
 * where (O_APPEND leaves the offset at the end of our write) and cut. */
static void torn_note(struct logfile *f, size_t w, size_t keep)
{
	struct stat st;
	if (keep == w)
		return;
	f->torn = 1;
	off_t end = lseek(f->fd, 0, SEEK_CUR);
	if (!f->regular || end < 0 || fstat(f->fd, &st) < 0)
		return; /* cannot cut: the loss line's newline will end it */
	f->torn_at = end - (off_t)(w - keep);
	f->torn_end = end;
	f->torn_dev = st.st_dev;
	f->torn_ino = st.st_ino;
	torn_cut(f);
}

static size_t loss_line(const struct logfile *f, const char *prefix, size_t plen,
    char *buf, size_t cap)
{
	size_t n = 0;
	if (f->torn)
		buf[n++] = '\n';
	if (plen > cap / 2)
		plen = cap / 2;
	memcpy(buf + n, prefix, plen);
	n += plen;
	int r = snprintf(buf + n, cap - n, "psup: %lld line%s lost: %s\n", f->lost,
	    f->lost == 1 ? "" : "s", strerror(f->lost_errno));
	if (r < 0 || (size_t)r >= cap - n) {
		buf[cap - 1] = '\n';
		return cap;
	}
	return n + (size_t)r;
}

long long logfile_write(struct logfile *f, const struct iovec *iov, int n,
    const char *prefix, size_t plen, const char **what)
{
	struct iovec v[LOGFILE_IOV + 1];
	char note[LOSS_LINE_MAX];
	size_t done = 0; /* bytes of the batch in the file, whole lines */
	for (int attempt = 0; attempt < 2; attempt++) {
		if (attempt > 0)
			logfile_close(f);
		if (logfile_open(f, NULL) < 0) {
			f->lost_errno = errno;
			*what = "cannot open";
			continue;
		}
		torn_cut(f);
		size_t notelen = 0;
		int k = 0;
		if (f->lost > 0) {
			notelen = loss_line(f, prefix, plen, note, sizeof note);
			v[k].iov_base = note;
			v[k++].iov_len = notelen;
		}
		k += iov_slice(v + k, iov, n, done);
		struct iovec all[LOGFILE_IOV + 1];
		memcpy(all, v, sizeof v[0] * (size_t)k);
		size_t want = 0;
		for (int i = 0; i < k; i++)
			want += v[i].iov_len;
		size_t w = writev_all(f->fd, v, k);
		if (w == want) {
			f->size += (long long)w;
			f->lost = 0;
			f->torn = 0;
			return 0;
		}
		f->lost_errno = errno;
		*what = "cannot write";
		size_t keep = logfile_whole(all, k, w);
		if (notelen && keep > 0)
			f->torn = 0; /* its first newline ended the torn part */
		if (notelen && keep >= notelen) {
			f->lost = 0;
			done += keep - notelen;
		} else if (!notelen) {
			done += keep;
		}
		f->size += (long long)keep;
		torn_note(f, w, keep);
	}
	long long lost = logfile_lines(iov, n, done);
	f->lost += lost;
	return lost;
}
