/* The daemon's watch of its home: a home removed or replaced stops every
 * app and ends the daemon; a socket removed or replaced is listened on
 * again (homewatch.h). Decisions are homecheck.c's. */
#include "homewatch.h"
#include "homecheck.h"
#include "command.h"
#include "control.h"
#include "atomicfile.h"
#include "inowatch.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* How long the home stays quiet after a change of the socket's or lock's
 * name before the daemon looks: `rm -rf` empties the home before it
 * removes it, and a socket made again meanwhile would make it fail. */
#define SETTLE_MS 300
/* Without inotify, and after "cannot tell": the next look. */
#define LOOK_MS 1000

#define HOME_MASK (IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF | \
	IN_ONLYDIR)
#define APPS_MASK (IN_DELETE | IN_MOVED_FROM | IN_DELETE_SELF | IN_ONLYDIR)
/* The home's own name in its parent: a folder whose files are still open
 * (the lock, the logs) gets no IN_DELETE_SELF when it is removed. Watched
 * only from a change of the socket's or lock's name until the next look:
 * an idle daemon is not woken by what happens beside its home. */
#define PARENT_MASK (IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_ONLYDIR)

struct homewatch {
	struct daemon *d;
	int fd;                     /* inotify, or -1: a look every LOOK_MS */
	int home_wd, apps_wd, parent_wd;
	char *parent;               /* the home's folder and name in it, or NULL */
	char *home_name;
	dev_t home_dev, sock_dev;
	ino_t home_ino, sock_ino;
	uint64_t timer;             /* the settle, the next look */
	int suspect;                /* looking every second: the last look saw
	                             * something to do (done at the next) */
	int said;                   /* "cannot tell" or a failed listen was said */
};

static int same_file(const struct stat *st, dev_t dev, ino_t ino)
{
	return st->st_dev == dev && st->st_ino == ino;
}

/* ---- looking ---- */

static enum homecheck_home see_home(const struct homewatch *hw)
{
	struct stat st;
	if (stat(hw->d->home, &st) < 0)
		return errno == ENOENT || errno == ENOTDIR ? HC_HOME_GONE : HC_HOME_UNSURE;
	return S_ISDIR(st.st_mode) && same_file(&st, hw->home_dev, hw->home_ino) ? HC_HOME_SAME
	    : HC_HOME_OTHER;
}

static enum homecheck_sock see_sock(const struct homewatch *hw)
{
	struct stat st;
	if (lstat(hw->d->sock_path, &st) < 0)
		return errno == ENOENT ? HC_SOCK_GONE : HC_SOCK_UNSURE;
	return same_file(&st, hw->sock_dev, hw->sock_ino) ? HC_SOCK_OURS : HC_SOCK_OTHER;
}

/* The lock file at its path: the one the daemon holds, else locked now
 * (*taken: its descriptor, made when it is missing), or held by another. */
static enum homecheck_lock see_lock(const struct homewatch *hw, int *taken)
{
	struct daemon *d = hw->d;
	struct stat ours, st;
	if (fstat(d->lock_fd, &ours) < 0)
		return HC_LOCK_UNSURE;
	int r = stat(d->lock_path, &st);
	if (r == 0 && same_file(&st, ours.st_dev, ours.st_ino))
		return HC_LOCK_OURS;
	if (r < 0 && errno != ENOENT)
		return HC_LOCK_UNSURE;
	int fd = open(d->lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return HC_LOCK_UNSURE;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int e = errno;
		close(fd);
		return e == EWOULDBLOCK ? HC_LOCK_HELD : HC_LOCK_UNSURE;
	}
	*taken = fd;
	return HC_LOCK_TAKEN;
}

static void sock_record(struct homewatch *hw)
{
	struct stat st;
	if (lstat(hw->d->sock_path, &st) == 0) {
		hw->sock_dev = st.st_dev;
		hw->sock_ino = st.st_ino;
	}
}

/* ---- carrying out ---- */

static void look_cb(struct loop *l, uint64_t id, void *arg);

