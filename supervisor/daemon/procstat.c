/* Process-group CPU and memory from /proc/PID/stat: walked from each
 * app's keeper down, or (a kernel without children files) one directory
 * pass with groups found by binary search. */
#include "procstat.h"
#include "clock.h"
#include "procfds.h"
#include "xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <time.h>
#include <unistd.h>

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

static void group_add(struct procstat_group *grp, const struct procfs_stat *p, long page)
{
	grp->nprocs++;
	grp->ticks += p->ticks;
	grp->child_ticks += p->child_ticks;
	grp->rss_bytes += p->rss_pages * page;
	if (!grp->starttime || p->starttime < grp->starttime)
		grp->starttime = p->starttime;
}

int procstat_scan(struct procstat_group *g, int n, const pid_t *skip, int nskip, char **cause)
{
	struct procstat_group **idx = xcalloc((size_t)(n > 0 ? n : 1), sizeof *idx);
	int m = 0;
	for (int i = 0; i < n; i++) {
		g[i].nprocs = 0;
		g[i].ticks = g[i].child_ticks = g[i].rss_bytes = 0;
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
	long page = sysconf(_SC_PAGESIZE);
	struct dirent *de;
	while ((de = readdir(d))) {
		const char *name = de->d_name;
		if (name[0] < '1' || name[0] > '9')
			continue;
		pid_t pid = (pid_t)strtol(name, NULL, 10);
		if (nskip > 0 && bsearch(&pid, skip, (size_t)nskip, sizeof *skip, cmp_pid))
			continue;
		struct procfs_stat p;
		/* the dead hold no memory and run no more: not live members */
		if (procfs_stat_read(pid, &p) < 0 || procfs_state_dead(p.state))
			continue;
		struct procstat_group **hit = bsearch(&p.pgrp, idx, (size_t)m, sizeof *idx, cmp_key);
		if (!hit)
			continue;
		group_add(*hit, &p, page);
	}
	closedir(d);
	free(idx);
	return 0;
}

static int member_cb(const struct procfs_stat *p, void *arg)
{
	struct procstat_group *grp = arg;
	if (p->pgrp == grp->pgid)
		group_add(grp, p, sysconf(_SC_PAGESIZE));
	return 0;
}

static int no_children_files;

const char *procstat_mechanism(void)
{
	return no_children_files ? "/proc scan" : "keeper subtree";
}

/* Files a walk by path opens per app (its keeper's children, its stat and
 * its children). Where psup is most of what runs, one pass over /proc
 * opens fewer: without the descriptors to keep them open, measure() takes
 * whichever opens less. */
#define WALK_FILES_PER_APP 3

/* One pass over /proc for the entries of g with a keeper, keepers skipped;
 * the others are left as they are. */
static int scan_keepers(struct procstat_group *g, const pid_t *keepers, int n, char **cause)
{
	struct procstat_group *sub = xcalloc((size_t)n, sizeof *sub);
	pid_t *skip = xcalloc((size_t)n + 1, sizeof *skip);
	int m = 0, nskip = 0;
	skip[nskip++] = getpid();
	for (int i = 0; i < n; i++)
		if (g[i].pgid > 0 && keepers[i] > 0) {
			sub[m++].pgid = g[i].pgid;
			skip[nskip++] = keepers[i];
		}
	qsort(skip, (size_t)nskip, sizeof *skip, cmp_pid);
	int r = procstat_scan(sub, m, skip, nskip, cause);
	for (int i = 0, j = 0; i < n; i++)
		if (g[i].pgid > 0 && keepers[i] > 0)
			g[i] = sub[j++];
	free(sub);
	free(skip);
	return r;
}

/* The files of the last walks, kept for the next (the daemon is one
 * thread, one per home). */
static struct procfds kept;

/* Walks the subtree of each keeper, through kept files or by path. */
static int walk_keepers(struct procstat_group *g, const pid_t *keepers, int n,
    const struct proctree_src *src, char **cause)
{
	for (int i = 0; i < n; i++) {
		if (g[i].pgid <= 0 || keepers[i] <= 0)
			continue;
		g[i].nprocs = 0;
		g[i].ticks = g[i].child_ticks = g[i].rss_bytes = g[i].starttime = 0;
		procfds_root(&kept, keepers[i]);
		if ((src ? proctree_walk_src(src, keepers[i], member_cb, &g[i]) :
		    proctree_walk(keepers[i], member_cb, &g[i])) == 0)
			continue;
		if (errno == ENOENT) {
			/* the keeper lives but has no children file: the kernel
			 * has none (a gone keeper's app shows as not running) */
			if (kill(keepers[i], 0) == 0) {
				no_children_files = 1;
				return scan_keepers(g, keepers, n, cause);
			}
			continue;
		}
		return fail(cause, "cannot read the processes under keeper %ld: %s",
		    (long)keepers[i], strerror(errno));
	}
	return 0;
}

int procstat_measure(struct procstat_group *g, const pid_t *keepers, int n, int fd_budget,
    char **cause)
{
	int nwalk = 0;
	for (int i = 0; i < n; i++)
		if (g[i].pgid > 0 && keepers[i] > 0)
			nwalk++;
	if (!nwalk)
		return 0;
	procfds_begin(&kept, fd_budget, clock_mono_ms());
	int r;
	struct sysinfo si;
	if (no_children_files) {
		r = scan_keepers(g, keepers, n, cause);
	} else if (fd_budget >= nwalk * PROCSTAT_FDS_PER_APP) {
		struct proctree_src src;
		procfds_src(&kept, &src);
		r = walk_keepers(g, keepers, n, &src, cause);
	} else if (sysinfo(&si) == 0 &&
	    (long long)si.procs < (long long)nwalk * (WALK_FILES_PER_APP + 1)) {
		r = scan_keepers(g, keepers, n, cause);
	} else {
		r = walk_keepers(g, keepers, n, NULL, cause);
	}
	procfds_end(&kept);
	return r;
}

static long clock_hz(void)
{
	static long hz;
	if (!hz)
		hz = sysconf(_SC_CLK_TCK) > 0 ? sysconf(_SC_CLK_TCK) : 100;
	return hz;
}

double procstat_cpu_percent(struct procstat_sample *prev, const struct procstat_group *g,
    int64_t now_mono_ms)
{
	long hz = clock_hz();
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

long long procstat_cpu_ms(struct procstat_sample *prev, const struct procstat_group *g, int64_t run)
{
	if (g->nprocs == 0)
		return 0;
	long long ms = (g->ticks + g->child_ticks) * 1000 / clock_hz();
	if (prev->total_pgid == g->pgid && prev->total_run == run && ms < prev->total_ms)
		return prev->total_ms;
	prev->total_pgid = g->pgid;
	prev->total_run = run;
	prev->total_ms = ms;
	return ms;
}
