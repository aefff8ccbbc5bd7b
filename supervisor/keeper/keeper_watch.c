/* watch: inotify on the paths the spec names (folders whole, new folders
 * too), bounded to KEEPER_WATCH_MAX folders with a clear message at the
 * limit. A change not ignored (ignore_watch, or pm2's default: dotfiles and
 * node_modules; never the app's own log and pid files) arms one timer;
 * when nothing more changed for watch_delay the app restarts once. */
#include "keeper.h"
#include "clock.h"
#include "inowatch.h"
#include "xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#define WATCH_MASK (IN_CLOSE_WRITE | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | \
	IN_MODIFY | IN_ATTRIB | IN_DELETE_SELF)

static void say(struct keeper *k, const char *msg)
{
	keeper_warnx("%s: %s", k->spec.name, msg);
	logsink_message(&k->log, LOG_ERR, msg, clock_real_ms());
}

/* path (absolute) as the user sees it: relative to the app's cwd. */
static const char *relative(const struct keeper *k, const char *path)
{
	const char *cwd = k->watch_cwd ? k->watch_cwd : k->spec.cwd;
	size_t cl = strlen(cwd);
	if (strncmp(path, cwd, cl) == 0 && path[cl] == '/')
		return path + cl + 1;
	return path;
}

/* "x.log" or a rotation of it, "x.log.3" */
static int is_log_name(const char *name)
{
	const char *l = strstr(name, ".log");
	while (l && l[4] != '\0' && l[4] != '.')
		l = strstr(l + 1, ".log");
	if (!l)
		return 0;
	for (const char *c = l[4] ? l + 5 : l + 4; *c; c++)
		if (*c < '0' || *c > '9')
			return 0;
	return 1;
}

/* psup's own files: its home (status files, sockets), the app's pid file,
 * and log files in the folders the app's logs are in (those of the other
 * apps of its file too: a restart there would write a log line, which
 * would restart it again). */
static int is_own_file(const struct keeper *k, const char *path)
{
	size_t hl = k->watch_home ? strlen(k->watch_home) : 0;
	if (hl && strncmp(path, k->watch_home, hl) == 0 && (path[hl] == '/' || path[hl] == '\0'))
		return 1;
	if (k->spec.pid_file && strcmp(path, k->spec.pid_file) == 0)
		return 1;
	const char *slash = strrchr(path, '/');
	if (!slash || !is_log_name(slash + 1))
		return 0;
	size_t dl = (size_t)(slash - path);
	const char *logs[] = { k->spec.out_file, k->spec.err_file, k->spec.combined_file };
	for (size_t i = 0; i < 3; i++) {
		const char *ls = logs[i] ? strrchr(logs[i], '/') : NULL;
		if (ls && (size_t)(ls - logs[i]) == dl && strncmp(logs[i], path, dl) == 0)
			return 1;
	}
	return 0;
}

/* Does pattern name rel: a path component, a leading part of the path,
 * or a glob over the path or the file name. */
static int pattern_matches(const char *pat, const char *rel)
{
	const char *base = strrchr(rel, '/');
	base = base ? base + 1 : rel;
	if (fnmatch(pat, rel, 0) == 0 || fnmatch(pat, base, 0) == 0)
		return 1;
	size_t pl = strlen(pat);
	for (const char *c = rel; c; c = strchr(c, '/') ? strchr(c, '/') + 1 : NULL)
		if (strncmp(c, pat, pl) == 0 && (c[pl] == '/' || c[pl] == '\0'))
			return 1;
	return 0;
}

static int ignored(const struct keeper *k, const char *path)
{
	if (is_own_file(k, path))
		return 1;
	const char *rel = relative(k, path);
	if (!k->spec.ignore_watch || !k->spec.ignore_watch[0]) {
		/* pm2's default: /[\/\\]\.|node_modules/ */
		return strstr(path, "/.") != NULL || strstr(path, "node_modules") != NULL;
	}
	for (char **p = k->spec.ignore_watch; *p; p++)
		if (pattern_matches(*p, rel))
			return 1;
	return 0;
}

static struct keeper_wdir *wdir_find(struct keeper *k, int wd)
{
	for (int i = 0; i < k->n_wdirs; i++)
		if (k->wdirs[i].wd == wd)
			return &k->wdirs[i];
	return NULL;
}

/* Watches dir, and with whole every folder under it. */
static void add_dir(struct keeper *k, const char *dir, int whole)
{
	if (k->n_wdirs >= KEEPER_WATCH_MAX) {
		if (!k->watch_full) {
			char msg[PATH_MAX_MSG];
			snprintf(msg, sizeof msg, "psup: watch: more than %d folders to watch; %.256s and "
			    "what is left are not watched (narrow watch or add ignore_watch)",
			    KEEPER_WATCH_MAX, dir);
			say(k, msg);
			k->watch_full = 1;
		}
		return;
	}
	int wd = inotify_add_watch(k->watch_fd, dir, WATCH_MASK | IN_ONLYDIR);
	if (wd < 0) {
		if ((errno == ENOSPC || errno == ENOMEM) && !k->watch_full) {
			char msg[PATH_MAX_MSG];
			snprintf(msg, sizeof msg, "psup: watch: the system's inotify limit is reached at "
			    "%.256s (%s): raise fs.inotify.max_user_watches or narrow watch", dir,
			    strerror(errno));
			say(k, msg);
			k->watch_full = 1;
		}
		return;
	}
	/* a folder met twice (a file's folder, also watched whole) is one watch */
	struct keeper_wdir *old = wdir_find(k, wd);
	if (old && (old->whole || !whole))
		return;
	if (old) {
		old->whole = 1;
	} else {
		k->wdirs = xreallocarray(k->wdirs, (size_t)k->n_wdirs + 1, sizeof *k->wdirs);
		k->wdirs[k->n_wdirs++] = (struct keeper_wdir){ wd, xstrdup(dir), whole };
	}
	if (!whole)
		return;
	DIR *d = opendir(dir);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		char *sub = xasprintf("%s/%s", strcmp(dir, "/") == 0 ? "" : dir, de->d_name);
		struct stat st;
		int isdir = de->d_type == DT_DIR ||
		    (de->d_type == DT_UNKNOWN && lstat(sub, &st) == 0 && S_ISDIR(st.st_mode));
		if (isdir && !ignored(k, sub))
			add_dir(k, sub, 1);
		free(sub);
	}
	if (d)
		closedir(d);
}

