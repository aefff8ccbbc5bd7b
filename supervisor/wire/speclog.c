/* The home's spec file: records appended, read back with the last of each
 * name winning (speclog.h). */
#include "speclog.h"
#include "atomicfile.h"
#include "buf.h"
#include "hash.h"
#include "spec.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#define MAGIC SPECLOG_MAGIC
#define HEAD_MAX 80                 /* "P 4096 1048576 <16 hex>\n" fits */

/* ---- reading ---- */

struct raw {
	struct speclog_rec r;
	size_t seq;
	int put;
};

/* The record at p (avail bytes to the end): 0 with *out filled, or -1
 * when it is cut short or not a record. */
static int parse_rec(const char *p, size_t avail, struct raw *out)
{
	const char *nl = memchr(p, '\n', avail < HEAD_MAX ? avail : HEAD_MAX);
	if (!nl)
		return -1;
	char head[HEAD_MAX + 1];
	size_t hl = (size_t)(nl - p);
	memcpy(head, p, hl);
	head[hl] = '\0';
	char kind, end;
	unsigned long long nlen, slen, want;
	if (sscanf(head, "%c %llu %llu %16llx%c", &kind, &nlen, &slen, &want, &end) != 4 ||
	    (kind != 'P' && kind != 'D') || nlen == 0 || nlen > SPECLOG_NAME_MAX ||
	    slen > SPEC_PACKED_MAX || (kind == 'D' && slen != 0))
		return -1;
	size_t bytes = hl + 1 + (size_t)nlen + (size_t)slen + 1;
	if (bytes > avail || p[bytes - 1] != '\n')
		return -1;
	const char *name = nl + 1;
	if (memchr(name, '\0', (size_t)nlen) || memchr(name, '\n', (size_t)nlen))
		return -1;
	uint64_t h = hash_fnv1a(HASH_FNV1A_INIT, name, (size_t)nlen + (size_t)slen);
	if (h != want)
		return -1;
	out->r = (struct speclog_rec){ .name = name, .name_len = (size_t)nlen,
		.spec = name + nlen, .spec_len = (size_t)slen, .bytes = bytes };
	out->put = kind == 'P';
	return 0;
}

static int by_name(const struct raw *a, const struct raw *b)
{
	size_t n = a->r.name_len < b->r.name_len ? a->r.name_len : b->r.name_len;
	int c = memcmp(a->r.name, b->r.name, n);
	if (c || a->r.name_len == b->r.name_len)
		return c;
	return a->r.name_len < b->r.name_len ? -1 : 1;
}

