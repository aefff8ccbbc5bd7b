/* $PSUP_HOME: resolve, create private, refuse when not private (like tmux's
 * make_label), and name the files inside it. */
#include "hash.h"
#include "home.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

char *home_default(char **cause)
{
	const char *env = getenv("PSUP_HOME");
	if (env && *env)
		return xstrdup(env);
	const char *h = getenv("HOME");
	if (!h || !*h) {
		struct passwd *pw = getpwuid(getuid());
		if (!pw || !pw->pw_dir || !*pw->pw_dir) {
			fail(cause, "cannot find a home directory: set PSUP_HOME or HOME");
			return NULL;
		}
		h = pw->pw_dir;
	}
	return xasprintf("%s/.psup", h);
}

/* closed: refuse any access of group or others too, not only writing (for
 * a directory in a folder all users share). */
static int check_dir(const char *dir, const struct stat *st, int closed, char **cause)
{
	if (!S_ISDIR(st->st_mode))
		return fail(cause, "%s is not a directory", dir);
	if (st->st_uid != getuid())
		return fail(cause, "%s is owned by uid %ld, not by you (uid %ld)", dir,
		    (long)st->st_uid, (long)getuid());
	if (closed && (st->st_mode & 077))
		return fail(cause, "%s is open to group or others (mode %03o)", dir,
		    (unsigned)(st->st_mode & 0777));
	if (st->st_mode & (S_IWGRP | S_IWOTH))
		return fail(cause, "%s is writable by group or others (mode %03o): "
		    "run chmod 700 on it", dir, (unsigned)(st->st_mode & 0777));
	return 0;
}

static int check_path(const char *dir, int closed, char **cause)
{
	struct stat st;
	if (lstat(dir, &st) < 0)
		return fail(cause, "cannot use %s: %s", dir, strerror(errno));
	return check_dir(dir, &st, closed, cause);
}

int home_check(const char *home, char **cause)
{
	return check_path(home, 0, cause);
}

static int make_private_dir(const char *dir, int closed, char **cause)
{
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return fail(cause, "cannot create %s: %s", dir, strerror(errno));
	return check_path(dir, closed, cause);
}

/* Creates the missing parents of path (mode 0700), as mkdir -p. */
static int make_parents(const char *path, char **cause)
{
	char *p = xstrdup(path);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0700) < 0 && errno != EEXIST) {
			int e = errno;
			int r = fail(cause, "cannot create %s: %s", p, strerror(e));
			free(p);
			return r;
		}
		*s = '/';
	}
	free(p);
	return 0;
}

int home_prepare(const char *home, char **cause)
{
	if (make_parents(home, cause) < 0 || make_private_dir(home, 0, cause) < 0)
		return -1;
	char *apps = home_apps_path(home);
	int r = make_private_dir(apps, 0, cause);
	free(apps);
	return r;
}

char *home_sock_path(const char *home) { return xasprintf("%s/psup.sock", home); }
char *home_pid_path(const char *home) { return xasprintf("%s/psup.pid", home); }
char *home_lock_path(const char *home) { return xasprintf("%s/psup.lock", home); }
char *home_apps_path(const char *home) { return xasprintf("%s/apps", home); }
char *home_dump_path(const char *home) { return xasprintf("%s/dump.json", home); }
char *home_specs_path(const char *home) { return xasprintf("%s/specs", home); }
char *home_daemon_log_path(const char *home) { return xasprintf("%s/daemon.log", home); }
char *home_keeper_log_path(const char *home) { return xasprintf("%s/keeper.log", home); }
char *home_run_link_path(const char *home) { return xasprintf("%s/run", home); }

/* ---- the runtime directory ---- */

/* A stable name for the home's runtime directory. */
static unsigned long long path_hash(const char *s)
{
	return hash_fnv1a(HASH_FNV1A_INIT, s, strlen(s));
}

/* dir (made 0700 when missing) is a directory, not a symlink, owned by us
 * and closed to everybody else: it sits in a folder all users share. */
static int run_dir_usable(const char *dir, char **cause)
{
	return make_private_dir(dir, 1, cause);
}

/* A fresh runtime directory: $XDG_RUNTIME_DIR's when usable, else /dev/shm's. */
static char *run_dir_choose(const char *home, char **cause)
{
	unsigned long long h = path_hash(home);
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	if (xdg && xdg[0] == '/') {
		char *dir = xasprintf("%s/psup-%016llx", xdg, h);
		if (run_dir_usable(dir, NULL) == 0)
			return dir;
		free(dir);
	}
	char *dir = xasprintf("/dev/shm/psup-%ld-%016llx", (long)getuid(), h);
	if (run_dir_usable(dir, cause) == 0)
		return dir;
	free(dir);
	return NULL;
}