static void look_after(struct homewatch *hw, int64_t ms)
{
	loop_timer_del(hw->d->loop, hw->timer);
	hw->timer = loop_timer_after(hw->d->loop, ms, look_cb, hw);
}

/* The lock just taken becomes the daemon's, its pid in the pid file. */
static void relock(struct homewatch *hw, int fd)
{
	struct daemon *d = hw->d;
	close(d->lock_fd);
	d->lock_fd = fd;
	char pid[32], *cause = NULL;
	int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
	if (atomicfile_write(d->pid_path, pid, (size_t)n, 0600, 0, &cause) < 0) {
		dlog("%s", cause);
		free(cause);
	}
}

/* The home is no longer this daemon's: nothing at its paths is touched
 * again (another daemon may own them), the socket's path included. */
static void leave(struct homewatch *hw, const struct homecheck_out *o)
{
	struct daemon *d = hw->d;
	d->home_lost = 1;
	control_close(d);
	if (o->acts & HC_STOP) {
		dlog("%s (%s): stopping every app, then exiting", o->why, d->home);
		command_kill(d, NULL);
	} else {
		dlog("%s (%s): exiting; its keepers and apps are left to it", o->why, d->home);
		daemon_exit_soon(d);
	}
}

static void parent_unwatch(struct homewatch *hw)
{
	if (hw->parent_wd >= 0)
		inotify_rm_watch(hw->fd, hw->parent_wd);
	hw->parent_wd = -1;
}

/* Looks at the home, socket and lock, and does what homecheck_decide()
 * says. firm: act at once (after a settle, or the home's own event); else
 * (looking every second) only what two looks in a row saw, but for the
 * home's loss. */
static void look_once(struct homewatch *hw, int firm)
{
	struct daemon *d = hw->d;
	if (d->home_lost || d->killing)
		return;
	int taken = -1;
	struct homecheck_seen seen = { see_home(hw), HC_SOCK_UNSURE, HC_LOCK_UNSURE };
	if (seen.home == HC_HOME_SAME) {
		seen.sock = see_sock(hw);
		seen.lock = see_lock(hw, &taken);
	}
	struct homecheck_out o = homecheck_decide(&seen);
	if (!o.acts || (!firm && !hw->suspect && !(o.acts & HC_STOP))) {
		hw->suspect = !!o.acts;
		if (!o.acts)
			hw->said = 0;
		if (taken >= 0)
			close(taken);
		return;
	}
	hw->suspect = 0;
	if (o.acts & (HC_STOP | HC_YIELD)) {
		if (taken >= 0)
			close(taken);
		leave(hw, &o);
		return;
	}
	if (o.acts & HC_RELOCK)
		relock(hw, taken);
	else if (taken >= 0)
		close(taken);
	char *cause = NULL;
	if ((o.acts & HC_RELISTEN) && control_relisten(d, &cause) < 0) {
		if (!hw->said)
			dlog("%s: cannot listen again: %s; trying again every second", o.why, cause);
		hw->said = 1;
		free(cause);
		look_after(hw, LOOK_MS);
		return;
	}
	if (o.acts & HC_RELISTEN) {
		sock_record(hw);
		dlog("%s: %slistening again on %s", o.why,
		    o.acts & HC_RELOCK ? "locked the home again and " : "", d->sock_path);
	} else if (o.acts & HC_RELOCK) {
		dlog("%s: locked the home again", o.why);
	}
	if (o.acts & HC_LATER) {
		if (!hw->said)
			dlog("%s: looking again every second", o.why);
		hw->said = 1;
		look_after(hw, LOOK_MS);
	}
}

static void look(struct homewatch *hw, int firm)
{
	look_once(hw, firm);
	if (!hw->d->home_lost)
		parent_unwatch(hw);
}

