/* What the keeper learns about the app's processes: whether its group
 * still exists, which orphans were reparented to the keeper (it is a child
 * subreaper), and the app's memory. With a cgroup per app (cgroup.h) its
 * files answer; else everything of the app descends from the keeper, so
 * only its own subtree is read (proctree.h), and a kernel without children
 * files gets one pass over /proc. */
#include "keeper.h"
#include "cgroup.h"
#include "proctree.h"
#include "xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int keeper_proc_group_alive(pid_t pgid)
{
	if (pgid <= 0)
		return 0;
	return kill(-pgid, 0) == 0 || errno == EPERM;
}

int keeper_proc_has_children(void)
{
	siginfo_t si;
	memset(&si, 0, sizeof si);
	/* WNOWAIT: look, do not reap (the SIGCHLD path reaps) */
	if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) < 0)
		return errno != ECHILD;
	return 1;
}

/* The fallback: every process on the machine, for kernels built without
 * CONFIG_PROC_CHILDREN. */
static void scan_all(int (*fn)(const struct procfs_stat *p, void *arg), void *arg)
{
	DIR *d = opendir("/proc");
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9' || strnlen(de->d_name, 16) >= 16)
			continue;
		char *end;
		long pid = strtol(de->d_name, &end, 10);
		struct procfs_stat p;
		if (*end || procfs_stat_read((pid_t)pid, &p) < 0 || procfs_state_dead(p.state))
			continue;
		if (fn(&p, arg))
			break;
	}
	closedir(d);
}

/* Every live process under the keeper (all the app has). */
static void each_descendant(int (*fn)(const struct procfs_stat *p, void *arg), void *arg)
{
	static int no_children_files;
	if (!no_children_files && proctree_walk(getpid(), fn, arg) == 0)
		return;
	if (!no_children_files && errno == ENOENT) {
		/* our own children file is missing: the kernel has none */
		no_children_files = 1;
	}
	scan_all(fn, arg);
}

struct sig_arg {
	pid_t self, except_pgid;
	int sig;
};

static int signal_child_cb(const struct procfs_stat *p, void *arg)
{
	struct sig_arg *a = arg;
	if (p->ppid != a->self)
		return 0;
	if (p->pgrp == a->except_pgid && a->except_pgid > 0)
		return 0;       /* already signalled through its group */
	/* an orphan that made its own group: signal its whole group */
	if (p->pgrp == p->pid && p->pgrp != getpgrp())
		kill(-p->pgrp, a->sig);
	kill(p->pid, a->sig);
	if (a->sig != SIGKILL && a->sig != SIGCONT)
		kill(p->pid, SIGCONT);
	return 0;
}

static void signal_children(pid_t except_pgid, int sig)
{
	struct sig_arg a = { getpid(), except_pgid, sig };
	each_descendant(signal_child_cb, &a);
}

struct rss_arg {
	pid_t pgid;
	long long pages;
};

static int rss_cb(const struct procfs_stat *p, void *arg)
{
	struct rss_arg *a = arg;
	if (p->pgrp == a->pgid)
		a->pages += p->rss_pages;
	return 0;
}

static long long group_rss(pid_t pgid)
{
	struct rss_arg a = { pgid, 0 };
	each_descendant(rss_cb, &a);
	return a.pages * sysconf(_SC_PAGESIZE);
}

void keeper_proc_cgroup_init(struct keeper *k, const char *base)
{
	k->cg_dir = NULL;
	if (!base || !*base)
		return;
	const char *entry = strrchr(k->appdir, '/');
	entry = entry ? entry + 1 : k->appdir;
	char dir[CGROUP_PATH_MAX];
	if (cgroup_app_path(base, entry, dir, sizeof dir) == 0)
		k->cg_dir = xstrdup(dir);
}

int keeper_proc_cgroup_busy(struct keeper *k)
{
	return k->cg_run && cgroup_populated(k->cg_dir) == 1;
}

void keeper_proc_cgroup_kill_left(struct keeper *k)
{
	if (k->cg_dir && cgroup_populated(k->cg_dir) == 1) {
		keeper_warnx("%s: killing what a dead keeper left in %s", k->spec.name, k->cg_dir);
		cgroup_signal(k->cg_dir, SIGKILL);
	}
}

void keeper_proc_signal_app(struct keeper *k, int sig)
{
	if (k->pgid > 0) {
		kill(-k->pgid, sig);
		if (sig != SIGKILL)
			kill(-k->pgid, SIGCONT);
	}
	/* the cgroup holds all the app has, whatever its sessions and
	 * groups: no walk of the keeper's subtree to ask it to stop. The
	 * kill walks it too, for an orphan of a run that had no cgroup. */
	if (k->cg_run && cgroup_signal(k->cg_dir, sig) >= 0) {
		if (sig != SIGKILL && sig != SIGCONT)
			cgroup_signal(k->cg_dir, SIGCONT);
		if (sig != SIGKILL)
			return;
	}
	signal_children(k->pgid, sig);
}

/* How long a quitting keeper waits for its app's cgroup to empty. */
#define CGROUP_EMPTY_WAIT_MS 1000

void keeper_proc_quit(struct keeper *k)
{
	if (k->cg_run)
		cgroup_signal(k->cg_dir, SIGKILL);
	if (keeper_proc_has_children())
		signal_children(0, SIGKILL);
	if (!k->cg_dir)
		return;
	/* SIGKILLed processes leave the cgroup as they die, soon but not at
	 * once */
	cgroup_wait_empty(k->cg_dir, CGROUP_EMPTY_WAIT_MS);
	cgroup_remove(k->cg_dir);
}

long long keeper_proc_app_memory(struct keeper *k)
{
	long long m = k->cg_run ? cgroup_memory(k->cg_dir) : -1;
	return m >= 0 ? m : group_rss(k->pgid);
}
