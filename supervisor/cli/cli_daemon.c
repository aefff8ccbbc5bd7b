/* `psup daemon` (run the daemon in the foreground), `psup kill` (stop
 * every app, then the daemon, and wait until it is gone; a daemon that does
 * not answer in time is killed and a fresh one does the work) and `psup
 * update` (replace the daemon by the installed one, the apps running on). */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomicfile.h"
#include "cli.h"
#include "cli_client.h"
#include "cli_fmt.h"
#include "clock.h"
#include "daemon.h"
#include "home.h"
#include "spec.h"
#include "speclog.h"
#include "xalloc.h"

/* The daemon's own kill bound is the longest kill_timeout plus a margin
 * (daemon/command.c); the CLI waits that and this much more. */
#define KILL_SLACK_MS 15000
#define KILL_DEFAULT_TIMEOUT_MS 1600
/* How long a daemon killed by SIGKILL may take to be gone. */
#define KILL_GONE_MS 5000
/* How long a daemon asked to exit (SIGTERM) may take before it is killed:
 * it only closes its sockets and files. */
#define UPDATE_EXIT_MS 10000

static int background_opt_cb(struct cli_args *a, int i, void *ctx)
{
	if (strcmp(a->argv[i], "--background") != 0)
		return 0;
	*(int *)ctx = 1;
	return 1;
}

int cli_cmd_daemon(struct cli_args *a)
{
	int background = 0;
	if (cli_split(a, NULL, 0, background_opt_cb, &background) < 0)
		return CLI_USAGE;
	char *cause = NULL;
	/* --background: started by a CLI (daemon_spawn), already detached. */
	if (daemon_run(cli_home(), !background, &cause) < 0) {
		int rc = cli_error(CLI_DAEMON, "daemon: %s", cause ? cause : "failed");
		free(cause);
		return rc;
	}
	return CLI_OK;
}

/* Calls fn with every spec of the home: its spec file's (speclog.h), or in
 * a home from before it, each apps/NAME/spec. Returns 0, or -1 when the
 * spec file is there but cannot be read. */
static int each_spec(void (*fn)(const char *spec, size_t len, void *arg), void *arg)
{
	char *path = home_specs_path(cli_home());
	struct speclog_set set;
	int r = 0;
	if (speclog_read(path, SPECLOG_FILE_MAX, &set, NULL) == 0) {
		for (size_t i = 0; i < set.n; i++)
			fn(set.recs[i].spec, set.recs[i].spec_len, arg);
		speclog_set_free(&set);
	} else if (errno != ENOENT) {
		r = -1;
	} else {
		char *p = xasprintf("%s/apps", cli_home());
		DIR *d = opendir(p);
		struct dirent *e;
		while (d && (e = readdir(d))) {
			if (e->d_name[0] == '.')
				continue;
			char *sp = xasprintf("%s/%s/spec", p, e->d_name), *buf = NULL;
			size_t len = 0;
			if (atomicfile_read(sp, SPEC_PACKED_MAX, &buf, &len, NULL) == 0)
				fn(buf, len, arg);
			free(buf);
			free(sp);
		}
		if (d)
			closedir(d);
		free(p);
	}
	free(path);
	return r;
}

static void count_cb(const char *spec, size_t len, void *arg)
{
	(void)spec, (void)len;
	++*(int *)arg;
}

/* 1 when keepers may be running without a daemon: the home has apps (or a
 * spec file the daemon must look at). */
static int home_has_apps(void)
{
	int n = 0;
	return each_spec(count_cb, &n) < 0 || n > 0;
}

static void kill_timeout_cb(const char *spec, size_t len, void *arg)
{
	long long *max = arg;
	struct app_spec s;
	if (spec_unpack(spec, len, &s, NULL) == 0) {
		if (s.kill_timeout_ms > *max)
			*max = s.kill_timeout_ms;
		spec_free(&s);
	}
}

/* How long kill waits for the daemon's answer: what the daemon itself
 * may take for the longest kill_timeout of the home's apps, and slack. */
static int kill_bound_ms(void)
{
	long long max = KILL_DEFAULT_TIMEOUT_MS;
	each_spec(kill_timeout_cb, &max);
	if (max > 3600 * 1000LL)
		max = 3600 * 1000LL;
	return (int)max + KILL_SLACK_MS;
}

/* 1 when pid holds the home's lock file open: then it is this home's
 * daemon (a recycled pid in a stale psup.pid does not). */