static void look_cb(struct loop *l, uint64_t id, void *arg)
{
	(void)l, (void)id;
	struct homewatch *hw = arg;
	hw->timer = 0;
	look(hw, hw->fd >= 0);
	/* without inotify: the next look */
	if (hw->fd < 0 && !hw->d->home_lost && !hw->timer)
		look_after(hw, LOOK_MS);
}

static int is_name(const char *path, const char *name)
{
	const char *slash = strrchr(path, '/');
	return strcmp(slash ? slash + 1 : path, name) == 0;
}

static void event_cb(const struct inotify_event *ev, void *arg)
{
	struct homewatch *hw = arg;
	if (hw->d->home_lost)
		return;
	if (ev->wd == hw->parent_wd) {
		if (ev->len && strcmp(ev->name, hw->home_name) == 0)
			look(hw, 1);
		return;
	}
	if (ev->wd == hw->home_wd && (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_UNMOUNT |
	    IN_IGNORED))) {
		look(hw, 1);
		return;
	}
	/* the socket's or lock's name; any other change in the home only
	 * while a look waits for it to settle */
	if (ev->wd == hw->home_wd && ev->len &&
	    (is_name(hw->d->sock_path, ev->name) || is_name(hw->d->lock_path, ev->name))) {
		/* the home may be on its way out: its removal is seen in its
		 * folder, and if it is gone already, now */
		if (hw->parent_wd < 0 && hw->parent)
			hw->parent_wd = inotify_add_watch(hw->fd, hw->parent, PARENT_MASK);
		if (see_home(hw) != HC_HOME_SAME) {
			look(hw, 1);
			return;
		}
		look_after(hw, SETTLE_MS);
	} else if ((ev->mask & IN_Q_OVERFLOW) || (hw->timer && (ev->wd == hw->home_wd ||
	    ev->wd == hw->apps_wd))) {
		look_after(hw, SETTLE_MS);
	}
}

/* The home's folder and its name there (none for "/"). */
static void parent_find(struct homewatch *hw)
{
	char *parent = xstrdup(hw->d->home);
	size_t n = strlen(parent);
	while (n > 1 && parent[n - 1] == '/')
		parent[--n] = '\0';
	char *slash = strrchr(parent, '/');
	if (!slash || !slash[1]) {
		free(parent);
		return;
	}
	hw->home_name = xstrdup(slash + 1);
	*(slash == parent ? slash + 1 : slash) = '\0';
	hw->parent = parent;
}

/* ---- set-up ---- */

void homewatch_open(struct daemon *d)
{
	struct stat st;
	if (stat(d->home, &st) < 0) {
		dlog("cannot watch %s: %s", d->home, strerror(errno));
		return;
	}
	struct homewatch *hw = xcalloc(1, sizeof *hw);
	hw->d = d;
	hw->home_dev = st.st_dev;
	hw->home_ino = st.st_ino;
	hw->home_wd = hw->apps_wd = hw->parent_wd = -1;
	sock_record(hw);
	d->homewatch = hw;
	char *cause = NULL;
	hw->fd = inowatch_open(d->loop, event_cb, hw, &cause);
	if (hw->fd >= 0 && (hw->home_wd = inotify_add_watch(hw->fd, d->home, HOME_MASK)) < 0)
		cause = xasprintf("inotify on %s: %s", d->home, strerror(errno));
	if (hw->home_wd < 0) {
		dlog("%s: looking at %s every second instead", cause, d->home);
		free(cause);
		inowatch_close(d->loop, hw->fd);
		hw->fd = -1;
		look_after(hw, LOOK_MS);
		return;
	}
	/* apps/ is emptied before the home is: its changes hold a settle back */
	hw->apps_wd = inotify_add_watch(hw->fd, d->apps_dir, APPS_MASK);
	parent_find(hw);
}

void homewatch_free(struct daemon *d)
{
	struct homewatch *hw = d->homewatch;
	if (!hw)
		return;
	inowatch_close(d->loop, hw->fd);
	loop_timer_del(d->loop, hw->timer);
	free(hw->parent);
	free(hw->home_name);
	free(hw);
	d->homewatch = NULL;
}
