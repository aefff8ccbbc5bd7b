/* /proc files kept open across lists (procfds.h): a table on pid of each
 * process's stat and children files, swept at the end of every pass. */
#include "procfds.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct procfds_entry {
	pid_t pid;                  /* 0: a free slot */
	int stat_fd, kids_fd;       /* both open, or both -1 (gone) */
	pid_t root;                 /* the subtree it was last read in */
	unsigned pass;              /* the pass it was last read in */
	unsigned stat_pass;         /* the pass its stat was last read in */
	int64_t seen_ms;
	int drop;                   /* procfds_end(): to be closed */
};

static unsigned hash(pid_t pid, int cap)
{
	return ((unsigned)pid * 2654435761u) & (unsigned)(cap - 1);
}

/* The slot of pid, or the free slot where it would go. */
static struct procfds_entry *slot(struct procfds_entry *e, int cap, pid_t pid)
{
	unsigned i = hash(pid, cap);
	while (e[i].pid != 0 && e[i].pid != pid)
		i = (i + 1) & (unsigned)(cap - 1);
	return &e[i];
}

static struct procfds_entry *find(const struct procfds *t, pid_t pid)
{
	if (!t->cap)
		return NULL;
	struct procfds_entry *e = slot(t->e, t->cap, pid);
	return e->pid ? e : NULL;
}

/* Moves the entries not marked drop into a table of cap slots. */
static void rebuild(struct procfds *t, int cap)
{
	struct procfds_entry *ne = xcalloc((size_t)cap, sizeof *ne);
	int n = 0;
	for (int i = 0; i < t->cap; i++)
		if (t->e[i].pid && !t->e[i].drop) {
			*slot(ne, cap, t->e[i].pid) = t->e[i];
			n++;
		}
	free(t->e);
	t->e = ne;
	t->cap = cap;
	t->n = n;
}

static struct procfds_entry *insert(struct procfds *t, pid_t pid)
{
	if ((t->n + 1) * 2 > t->cap)
		rebuild(t, t->cap ? t->cap * 2 : 256);
	struct procfds_entry *e = slot(t->e, t->cap, pid);
	memset(e, 0, sizeof *e);
	e->pid = pid;
	e->stat_fd = e->kids_fd = -1;
	t->n++;
	return e;
}

static void close_fds(struct procfds *t, struct procfds_entry *e, int counted)
{
	if (e->stat_fd < 0)
		return;
	close(e->stat_fd);
	close(e->kids_fd);
	e->stat_fd = e->kids_fd = -1;
	if (counted)
		t->nfds -= 2;
}

/* Opens pid's stat and main-thread children files through one handle on
 * /proc/PID, so that both are of the same process. */
static int open_pair(pid_t pid, int *stat_fd, int *kids_fd)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%ld", (long)pid);
	int dir = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return -1;
	snprintf(path, sizeof path, "task/%ld/children", (long)pid);
	*stat_fd = openat(dir, "stat", O_RDONLY | O_CLOEXEC);
	*kids_fd = *stat_fd < 0 ? -1 : openat(dir, path, O_RDONLY | O_CLOEXEC);
	int e = errno;
	close(dir);
	if (*kids_fd < 0) {
		if (*stat_fd >= 0)
			close(*stat_fd);
		*stat_fd = -1;
		errno = e == ESRCH ? ENOENT : e;
		return -1;
	}
	return 0;
}

/* pid's entry with its files open, or NULL with errno. Past the budget a
 * process seen for the first time gets tmp, whose files the caller closes
 * (put()). *fresh is 1 when the files were opened just now. */
static struct procfds_entry *get(struct procfds *t, pid_t pid, struct procfds_entry *tmp,
    int *fresh)
{
	struct procfds_entry *e = find(t, pid);
	*fresh = !e || e->stat_fd < 0;
	if (*fresh) {
		int sfd, kfd;
		if (open_pair(pid, &sfd, &kfd) < 0)
			return NULL;
		if (!e && t->nfds + 2 > t->budget) {
			memset(tmp, 0, sizeof *tmp);
			e = tmp;
		} else {
			if (!e)
				e = insert(t, pid);
			t->nfds += 2;
		}
		e->pid = pid;
		e->stat_fd = sfd;
		e->kids_fd = kfd;
	}
	e->root = t->root;
	e->pass = t->pass;
	e->seen_ms = t->now_ms;
	return e;
}