static int holds_lock(pid_t pid, const char *lock_path)
{
	struct stat lk;
	if (stat(lock_path, &lk) < 0)
		return 0;
	char *fddir = xasprintf("/proc/%ld/fd", (long)pid);
	DIR *d = opendir(fddir);
	int found = 0;
	struct dirent *e;
	while (d && !found && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char *fd = xasprintf("%s/%s", fddir, e->d_name);
		struct stat st;
		found = stat(fd, &st) == 0 && st.st_dev == lk.st_dev && st.st_ino == lk.st_ino;
		free(fd);
	}
	if (d)
		closedir(d);
	free(fddir);
	return found;
}

/* The pid of this home's daemon, proven: psup.pid names it and it holds
 * the home's lock. 0 when there is none. */
static pid_t daemon_proven(void)
{
	char *lock = home_lock_path(cli_home()), *pidp = home_pid_path(cli_home());
	char *buf = NULL;
	pid_t pid = 0;
	if (atomicfile_read(pidp, 64, &buf, NULL, NULL) == 0)
		pid = (pid_t)strtol(buf, NULL, 10);
	if (pid > 0 && !holds_lock(pid, lock))
		pid = 0;
	free(buf);
	free(lock);
	free(pidp);
	return pid;
}

/* How many apps run under a keeper whose program file is gone (replaced
 * by an upgrade: its /proc/PID/exe ends in " (deleted)"). */
static long outdated_keepers(void)
{
	cJSON *reply = NULL;
	const cJSON *apps, *app;
	long n = 0;
	if (cli_call_apps(NULL, &reply, &apps) != CLI_OK)
		return 0;
	cJSON_ArrayForEach(app, apps) {
		char exe[64], target[PATH_MAX];
		snprintf(exe, sizeof exe, "/proc/%.0f/exe", cli_json_num(app, "keeper_pid", 0));
		ssize_t len = cli_json_num(app, "keeper_pid", 0) > 0 ?
		    readlink(exe, target, sizeof target - 1) : -1;
		static const char deleted[] = " (deleted)";
		n += len > (ssize_t)strlen(deleted) &&
		    memcmp(target + len - strlen(deleted), deleted, strlen(deleted)) == 0;
	}
	cJSON_Delete(reply);
	return n;
}

/* SIGKILLs the daemon of this home when it is proven to be. Returns 0
 * when no daemon holds the home any more, -1 with *cause when one still
 * does. */
static int kill_daemon(char **cause)
{
	pid_t pid = daemon_proven();
	if (pid > 0) {
		fprintf(stderr, "psup: the daemon (pid %ld) does not answer: killing it\n", (long)pid);
		kill(pid, SIGKILL);
	}
	if (cli_lock_free_within(KILL_GONE_MS))
		return 0;
	return fail(cause, "the daemon of %s holds its lock and does not answer%s", cli_home(),
	    pid > 0 ? "" : " (no pid in psup.pid)");
}

/* What a daemon that died left in a home without apps: its socket, its
 * pid file and the runtime directory (outside the home, on tmpfs, so
 * nothing else removes it until the next boot). Only while this command
 * holds the home's lock: a daemon starting meanwhile makes them under
 * it, and a spawn that finds the lock taken tries again. */
static void tidy_lost_daemon(void)
{
	int fd = cli_lock_take();
	if (fd < 0)
		return;
	char *sock = home_sock_path(cli_home()), *pidp = home_pid_path(cli_home());
	unlink(sock);
	unlink(pidp);
	home_run_close(cli_home(), NULL);
	free(sock);
	free(pidp);
	close(fd);
}

/* One kill request within bound_ms. Returns 0 when the daemon stopped
 * every app and exited, 1 when it did not answer in time, or an exit
 * code > 1 printed. */
static int kill_once(unsigned flags, int bound_ms)
{
	struct cli_conn c;
	char *cause = NULL;
	if (cli_conn_open(&c, flags, &cause) < 0) {
		cli_conn_close(&c);
		if (flags & CLI_RQ_NOSTART) {
			free(cause);
			tidy_lost_daemon();
			printf("daemon not running\n");
			return 0;
		}
		int rc = cli_error(CLI_DAEMON, "%s", cause);
		free(cause);
		return rc;
	}
	int64_t deadline = clock_mono_ms() + bound_ms;
	cJSON *req = cli_req("kill"), *reply = NULL;
	int rc = 0;
	if (cli_conn_send(&c, req, &cause) < 0) {
		rc = 1;
	} else if (cli_conn_recv(&c, bound_ms, &reply, &cause) < 0) {
		rc = 1;
	} else if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(reply, "ok"))) {
		const cJSON *e = cJSON_GetObjectItemCaseSensitive(reply, "error");
		rc = cli_error(CLI_FAIL, "kill: %s", cJSON_IsString(e) ? e->valuestring : "refused");
	} else {
		/* The daemon exits after its reply: wait for the connection to
		 * close so the next command cannot reach a daemon on its way
		 * out. */
		cJSON *more = NULL;
		free(cause);
		cause = NULL;
		int64_t left;
		while ((left = deadline - clock_mono_ms()) > 0 &&
		    cli_conn_recv(&c, (int)left, &more, &cause) == 0) {
			cJSON_Delete(more);
			more = NULL;
		}
		if (left <= 0 || (cause && strstr(cause, "no reply")))
			rc = 1;
		else
			printf("daemon stopped\n");
	}
	free(cause);
	cJSON_Delete(req);
	cJSON_Delete(reply);
	cli_conn_close(&c);
	return rc;
}

