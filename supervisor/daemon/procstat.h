/* CPU time and memory of whole process groups, from one pass over /proc
 * reading only /proc/PID/stat (cheap enough for `list` with 100 apps). */
#ifndef PSUP_PROCSTAT_H
#define PSUP_PROCSTAT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The fields psup uses from one /proc/PID/stat line. */
struct procstat_proc {
	pid_t pid;
	pid_t pgrp;
	char state;
	long long ticks;        /* utime + stime, clock ticks */
	long long starttime;    /* clock ticks after boot */
	long long rss_pages;
};

/* Parses a /proc/PID/stat line (comm may hold spaces and parentheses).
 * Returns 0, or -1 for a malformed line. Pure. */
int procstat_parse(const char *buf, size_t len, struct procstat_proc *p);

struct procstat_group {
	pid_t pgid;             /* in: the group to measure */
	int nprocs;             /* out: live members found (0: the group is gone) */
	long long ticks;        /* out: summed CPU time */
	long long rss_bytes;    /* out: summed resident memory */
	long long starttime;    /* out: earliest member start, ticks after boot */
};

/* One scan of /proc filling g[0..n) (pgid set by the caller; entries with
 * pgid <= 0 are left empty). The nskip pids in skip[] (sorted ascending;
 * known not to be members, like the keepers) are not read. Returns 0, or -1
 * with *cause set when /proc cannot be read. */
int procstat_scan(struct procstat_group *g, int n, const pid_t *skip, int nskip, char **cause);

/* CPU use of a group as a percent of one core. prev holds the previous
 * sample for that group (zeroed when none) and is updated. Without a usable
 * previous sample (none, another group, or older than a minute) the average
 * over the group's lifetime is used; within 250 ms of the last sample the
 * last figure is returned. */
struct procstat_sample {
	pid_t pgid;
	long long ticks;
	int64_t at_ms;          /* monotonic */
	double last_pct;
};
double procstat_cpu_percent(struct procstat_sample *prev, const struct procstat_group *g,
    int64_t now_mono_ms);

#endif