static void put(struct procfds *t, struct procfds_entry *e, const struct procfds_entry *tmp)
{
	if (e == tmp)
		close_fds(t, e, 0);
}

/* The files of a process reaped since they were opened: open them again
 * for the process that holds the pid now. */
static struct procfds_entry *reopen(struct procfds *t, struct procfds_entry *e,
    struct procfds_entry *tmp)
{
	pid_t pid = e->pid;
	int fresh;
	close_fds(t, e, e != tmp);
	return get(t, pid, tmp, &fresh);
}

static int src_stat(void *ctx, pid_t pid, struct procfs_stat *out)
{
	struct procfds *t = ctx;
	struct procfds_entry tmp, *e;
	int fresh;
	if (!(e = get(t, pid, &tmp, &fresh)))
		return -1;
	int r = procfs_stat_pread(e->stat_fd, out);
	if (r < 0 && errno == ESRCH && !fresh) {
		if (!(e = reopen(t, e, &tmp)))
			return -1;
		r = procfs_stat_pread(e->stat_fd, out);
	}
	if (r == 0)
		e->stat_pass = t->pass;
	int err = errno;
	put(t, e, &tmp);
	errno = err;
	return r;
}

static ssize_t src_children(void *ctx, pid_t pid, pid_t tid, char **buf, size_t *cap)
{
	struct procfds *t = ctx;
	/* other threads' files are rare (a child forked by a thread) and
	 * their ids come and go with the threads: read by path */
	if (tid != pid)
		return proctree_children(pid, tid, buf, cap);
	struct procfds_entry tmp, *e;
	int fresh;
	if (!(e = get(t, pid, &tmp, &fresh)))
		return -1;
	ssize_t len = proctree_read_fd(e->kids_fd, buf, cap);
	/* a reaped process's children file reads empty, not ESRCH: unless
	 * its stat was read in this pass, the stat file says which it is */
	if (len == 0 && !fresh && e->stat_pass != t->pass) {
		char line[1024];
		if (procfs_pread(e->stat_fd, line, sizeof line) < 0 && errno == ESRCH) {
			if (!(e = reopen(t, e, &tmp)))
				return -1;
			len = proctree_read_fd(e->kids_fd, buf, cap);
		}
	}
	int err = errno;
	put(t, e, &tmp);
	errno = err;
	return len;
}

void procfds_src(struct procfds *t, struct proctree_src *src)
{
	src->stat = src_stat;
	src->children = src_children;
	src->ctx = t;
}

void procfds_begin(struct procfds *t, int budget, int64_t now_ms)
{
	t->budget = budget > 0 ? budget : 0;
	t->pass++;
	t->now_ms = now_ms;
	t->root = 0;
}

void procfds_root(struct procfds *t, pid_t root)
{
	t->root = root;
}

void procfds_end(struct procfds *t)
{
	int ndrop = 0;
	for (int i = 0; i < t->cap; i++) {
		struct procfds_entry *e = &t->e[i];
		if (!e->pid)
			continue;
		e->drop = e->stat_fd < 0;
		if (!e->drop && e->pass != t->pass) {
			const struct procfds_entry *r = find(t, e->root);
			e->drop = (r && r->pass == t->pass) || t->now_ms - e->seen_ms > PROCFDS_IDLE_MS;
		}
		ndrop += e->drop;
	}
	/* a budget that shrank (more apps, each needing a link): files not
	 * read in this pass go first */
	for (int old = 0; old < 2 && t->nfds - 2 * ndrop > t->budget; old++)
		for (int i = 0; i < t->cap && t->nfds - 2 * ndrop > t->budget; i++) {
			struct procfds_entry *e = &t->e[i];
			if (e->pid && !e->drop && (old || e->pass != t->pass)) {
				e->drop = 1;
				ndrop++;
			}
		}
	if (!ndrop)
		return;
	for (int i = 0; i < t->cap; i++)
		if (t->e[i].pid && t->e[i].drop)
			close_fds(t, &t->e[i], 1);
	rebuild(t, t->cap);
}

void procfds_free(struct procfds *t)
{
	for (int i = 0; i < t->cap; i++)
		if (t->e[i].pid)
			close_fds(t, &t->e[i], 1);
	free(t->e);
	memset(t, 0, sizeof *t);
}
