/* /proc files of psup's own processes kept open from one `list` to the next
 * (procfds.c), so that measuring an app costs a few reads and no path
 * lookups: each process's stat and children files, opened together and
 * read again from their start (procfs_pread). A kept file is bound to the
 * process it was opened for, never to a later holder of its pid: once that
 * process is reaped, its stat reads fail with ESRCH and the pair is opened
 * afresh for whoever now holds the pid (the walk just found that pid in its
 * parent's children file). */
#ifndef PSUP_PROCFDS_H
#define PSUP_PROCFDS_H

#include <stdint.h>
#include <sys/types.h>

#include "proctree.h"

struct procfds_entry;

struct procfds {
	struct procfds_entry *e;        /* open addressing on pid, cap a power of 2 */
	int cap, n;
	int nfds;                       /* descriptors held */
	int budget;                     /* at most this many held: past it, files
	                                 * are opened for one read and closed */
	unsigned pass;
	int64_t now_ms;
	pid_t root;                     /* the subtree being read (procfds_root) */
};

/* How long the files of a process not read (in a subtree not walked, such
 * as another app's when only one is described) stay open. */
#define PROCFDS_IDLE_MS 60000

/* Starts a pass of reads at now_ms (monotonic), keeping at most budget
 * descriptors open. t starts zeroed. */
void procfds_begin(struct procfds *t, int budget, int64_t now_ms);
/* The reads that follow are of root's subtree (a keeper's). */
void procfds_root(struct procfds *t, pid_t root);
/* Ends a pass: closes the files of processes that have left a subtree
 * walked during it, those not read for PROCFDS_IDLE_MS, and those past the
 * budget. */
void procfds_end(struct procfds *t);
/* Closes every file and frees the table (t is left zeroed). */
void procfds_free(struct procfds *t);
/* A walk source (proctree.h) reading through t's files. */
void procfds_src(struct procfds *t, struct proctree_src *src);

#endif
