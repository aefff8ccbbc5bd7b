/* Process-group CPU and memory from /proc/PID/stat: one directory pass per
 * scan, one read per process, groups found by binary search. */
#include "procstat.h"
#include "xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
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

int procstat_parse(const char *buf, size_t len, struct procstat_proc *out)
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
	 * 22 starttime, 24 rss */
	long long f[25] = { 0 };
	for (int i = 4; i <= 24; i++) {
		if (i == 4 || i == 5 || i == 14 || i == 15 || i == 22 || i == 24) {
			if (parse_ll(&p, end, &f[i]) < 0)
				return -1;
		} else if (skip_field(&p, end) < 0) {
			return -1;
		}
	}
	out->pgrp = (pid_t)f[5];
	out->ticks = f[14] + f[15];
	out->starttime = f[22];
	out->rss_pages = f[24] > 0 ? f[24] : 0;
	return 0;
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
	return x < y ? -1 : x > y;
}

static int cmp_group(const void *a, const void *b)
{
	pid_t x = (*(struct procstat_group *const *)a)->pgid;
	pid_t y = (*(struct procstat_group *const *)b)->pgid;
	return x < y ? -1 : x > y;
}

static int cmp_key(const void *key, const void *elt)
{
	pid_t x = *(const pid_t *)key;
	pid_t y = (*(struct procstat_group *const *)elt)->pgid;
	return x < y ? -1 : x > y;
}

int procstat_scan(struct procstat_group *g, int n, const pid_t *skip, int nskip, char **cause)
{
	struct procstat_group **idx = xcalloc((size_t)(n > 0 ? n : 1), sizeof *idx);
	int m = 0;
	for (int i = 0; i < n; i++) {
		g[i].nprocs = 0;
		g[i].ticks = g[i].rss_bytes = 0;
		g[i].starttime = 0;
		if (g[i].pgid > 0)
			idx[m++] = &g[i];
	}
	if (m == 0) {
		free(idx);
		return 0;
	}
	qsort(idx, (size_t)m, sizeof *idx, cmp_group);

	DIR *d = opendir("/proc");
	if (!d) {
		free(idx);
		return fail(cause, "cannot read /proc: %s", strerror(errno));
	}
	int dfd = dirfd(d);
	long page = sysconf(_SC_PAGESIZE);
	struct dirent *de;
	while ((de = readdir(d))) {
		const char *name = de->d_name;
		if (name[0] < '1' || name[0] > '9')
			continue;
		if (nskip > 0) {
			pid_t pid = (pid_t)strtol(name, NULL, 10);
			if (bsearch(&pid, skip, (size_t)nskip, sizeof *skip, cmp_pid))
				continue;
		}
		char path[48];
		size_t nl = strnlen(name, 20);
		if (nl >= 20)
			continue;
		memcpy(path, name, nl);
		memcpy(path + nl, "/stat", 6);
		int fd = openat(dfd, path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;       /* gone since readdir */
		char buf[1024];
		ssize_t r = read(fd, buf, sizeof buf);
		close(fd);
		struct procstat_proc p;
		/* zombies hold no memory and run no more: not live members */
		if (r <= 0 || procstat_parse(buf, (size_t)r, &p) < 0 || p.state == 'Z')
			continue;
		struct procstat_group **hit = bsearch(&p.pgrp, idx, (size_t)m, sizeof *idx, cmp_key);
		if (!hit)
			continue;
		struct procstat_group *grp = *hit;
		grp->nprocs++;
		grp->ticks += p.ticks;
		grp->rss_bytes += p.rss_pages * page;
		if (!grp->starttime || p.starttime < grp->starttime)
			grp->starttime = p.starttime;
	}
	closedir(d);
	free(idx);
	return 0;
}

double procstat_cpu_percent(struct procstat_sample *prev, const struct procstat_group *g,
    int64_t now_mono_ms)
{
	static long hz;
	if (!hz)
		hz = sysconf(_SC_CLK_TCK) > 0 ? sysconf(_SC_CLK_TCK) : 100;
	if (g->nprocs == 0)
		return 0;
	double pct;
	int64_t dt = now_mono_ms - prev->at_ms;
	if (prev->pgid == g->pgid && prev->at_ms > 0 && dt >= 0 && dt <= 60000 &&
	    g->ticks >= prev->ticks) {
		/* A window much shorter than a few ticks only measures tick
		 * granularity: answer the last figure and keep the older sample. */
		if (dt < 250)
			return prev->last_pct;
		pct = (double)(g->ticks - prev->ticks) * 100000.0 / (double)hz / (double)dt;
	} else {
		struct timespec ts;
		clock_gettime(CLOCK_BOOTTIME, &ts);
		double boot_ticks = ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9) * (double)hz;
		double age = boot_ticks - (double)g->starttime;
		pct = age > 0 ? (double)g->ticks * 100.0 / age : 0;
	}
	if (pct < 0)
		pct = 0;
	prev->pgid = g->pgid;
	prev->ticks = g->ticks;
	prev->at_ms = now_mono_ms;
	prev->last_pct = pct;
	return pct;
}