/* A change under a whole folder, or to a file the spec names. */
static int wanted(const struct keeper *k, const struct keeper_wdir *w, const char *path)
{
	if (w->whole)
		return 1;
	for (char **p = k->spec.watch; p && *p; p++)
		if (strcmp(*p, path) == 0)
			return 1;
	return 0;
}

static void watch_timer_cb(struct loop *l, uint64_t id, void *arg)
{
	(void)l;
	(void)id;
	struct keeper *k = arg;
	k->watch_timer = 0;
	if (k->user_stopped)
		return;
	char msg[PATH_MAX_MSG];
	snprintf(msg, sizeof msg, "psup: watch: %.256s changed: restarting %s", k->watch_changed,
	    k->spec.name);
	logsink_message(&k->log, LOG_OUT, msg, clock_real_ms());
	keeper_event(k, PEV_RESTART);
}

static void changed(struct keeper *k, const char *path)
{
	snprintf(k->watch_changed, sizeof k->watch_changed, "%s", relative(k, path));
	/* restart once nothing changed for watch_delay */
	if (k->watch_timer)
		loop_timer_del(k->loop, k->watch_timer);
	k->watch_timer = loop_timer_at(k->loop, clock_mono_ms() + k->spec.watch_delay_ms,
	    watch_timer_cb, k);
}

static void watch_cb(const struct inotify_event *ev, void *arg)
{
	struct keeper *k = arg;
	if (ev->mask & IN_Q_OVERFLOW) {
		changed(k, k->spec.cwd);
		return;
	}
	struct keeper_wdir *w = wdir_find(k, ev->wd);
	if (!w)
		return;
	if (ev->mask & IN_IGNORED) {
		free(w->path);
		*w = k->wdirs[--k->n_wdirs];
		return;
	}
	char *path = ev->len ? xasprintf("%s/%s", w->path, ev->name) : xstrdup(w->path);
	if (!ignored(k, path) && wanted(k, w, path)) {
		/* a new folder under a watched one, or a watched folder made
		 * after the app started */
		if ((ev->mask & IN_ISDIR) && (ev->mask & (IN_CREATE | IN_MOVED_TO)))
			add_dir(k, path, 1);
		changed(k, path);
	}
	free(path);
}

void keeper_watch_close(struct keeper *k)
{
	if (k->watch_fd > 0)
		inowatch_close(k->loop, k->watch_fd);
	k->watch_fd = -1;
	if (k->watch_timer)
		loop_timer_del(k->loop, k->watch_timer);
	k->watch_timer = 0;
	for (int i = 0; i < k->n_wdirs; i++)
		free(k->wdirs[i].path);
	free(k->wdirs);
	k->wdirs = NULL;
	k->n_wdirs = 0;
	k->watch_full = 0;
	free(k->watch_home);
	k->watch_home = NULL;
	free(k->watch_cwd);
	k->watch_cwd = NULL;
}

void keeper_watch_open(struct keeper *k)
{
	keeper_watch_close(k);
	if (!k->spec.watch || !k->spec.watch[0])
		return;
	/* the home, where psup's own writes are no change: the daemon puts it
	 * in the app's environment; a keeper started by hand in
	 * $PSUP_HOME/apps/NAME finds it above its folder */
	const char *home_env = keeper_start_home_env(k);
	char *up = home_env ? xstrdup(home_env + strlen("PSUP_HOME="))
	    : xasprintf("%s/../..", k->appdir);
	k->watch_home = realpath(up, NULL);
	free(up);
	k->watch_cwd = realpath(k->spec.cwd, NULL);
	char *cause = NULL;
	k->watch_fd = inowatch_open(k->loop, watch_cb, k, &cause);
	if (k->watch_fd < 0) {
		char msg[PATH_MAX_MSG];
		snprintf(msg, sizeof msg, "psup: watch: cannot watch: %s", cause);
		free(cause);
		say(k, msg);
		return;
	}
	for (char **p = k->spec.watch; *p; p++) {
		struct stat st;
		/* real paths, as the home and cwd it is compared with */
		char *real = realpath(*p, NULL);
		if (real && stat(real, &st) == 0 && S_ISDIR(st.st_mode)) {
			add_dir(k, real, 1);
			free(real);
		} else {
			free(real);
			/* a file (or one yet to be made): its folder, for its name */
			char *dir = xstrdup(*p), *slash = strrchr(dir, '/');
			if (slash)
				*(slash == dir ? slash + 1 : slash) = '\0';
			add_dir(k, dir, 0);
			free(dir);
		}
	}
}