char *home_run_open(const char *home, char **cause)
{
	const char *env = getenv("PSUP_RUNDIR");
	if (env && strcmp(env, "off") == 0) {
		fail(cause, "PSUP_RUNDIR=off");
		return NULL;
	}
	char *link = home_run_link_path(home), *dir = NULL;
	char target[4096];
	ssize_t n = readlink(link, target, sizeof target - 1);
	if (n < 0 && errno != ENOENT) {
		if (errno == EINVAL)
			fail(cause, "%s is not a symlink (psup makes it one)", link);
		else
			fail(cause, "cannot read %s: %s", link, strerror(errno));
		goto out;
	}
	if (n > 0 && target[0] == '/') {
		target[n] = '\0';
		/* made again when missing: tmpfs is emptied at boot */
		if (run_dir_usable(target, NULL) == 0) {
			dir = xstrdup(target);
			goto out;
		}
	}
	if (!(dir = run_dir_choose(home, cause)))
		goto out;
	/* a new link replaces the old one in one step */
	char *tmp = xasprintf("%s.%ld", link, (long)getpid());
	unlink(tmp);
	if (symlink(dir, tmp) < 0 || rename(tmp, link) < 0) {
		fail(cause, "cannot point %s to %s: %s", link, dir, strerror(errno));
		unlink(tmp);
		free(dir);
		dir = NULL;
	}
	free(tmp);
out:
	free(link);
	return dir;
}

void home_run_close(const char *home, const char *dir)
{
	char *link = home_run_link_path(home);
	char target[4096];
	if (!dir) {
		ssize_t n = readlink(link, target, sizeof target - 1);
		if (n <= 0 || target[0] != '/') {
			free(link);
			return;
		}
		target[n] = '\0';
		dir = target;
	}
	if (rmdir(dir) == 0 || errno == ENOENT)
		unlink(link);
	free(link);
}

int home_sockaddr(const char *path, struct sockaddr_un *sa, socklen_t *len,
    int *dirfd, char **cause)
{
	memset(sa, 0, sizeof *sa);
	sa->sun_family = AF_UNIX;
	*dirfd = -1;
	size_t n = strlen(path);
	if (n < sizeof sa->sun_path) {
		memcpy(sa->sun_path, path, n + 1);
		*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
		return 0;
	}
	/* Too long for sun_path: go through the directory's descriptor. */
	const char *slash = strrchr(path, '/');
	if (!slash || !slash[1])
		return fail(cause, "socket path too long: %s", path);
	char *dir = slash == path ? xstrdup("/") : xstrndup(path, (size_t)(slash - path));
	int fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		free(dir);
		return fail(cause, "cannot open %s: %s", path, strerror(e));
	}
	free(dir);
	int w = snprintf(sa->sun_path, sizeof sa->sun_path, "/proc/self/fd/%d/%s", fd, slash + 1);
	if (w < 0 || (size_t)w >= sizeof sa->sun_path) {
		close(fd);
		return fail(cause, "socket path too long: %s", path);
	}
	*dirfd = fd;
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + (size_t)w + 1);
	return 0;
}

int home_connect(const char *path, char **cause)
{
	struct sockaddr_un sa;
	socklen_t len;
	int dirfd;
	if (home_sockaddr(path, &sa, &len, &dirfd, cause) < 0)
		return -1;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		int e = errno;
		if (dirfd >= 0)
			close(dirfd);
		fail(cause, "socket: %s", strerror(e));
		errno = e;
		return -1;
	}
	/* A server that accepts nothing (stopped, wedged) leaves connections
	 * queued; once its queue is full a blocking connect waits for room,
	 * as long as the send timeout allows: bounded, as every send. */
	struct timeval tv = { .tv_sec = HOME_SEND_TIMEOUT_MS / 1000 };
	int r = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	while (r == 0 && (r = connect(fd, (struct sockaddr *)&sa, len)) < 0 && errno == EINTR)
		;
	int e = errno;
	if (dirfd >= 0)
		close(dirfd);
	if (r < 0) {
		close(fd);
		if (e == EAGAIN)
			fail(cause, "cannot connect to %s: no room in its queue within %d s (the "
			    "daemon accepts nothing: stopped or wedged?)", path, HOME_SEND_TIMEOUT_MS / 1000);
		else
			fail(cause, "cannot connect to %s: %s", path, strerror(e));
		errno = e;
		return -1;
	}
	return fd;
}

/* NAME as one folder name: '/' written %2F and '%' written %25. */
static char *app_entry(const char *name)
{
	size_t extra = 0;
	for (const char *p = name; *p; p++)
		extra += *p == '/' || *p == '%' ? 2 : 0;
	char *entry = xmalloc(strlen(name) + extra + 1), *o = entry;
	for (const char *p = name; *p; p++) {
		if (*p == '/' || *p == '%') {
			memcpy(o, *p == '/' ? "%2F" : "%25", 3);
			o += 3;
		} else {
			*o++ = *p;
		}
	}
	*o = '\0';
	return entry;
}

char *home_app_dir(const char *home, const char *name)
{
	char *entry = app_entry(name);
	char *dir = xasprintf("%s/apps/%s", home, entry);
	free(entry);
	return dir;
}

char *home_run_app_dir(const char *run, const char *name)
{
	char *entry = app_entry(name);
	char *dir = xasprintf("%s/%s", run, entry);
	free(entry);
	return dir;
}

char *home_app_name(const char *entry)
{
	char *name = xstrdup(entry), *o = name;
	for (const char *p = entry; *p; p++) {
		if (strncmp(p, "%2F", 3) == 0 || strncmp(p, "%25", 3) == 0) {
			*o++ = p[2] == 'F' ? '/' : '%';
			p += 2;
		} else {
			*o++ = *p;
		}
	}
	*o = '\0';
	return name;
}