int cli_cmd_kill(struct cli_args *a)
{
	if (cli_no_args(a) < 0)
		return CLI_USAGE;
	/* No daemon and no keeper: nothing to do. Keepers left by a lost
	 * daemon: start one so it re-attaches and stops them. */
	unsigned flags = home_has_apps() ? 0 : CLI_RQ_NOSTART;
	int bound = kill_bound_ms();
	int rc = kill_once(flags, bound);
	if (rc != 1)
		return rc;
	/* A frozen or wedged daemon: kill it (proven to be this home's), and
	 * a fresh one re-attaches to every keeper keeper.pid names (proven
	 * ours) and stops them. */
	char *cause = NULL;
	if (kill_daemon(&cause) < 0) {
		rc = cli_error(CLI_DAEMON, "kill: %s", cause);
		free(cause);
		return rc;
	}
	rc = kill_once(home_has_apps() ? 0 : CLI_RQ_NOSTART, bound);
	if (rc == 1)
		rc = cli_error(CLI_DAEMON, "kill: the daemon did not stop every app within %d s",
		    bound / 1000);
	return rc;
}

/* pm2 update: after an upgrade, the daemon that runs is the old program.
 * It is asked to exit (SIGTERM: it leaves keepers and apps running, as
 * when it dies), and the next one, the installed program, re-attaches to
 * every keeper. Any version's daemon exits so, one from before this
 * command too; one that does not within UPDATE_EXIT_MS is killed, to the
 * same effect. */
int cli_cmd_update(struct cli_args *a)
{
	if (cli_no_args(a) < 0)
		return CLI_USAGE;
	char oldv[64] = "";
	pid_t old = daemon_proven();
	if (old > 0) {
		cJSON *reply = NULL;
		int fg = 0;
		if (cli_call(cli_req("ping"), CLI_RQ_NOSTART | CLI_RQ_RAW, 5000, &reply) == CLI_OK) {
			snprintf(oldv, sizeof oldv, "%s", cli_json_str(reply, "version", ""));
			fg = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(reply, "foreground"));
		}
		cJSON_Delete(reply);
		/* its end would be its service's or its container's */
		if (fg)
			return cli_error(CLI_FAIL, "update: the daemon (pid %ld) runs in the foreground "
			    "(psup daemon): restart it as it was started (its service, its container); "
			    "the apps run on meanwhile", (long)old);
		if (kill(old, SIGTERM) < 0 && errno != ESRCH)
			return cli_error(CLI_DAEMON, "update: cannot signal the daemon (pid %ld): %s",
			    (long)old, strerror(errno));
		if (!cli_lock_free_within(UPDATE_EXIT_MS)) {
			char *cause = NULL;
			if (kill_daemon(&cause) < 0) {
				int rc = cli_error(CLI_DAEMON, "update: %s", cause);
				free(cause);
				return rc;
			}
		}
	}
	cJSON *reply = NULL;
	int rc = cli_call(cli_req("ping"), 0, 0, &reply);
	if (rc != CLI_OK)
		return rc;
	long pid = (long)cli_json_num(reply, "pid", 0), apps = (long)cli_json_num(reply, "apps", 0);
	const char *v = cli_json_str(reply, "version", "?");
	if (old > 0)
		printf("daemon pid %ld (psup %s) replaced by pid %ld (psup %s); %ld app%s kept "
		    "running\n", (long)old, *oldv ? oldv : "?", pid, v, apps, apps == 1 ? "" : "s");
	else
		printf("no daemon was running: started pid %ld (psup %s)\n", pid, v);
	cJSON_Delete(reply);
	long stale = apps > 0 ? outdated_keepers() : 0;
	if (stale > 0)
		printf("%ld app%s under a keeper of the replaced psup: each gets one of the installed "
		    "psup when it restarts (psup reload all: one at a time)\n", stale,
		    stale == 1 ? " runs" : "s run");
	return CLI_OK;
}
