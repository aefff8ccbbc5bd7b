/* The keeper's start-up: the spec, standard descriptors, the per-app lock,
 * and what a dead keeper left (its app's group, its history). */
#include "keeper.h"
#include "atomicfile.h"
#include "procid.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

int keeper_load_spec(const char *appdir, struct app_spec *s, char **cause)
{
	char *buf;
	size_t len;
	/* made here, not kept: every byte of a keeper's is counted 1,000-fold */
	char *path = xasprintf("%s/" KEEPER_SPEC_FILE, appdir);
	int r = atomicfile_read(path, SPEC_PACKED_MAX, &buf, &len, cause);
	if (r < 0) {
		free(path);
		return -1;
	}
	char *why = NULL;
	int rc = spec_unpack(buf, len, s, &why);
	free(buf);
	if (rc < 0) {
		fail(cause, "%s: %s", path, why);
		free(why);
	} else if (!s->name || !*s->name || !s->argv || !s->argv[0]) {
		spec_free(s);
		rc = fail(cause, "%s: the spec needs a name and argv", path);
	}
	free(path);
	return rc < 0 ? -1 : 0;
}

void keeper_start_std_fds(void)
{
	for (int fd = 0; fd < 3; fd++) {
		if (fcntl(fd, F_GETFD) >= 0)
			continue;
		int n = open("/dev/null", O_RDWR);
		if (n >= 0 && n != fd) {
			dup2(n, fd);
			close(n);
		}
	}
}

/* Takes the per-app lock: one keeper per runtime folder. */
int keeper_start_lock(struct keeper *k, char **cause)
{
	k->pidfd = open(KEEPER_PID_FILE, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (k->pidfd < 0)
		return fail(cause, "%s: cannot open its %s: %s", k->appdir, KEEPER_PID_FILE, strerror(errno));
	if (flock(k->pidfd, LOCK_EX | LOCK_NB) < 0) {
		if (errno == EWOULDBLOCK)
			return fail(cause, "another keeper runs for %s", k->appdir);
		return fail(cause, "%s: cannot lock its %s: %s", k->appdir, KEEPER_PID_FILE, strerror(errno));
	}
	char num[32];
	int n = snprintf(num, sizeof num, "%ld\n", (long)getpid());
	if (ftruncate(k->pidfd, 0) < 0 || pwrite(k->pidfd, num, (size_t)n, 0) != n)
		return fail(cause, "%s: cannot write its %s: %s", k->appdir, KEEPER_PID_FILE, strerror(errno));
	return 0;
}

/* The group a status names is this app's (procid_group) by its leader's
 * start time, or by a member's PSUP_APP_NAME and PSUP_HOME. */
const char *keeper_start_home_env(const struct keeper *k)
{
	const char *home_env = NULL;
	for (char **e = k->spec.env; e && *e; e++)
		if (strncmp(*e, "PSUP_HOME=", 10) == 0)
			home_env = *e;
	return home_env;
}

static int group_is_ours(struct keeper *k, const struct app_state *old)
{
	const char *home_env = keeper_start_home_env(k);
	char *name_env = xasprintf("PSUP_APP_NAME=%s", k->spec.name);
	int r = procid_group(old->pgid, old->pgid_start, name_env, home_env);
	free(name_env);
	return r == PROCID_YES;
}

/* A previous keeper of this app died (kill -9): its status file names the
 * app's group, which may still run. Kill it so nothing runs twice, and carry
 * the history over. */
void keeper_start_adopt(struct keeper *k)
{
	char *buf;
	size_t len;
	if (atomicfile_read(KEEPER_STATUS_FILE, 64 * 1024, &buf, &len, NULL) < 0)
		return;
	if (len && buf[len - 1] == '\n')
		len--;
	struct app_state old;
	if (appstate_unpack(buf, len, &old) == 0) {
		k->restarts_base = old.restarts;
		k->n_exits = old.n_exits;
		memcpy(k->exits, old.exits, sizeof k->exits);
		/* only the group proven to be the one recorded: its pid may
		 * have been recycled since (a reboot, a container restart) */
		if (old.pgid > 0 && old.keeper_pid != getpid() && group_is_ours(k, &old)) {
			keeper_warnx("%s: killing process group %ld left by a dead keeper",
			    k->spec.name, (long)old.pgid);
			kill(-old.pgid, SIGKILL);
		}
		/* and what left the group: the cgroup is psup's own */
		if (old.in_cgroup)
			keeper_proc_cgroup_kill_left(k);
		/* a keeper that was killed while the app ran restarts it */
		if (old.state == APP_LAUNCHING || old.state == APP_ONLINE ||
		    old.state == APP_WAITING)
			k->restarts_base++;
	}
	free(buf);
}
