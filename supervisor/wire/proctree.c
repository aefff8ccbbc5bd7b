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

static int parse_ll(const char **pp, const char *end, long long *v)
{
	const char *p = *pp;
	while (p < end && *p == ' ')
		p++;
	int neg = 0;
	if (p < end && *p == '-') {
		neg = 1;
		p++;
	}
	if (p >= end || *p < '0' || *p > '9')
		return -1;
	long long x = 0;
	while (p < end && *p >= '0' && *p <= '9') {
		if (x > (0x7fffffffffffffffLL - 9) / 10)
			return -1;
		x = x * 10 + (*p - '0');
		p++;
	}
	*v = neg ? -x : x;
	*pp = p;
	return 0;
}

static int skip_field(const char **pp, const char *end)
{
	const char *p = *pp;
	while (p < end && *p == ' ')
		p++;
	if (p >= end)
		return -1;
	while (p < end && *p != ' ')
		p++;
	*pp = p;
	return 0;
}

int proctree_parse_stat(const char *buf, size_t len, struct proctree_proc *out)
{
	const char *end = buf + len, *p = buf;
	long long v;
	memset(out, 0, sizeof *out);
	if (parse_ll(&p, end, &v) < 0 || v <= 0)
		return -1;
	out->pid = (pid_t)v;
	/* comm is "(...)" and may itself hold ") ": the last ')' ends it */
	const char *rp = NULL;
	for (const char *q = end; q > p; q--)
		if (q[-1] == ')') {
			rp = q - 1;
			break;
		}
	if (!rp)
		return -1;
	p = rp + 1;
	while (p < end && *p == ' ')
		p++;
	if (p >= end)
		return -1;
	out->state = *p++;
	/* fields numbered as in proc(5): 4 ppid, 5 pgrp, 14 utime, 15 stime,
	 * 16 cutime, 17 cstime, 20 num_threads, 22 starttime, 24 rss */
	long long f[25] = { 0 };
	for (int i = 4; i <= 24; i++) {
		if (i == 4 || i == 5 || (i >= 14 && i <= 17) || i == 20 || i == 22 || i == 24) {
			if (parse_ll(&p, end, &f[i]) < 0)
				return -1;
		} else if (skip_field(&p, end) < 0) {
			return -1;
		}
	}
	out->ppid = (pid_t)f[4];
	out->pgrp = (pid_t)f[5];
	out->ticks = f[14] + f[15];
	out->child_ticks = f[16] + f[17] > 0 ? f[16] + f[17] : 0;
	out->threads = f[20] > 0 && f[20] < 1 << 30 ? (int)f[20] : 1;
	out->starttime = f[22];
	out->rss_pages = f[24] > 0 ? f[24] : 0;
	return 0;
}

int proctree_parse_children(const char *buf, size_t len, pid_t *out, int max)
{
	const char *p = buf, *end = buf + len;
	int n = 0;
	for (;;) {
		while (p < end && (*p == ' ' || *p == '\n'))
			p++;
		if (p >= end)
			return n;
		long long v;
		if (*p == '-' || parse_ll(&p, end, &v) < 0 || v <= 0 || v > 0x7fffffff)
			return -1;
		if (p < end && *p != ' ' && *p != '\n')
			return -1;
		if (n < max)
			out[n] = (pid_t)v;
		n++;
	}
}

/* The whole of a small /proc file into *buf (grown as needed). Returns its
 * length, -1 with errno. */
static ssize_t read_all(const char *path, char **buf, size_t *cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	size_t len = 0;
	for (;;) {
		if (len + 1 >= *cap) {
			size_t ncap = *cap ? *cap * 2 : 4096;
			char *nb = realloc(*buf, ncap);
			if (!nb) {
				close(fd);
				errno = ENOMEM;
				return -1;
			}
			*buf = nb;
			*cap = ncap;
		}
		ssize_t r = read(fd, *buf + len, *cap - len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			close(fd);
			errno = e;
			return -1;
		}
		if (r == 0)
			break;
		len += (size_t)r;
		/* a /proc file comes whole in one read that leaves room: no
		 * second read to see its end */
		if (len + 1 < *cap)
			break;
	}
	close(fd);
	(*buf)[len] = '\0';
	return (ssize_t)len;
}

struct walk {
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
	char path[80];
	snprintf(path, sizeof path, "/proc/%ld/task/%ld/children", (long)pid, (long)tid);
	ssize_t len = read_all(path, &w->buf, &w->bufcap);
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
		if (r < 0 && errno == ENOENT)
			r = 0;      /* the thread ended since readdir */
	}
	int e = errno;
	closedir(d);
	errno = e;
	return r;
}

int proctree_walk(pid_t root, int (*fn)(const struct proctree_proc *p, void *arg), void *arg)
{
	struct walk w = { 0 };
	int rc = add_all_children(&w, root, 1);
	for (int i = 0; rc == 0 && i < w.n; i++) {
		char path[48];
		snprintf(path, sizeof path, "/proc/%ld/stat", (long)w.q[i]);
		struct proctree_proc p;
		ssize_t len = read_all(path, &w.buf, &w.bufcap);
		if (len < 0) {
			if (errno == ENOENT || errno == ESRCH)
				continue;       /* gone since its parent was read */
			rc = -1;
			break;
		}
		if (proctree_parse_stat(w.buf, (size_t)len, &p) < 0 || p.state == 'Z' ||
		    p.state == 'X')
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
