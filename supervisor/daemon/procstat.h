/* CPU time and memory of whole process groups: each app's group read from
 * its keeper down (proctree.h), so `list` costs what psup runs, not what
 * the machine runs; one pass over /proc only where the kernel has no
 * children files. */
#ifndef PSUP_PROCSTAT_H
#define PSUP_PROCSTAT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "proctree.h"

struct procstat_group {
	pid_t pgid;             /* in: the group to measure */
	int nprocs;             /* out: live members found (0: the group is gone) */
	long long ticks;        /* out: summed CPU time */
	long long child_ticks;  /* out: summed CPU time of the members' reaped children */
	long long rss_bytes;    /* out: summed resident memory */
	long long starttime;    /* out: earliest member start, ticks after boot */
};

/* Fills the entries of g[0..n) that have a pgid and a keeper (keepers[i]
 * > 0; the others are left as they are) from the subtree of keepers[i],
 * the keeper of g[i]'s app: every process of an app descends from its
 * keeper. The files read stay open for the next call (procfds.h), up to
 * fd_budget descriptors; PROCSTAT_FDS_PER_APP per app keep every app's.
 * With a budget too small for that, each call opens what it reads, or
 * makes one pass over /proc where that reads fewer files (psup is most of
 * what runs), as it does when the kernel has no children files. Returns
 * 0, or -1 with *cause set. */
#define PROCSTAT_FDS_PER_APP 4
int procstat_measure(struct procstat_group *g, const pid_t *keepers, int n, int fd_budget,
    char **cause);

/* How procstat_measure() finds an app's processes: "keeper subtree", or
 * "/proc scan" once it found the kernel has no children files (the keeper
 * makes the same choice on the same kernel). */
const char *procstat_mechanism(void);

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
	pid_t total_pgid;       /* procstat_cpu_ms(): the run its total is of */
	int64_t total_run;
	long long total_ms;
	struct procstat_group last;     /* the last measurement ... */
	int64_t last_at_ms;             /* ... and when it was taken (monotonic) */
};

/* How long a measurement answers `list` again: a monitor polling many
 * apps, or several clients at once, reads /proc once per window. */
#define PROCSTAT_CACHE_MS 250
double procstat_cpu_percent(struct procstat_sample *prev, const struct procstat_group *g,
    int64_t now_mono_ms);

/* A group's CPU time so far in ms: its live members' and their reaped
 * children's (a child that exited counts on in its parent's cutime). prev
 * (as for procstat_cpu_percent) keeps the answer for the run (g's pgid and
 * run, such as the start time of the app's process): the next answer for
 * that run is never less, since a member reaped from outside the group (an
 * orphan its keeper reaps) takes its time with it. Another run starts from
 * its own figure. Returns 0 for a group with no members. */
long long procstat_cpu_ms(struct procstat_sample *prev, const struct procstat_group *g, int64_t run);

#endif