static int by_name_then_seq(const void *x, const void *y)
{
	const struct raw *a = x, *b = y;
	int c = by_name(a, b);
	if (c)
		return c;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static int by_seq(const void *x, const void *y)
{
	const struct raw *a = x, *b = y;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

int speclog_read(const char *path, size_t max, struct speclog_set *set, char **cause)
{
	memset(set, 0, sizeof *set);
	char *buf = NULL;
	size_t len = 0;
	if (atomicfile_read(path, max, &buf, &len, cause) < 0)
		return -1;
	return speclog_parse(buf, len, path, set, cause);
}

int speclog_parse(char *buf, size_t len, const char *path, struct speclog_set *set,
    char **cause)
{
	memset(set, 0, sizeof *set);
	set->buf = buf;
	size_t ml = strlen(MAGIC);
	if (len < ml && memcmp(set->buf, MAGIC, len) == 0) {
		/* made, and cut before its first line was whole: empty */
		set->torn = len;
		set->recs = xcalloc(1, sizeof *set->recs);
		return 0;
	}
	if (len < ml || memcmp(set->buf, MAGIC, ml) != 0) {
		speclog_set_free(set);
		fail(cause, "%s is not a psup spec file (its first line is not \"%.*s\")", path,
		    (int)ml - 1, MAGIC);
		errno = EINVAL;
		return -1;
	}
	struct raw *raws = NULL;
	size_t n = 0, cap = 0, off = ml;
	while (off < len) {
		struct raw r;
		if (parse_rec(set->buf + off, len - off, &r) < 0) {
			set->torn = len - off;
			set->torn_at = off;
			break;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			raws = xreallocarray(raws, cap, sizeof *raws);
		}
		r.seq = n;
		raws[n++] = r;
		off += r.r.bytes;
	}
	/* the last record of each name decides; everything before it is dead */
	if (n)
		qsort(raws, n, sizeof *raws, by_name_then_seq);
	size_t live = 0;
	for (size_t i = 0; i < n; i++) {
		int last = i + 1 == n || by_name(&raws[i], &raws[i + 1]) != 0;
		if (last && raws[i].put)
			raws[live++] = raws[i];
		else
			set->dead += raws[i].r.bytes;
	}
	if (live)
		qsort(raws, live, sizeof *raws, by_seq);
	set->recs = xcalloc(live ? live : 1, sizeof *set->recs);
	for (size_t i = 0; i < live; i++)
		set->recs[i] = raws[i].r;
	set->n = live;
	free(raws);
	return 0;
}

void speclog_set_free(struct speclog_set *set)
{
	free(set->buf);
	free(set->recs);
	memset(set, 0, sizeof *set);
}

/* ---- writing ---- */

/* The header of a record, in head (HEAD_MAX + 1 bytes). Returns its length. */
static size_t head_format(char *head, int put, const char *name, size_t name_len,
    const char *spec, size_t spec_len)
{
	uint64_t h = hash_fnv1a(HASH_FNV1A_INIT, name, name_len);
	h = hash_fnv1a(h, spec, spec_len);
	int n = snprintf(head, HEAD_MAX + 1, "%c %zu %zu %016llx\n", put ? 'P' : 'D', name_len,
	    spec_len, (unsigned long long)h);
	return (size_t)n;
}

/* Appends iov[0..n) as one write; a partial one is cut off again. */
static long append(struct speclog *l, struct iovec *iov, int n, char **cause)
{
	size_t total = 0;
	for (int i = 0; i < n; i++)
		total += iov[i].iov_len;
	ssize_t w;
	do
		w = writev(l->fd, iov, n);
	while (w < 0 && errno == EINTR);
	if (w == (ssize_t)total) {
		l->size += (off_t)total;
		return (long)total;
	}
	if (w < 0)
		return fail(cause, "cannot write %s: %s", l->path, strerror(errno));
	if (ftruncate(l->fd, l->size) < 0)
		return fail(cause, "cannot write %s: %zd of %zu bytes written, and the part "
		    "cannot be cut off again: %s", l->path, w, total, strerror(errno));
	return fail(cause, "cannot write %s: %zd of %zu bytes written (a full disk or a "
	    "file size limit)", l->path, w, total);
}

int speclog_open(struct speclog *l, const char *path, char **cause)
{
	l->fd = -1;
	l->size = 0;
	l->path = xstrdup(path);
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return fail(cause, "cannot open %s: %s", path, strerror(e));
	}
	l->fd = fd;
	l->size = st.st_size;
	if (st.st_size > 0)
		return 0;
	struct iovec iov = { (void *)MAGIC, strlen(MAGIC) };
	return append(l, &iov, 1, cause) < 0 ? -1 : 0;
}

void speclog_close(struct speclog *l)
{
	if (l->fd >= 0)
		close(l->fd);
	free(l->path);
	l->fd = -1;
	l->path = NULL;
	l->size = 0;
}

static long put_rec(struct speclog *l, int put, const char *name, const char *spec,
    size_t spec_len, char **cause)
{
	size_t nl = strlen(name);
	if (nl == 0 || nl > SPECLOG_NAME_MAX || spec_len > SPEC_PACKED_MAX)
		return fail(cause, "cannot write %s: the name or spec of %.64s is too long",
		    l->path, name);
	char head[HEAD_MAX + 1];
	struct iovec iov[4] = {
		{ head, head_format(head, put, name, nl, spec, spec_len) },
		{ (void *)name, nl }, { (void *)spec, spec_len }, { (void *)"\n", 1 },
	};
	return append(l, iov, 4, cause);
}

long speclog_put(struct speclog *l, const char *name, const char *spec, size_t spec_len,
    char **cause)
{
	return put_rec(l, 1, name, spec, spec_len, cause);
}

long speclog_drop(struct speclog *l, const char *name, char **cause)
{
	return put_rec(l, 0, name, "", 0, cause);
}

int speclog_rewrite(struct speclog *l, const char *path, struct speclog_rec *recs, size_t n,
    char **cause)
{
	struct buf b = { 0 };
	buf_add(&b, MAGIC, strlen(MAGIC));
	for (size_t i = 0; i < n; i++) {
		char head[HEAD_MAX + 1];
		size_t hl = head_format(head, 1, recs[i].name, recs[i].name_len, recs[i].spec,
		    recs[i].spec_len);
		buf_add(&b, head, hl);
		buf_add(&b, recs[i].name, recs[i].name_len);
		buf_add(&b, recs[i].spec, recs[i].spec_len);
		buf_addc(&b, '\n');
		recs[i].bytes = hl + recs[i].name_len + recs[i].spec_len + 1;
	}
	int r = atomicfile_write(path, b.p, b.len, 0600, 1, cause);
	buf_free(&b);
	if (r < 0)
		return -1;
	char *p = xstrdup(path);
	speclog_close(l);
	r = speclog_open(l, p, cause);
	free(p);
	return r;
}
