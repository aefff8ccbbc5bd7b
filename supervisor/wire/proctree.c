/* An app's processes from its keeper down, through
 * /proc/PID/task/TID/children, never a pass over all of /proc. */
#include "proctree.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int proctree_parse_children(const char *buf, size_t len, pid_t *out, int max)
{
	const char *p = buf, *end = buf + len;
	int n = 0;
	for (;;) {
		while (p < end && (*p == ' ' || *p == '\n'))
			p++;
		if (p >= end)
			return n;
		const char *digits = p;
		long long v = 0;
		while (p < end && *p >= '0' && *p <= '9' && v <= 0x7fffffff)
			v = v * 10 + (*p++ - '0');
		if (p == digits || v <= 0 || v > 0x7fffffff)
			return -1;
		if (p < end && *p != ' ' && *p != '\n')
			return -1;
		if (n < max)
			out[n] = (pid_t)v;
		n++;
	}
}

ssize_t proctree_read_fd(int fd, char **buf, size_t *cap)
{
	size_t len = 0;
	for (;;) {
		if (len + 1 >= *cap) {
			size_t ncap = *cap ? *cap * 2 : 4096;
			char *nb = realloc(*buf, ncap);
			if (!nb) {
				errno = ENOMEM;
				return -1;
			}
			*buf = nb;
			*cap = ncap;
		}
		ssize_t r;
		while ((r = pread(fd, *buf + len, *cap - len - 1, (off_t)len)) < 0 && errno == EINTR)
			;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		len += (size_t)r;
		/* a /proc file comes whole in one read that leaves room: no
		 * second read to see its end */
		if (len + 1 < *cap)
			break;
	}
	(*buf)[len] = '\0';
	return (ssize_t)len;
}

static int path_stat(void *ctx, pid_t pid, struct procfs_stat *out)
{
	(void)ctx;
	return procfs_stat_read(pid, out);
}

ssize_t proctree_children(pid_t pid, pid_t tid, char **buf, size_t *cap)
{
	char path[80];
	snprintf(path, sizeof path, "/proc/%ld/task/%ld/children", (long)pid, (long)tid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t len = fd < 0 ? -1 : proctree_read_fd(fd, buf, cap);
	if (fd >= 0) {
		int e = errno;
		close(fd);
		errno = e;
	}
	return len;
}

static ssize_t path_children(void *ctx, pid_t pid, pid_t tid, char **buf, size_t *cap)
{
	(void)ctx;
	return proctree_children(pid, tid, buf, cap);
}

struct walk {
	const struct proctree_src *src;
	pid_t *q;               /* pids found, walked in order */
	int n, cap, over;
	char *buf;
	size_t bufcap;
};

static int push(struct walk *w, pid_t pid)
{
	if (w->n >= PROCTREE_MAX) {
		w->over = 1;
		return 0;
	}
	if (w->n == w->cap) {
		int ncap = w->cap ? w->cap * 2 : 64;
		pid_t *nq = realloc(w->q, (size_t)ncap * sizeof *nq);
		if (!nq) {
			errno = ENOMEM;
			return -1;
		}
		w->q = nq;
		w->cap = ncap;
	}
	w->q[w->n++] = pid;
	return 0;
}

/* Adds the children of thread tid of pid to the walk. */
static int add_children(struct walk *w, pid_t pid, pid_t tid)
{
	ssize_t len = w->src->children(w->src->ctx, pid, tid, &w->buf, &w->bufcap);
	if (len < 0)
		return -1;
	const char *p = w->buf, *end = w->buf + len;
	while (p < end) {
		char *e;
		long v = strtol(p, &e, 10);
		if (e == p)
			break;
		if (v > 0 && push(w, (pid_t)v) < 0)
			return -1;
		p = e;
	}
	return 0;
}

/* Adds the children of every thread of pid: one file when it has one
 * thread, else one per thread. */
static int add_all_children(struct walk *w, pid_t pid, int threads)
{
	if (threads == 1)
		return add_children(w, pid, pid);
	char path[64];
	snprintf(path, sizeof path, "/proc/%ld/task", (long)pid);
	DIR *d = opendir(path);
	if (!d)
		return -1;
	struct dirent *de;
	int r = 0;
	while (r == 0 && (de = readdir(d)) != NULL) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		r = add_children(w, pid, (pid_t)strtol(de->d_name, NULL, 10));
		if (r < 0 && (errno == ENOENT || errno == ESRCH))
			r = 0;      /* the thread ended since readdir */
	}
	int e = errno;
	closedir(d);
	errno = e;
	return r;
}

int proctree_walk(pid_t root, int (*fn)(const struct procfs_stat *p, void *arg), void *arg)
{
	static const struct proctree_src by_path = { path_stat, path_children, NULL };
	return proctree_walk_src(&by_path, root, fn, arg);
}

int proctree_walk_src(const struct proctree_src *src, pid_t root,
    int (*fn)(const struct procfs_stat *p, void *arg), void *arg)
{
	struct walk w = { .src = src };
	int rc = add_all_children(&w, root, 1);
	for (int i = 0; rc == 0 && i < w.n; i++) {
		struct procfs_stat p;
		if (src->stat(src->ctx, w.q[i], &p) < 0) {
			/* gone since its parent was read, or a line not understood */
			if (errno == ENOENT || errno == ESRCH || errno == EINVAL)
				continue;
			rc = -1;
			break;
		}
		if (procfs_state_dead(p.state))
			continue;
		if ((rc = fn(&p, arg)) != 0)
			break;
		if (add_all_children(&w, p.pid, p.threads) < 0 && errno != ENOENT && errno != ESRCH)
			rc = -1;
	}
	int e = errno;
	free(w.q);
	free(w.buf);
	errno = e;
	return rc;
}
