/* $PSUP_HOME: which directory, created private with its parents, refused
 * when not private, the paths inside it, and socket addresses for paths
 * longer than sun_path. */
#include "home.h"
#include "tap.h"
#include "xalloc.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *cause;

/* The error message, for is_str; "" when there is none. */
static const char *why(void)
{
	static char buf[512];
	snprintf(buf, sizeof buf, "%s", cause ? cause : "");
	free(cause);
	cause = NULL;
	return buf;
}

static unsigned mode_of(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (unsigned)(st.st_mode & 07777) : 0;
}

static void test_default(void)
{
	setenv("PSUP_HOME", "/some/where", 1);
	char *h = home_default(&cause);
	is_str(h, "/some/where", "PSUP_HOME when set");
	free(h);
	setenv("PSUP_HOME", "", 1);
	setenv("HOME", "/home/x", 1);
	h = home_default(&cause);
	is_str(h, "/home/x/.psup", "an empty PSUP_HOME: $HOME/.psup");
	free(h);
	unsetenv("PSUP_HOME");
	unsetenv("HOME");
	h = home_default(&cause);
	if (!ok(h && strlen(h) > 6 && strcmp(h + strlen(h) - 6, "/.psup") == 0,
	    "no HOME: .psup in the passwd entry's home (%s)", h ? h : "none"))
		diag("%s", why());
	free(h);
}

static void test_prepare(const char *tmp)
{
	char *home = xasprintf("%s/a/b/home", tmp), *a = xasprintf("%s/a", tmp);
	char *apps = home_apps_path(home);
	umask(022);
	is_int(home_prepare(home, &cause), 0, "prepare a home whose parents are missing");
	is_int(mode_of(home), 0700, "the home is 0700");
	is_int(mode_of(a), 0700, "its created parents are 0700");
	is_int(mode_of(apps), 0700, "apps/ inside it is 0700");
	is_int(home_prepare(home, &cause), 0, "preparing it again is fine");
	is_int(home_check(home, &cause), 0, "home_check accepts it");

	chmod(home, 0770);
	is_int(home_check(home, &cause), -1, "a group-writable home is refused");
	char *want = xasprintf("%s is writable by group or others (mode 770): run chmod 700 on it", home);
	is_str(why(), want, "and the message says how to fix it");
	free(want);
	is_int(home_prepare(home, &cause), -1, "prepare refuses it too");
	free(cause);
	cause = NULL;
	chmod(home, 0700);

	char *file = xasprintf("%s/psup.pid", home);
	FILE *f = fopen(file, "w");
	if (f)
		fclose(f);
	is_int(home_check(file, &cause), -1, "a file is no home");
	want = xasprintf("%s is not a directory", file);
	is_str(why(), want, "and says so");
	free(want);
	char *missing = xasprintf("%s/nope", tmp);
	is_int(home_check(missing, &cause), -1, "home_check creates nothing");
	want = xasprintf("cannot use %s: No such file or directory", missing);
	is_str(why(), want, "and names what is missing");
	free(want);
	ok(access(missing, F_OK) != 0, "the missing home is still missing");
	free(missing);
	free(file);
	free(apps);
	free(a);
	free(home);
}

static void test_paths(void)
{
	static const struct {
		char *(*fn)(const char *);
		const char *want;
	} paths[] = {
		{ home_sock_path, "H/psup.sock" },
		{ home_pid_path, "H/psup.pid" },
		{ home_lock_path, "H/psup.lock" },
		{ home_apps_path, "H/apps" },
		{ home_dump_path, "H/dump.json" },
		{ home_daemon_log_path, "H/daemon.log" },
		{ home_keeper_log_path, "H/keeper.log" },
	};
	for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
		char *p = paths[i].fn("H");
		is_str(p, paths[i].want, "path %s", paths[i].want);
		free(p);
	}
	char *p = home_app_dir("H", "web");
	is_str(p, "H/apps/web", "an app's directory");
	free(p);
	p = home_app_dir("H", "api/v2%x");
	is_str(p, "H/apps/api%2Fv2%25x", "'/' and '%%' escaped in it");
	free(p);
	p = home_app_name("api%2Fv2%25x");
	is_str(p, "api/v2%x", "and back to the name");
	free(p);
	p = home_app_name("50%off");
	is_str(p, "50%off", "a '%%' not of an escape is kept");
	free(p);
}

/* Binds and listens on path through home_sockaddr; returns the socket. */
static int listen_at(const char *path)
{
	struct sockaddr_un sa;
	socklen_t len;
	int dirfd;
	if (home_sockaddr(path, &sa, &len, &dirfd, &cause) < 0)
		return -1;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && (bind(fd, (struct sockaddr *)&sa, len) < 0 || listen(fd, 1) < 0)) {
		close(fd);
		fd = -1;
	}
	if (dirfd >= 0)
		close(dirfd);
	return fd;
}

static void test_sockaddr(const char *tmp)
{
	struct sockaddr_un sa;
	socklen_t len;
	int dirfd;
	is_int(home_sockaddr("/h/psup.sock", &sa, &len, &dirfd, &cause), 0, "a short path");
	is_str(sa.sun_path, "/h/psup.sock", "goes into sun_path as is");
	is_int(dirfd, -1, "with no directory descriptor");
	is_int(len, offsetof(struct sockaddr_un, sun_path) + strlen("/h/psup.sock") + 1, "and its length");

	/* a directory deeper than sun_path holds */
	char *deep = xasprintf("%s/%0120d", tmp, 0);
	mkdir(deep, 0700);
	char *sock = xasprintf("%s/psup.sock", deep);
	ok(strlen(sock) >= sizeof sa.sun_path, "the socket path is longer than sun_path (%zu)",
	    strlen(sock));
	is_int(home_sockaddr(sock, &sa, &len, &dirfd, &cause), 0, "a long path");
	ok(dirfd >= 0, "goes through a descriptor of its directory");
	char *want = xasprintf("/proc/self/fd/%d/psup.sock", dirfd);
	is_str(sa.sun_path, want, "sun_path names the socket through it");
	free(want);
	if (dirfd >= 0)
		close(dirfd);

	int srv = listen_at(sock);
	if (!ok(srv >= 0, "a server listens at the long path"))
		diag("%s", why());
	int c = home_connect(sock, &cause);
	if (!ok(c >= 0, "home_connect reaches it"))
		diag("%s", why());
	if (c >= 0)
		close(c);
	if (srv >= 0)
		close(srv);
	unlink(sock);
	is_int(home_connect(sock, &cause), -1, "connecting to a socket that is gone fails");
	want = xasprintf("cannot connect to %s: No such file or directory", sock);
	is_str(why(), want, "and says why");
	free(want);

	char *name = xasprintf("%s/%0120d", tmp, 0);
	is_int(home_sockaddr(name, &sa, &len, &dirfd, &cause), -1,
	    "a file name longer than sun_path by itself is refused");
	want = xasprintf("socket path too long: %s", name);
	is_str(why(), want, "and says so");
	free(want);
	free(name);
	rmdir(deep);
	free(sock);
	free(deep);
}

/* The link's target, "" when home/run is no symlink. */
static const char *link_of(const char *home)
{
	static char buf[4096];
	char *l = home_run_link_path(home);
	ssize_t n = readlink(l, buf, sizeof buf - 1);
	buf[n > 0 ? n : 0] = '\0';
	free(l);
	return buf;
}

static void test_run_dir(const char *tmp)
{
	char *home = xasprintf("%s/rhome", tmp), *xdg = xasprintf("%s/xdg", tmp);
	char *xdg2 = xasprintf("%s/xdg2", tmp);
	mkdir(home, 0700);
	mkdir(xdg, 0700);
	mkdir(xdg2, 0700);

	setenv("PSUP_RUNDIR", "off", 1);
	ok(home_run_open(home, &cause) == NULL, "PSUP_RUNDIR=off: none");
	is_str(why(), "PSUP_RUNDIR=off", "and says so");
	unsetenv("PSUP_RUNDIR");

	setenv("XDG_RUNTIME_DIR", xdg, 1);
	char *r = home_run_open(home, &cause);
	char *pre = xasprintf("%s/psup-", xdg);
	ok(r && strncmp(r, pre, strlen(pre)) == 0, "in $XDG_RUNTIME_DIR when set (%s)", r ? r : why());
	is_int(mode_of(r ? r : "/nonexistent"), 0700, "made 0700");
	is_str(link_of(home), r ? r : "", "home/run points to it");

	/* another environment finds the same one through the link */
	setenv("XDG_RUNTIME_DIR", xdg2, 1);
	char *r2 = home_run_open(home, &cause);
	is_str(r2 ? r2 : why(), r ? r : "", "a daemon of another environment takes the linked one");
	free(r2);

	/* gone (tmpfs after a reboot): made again where the link says */
	if (r)
		rmdir(r);
	r2 = home_run_open(home, &cause);
	is_str(r2 ? r2 : why(), r ? r : "", "made again when missing");
	free(r2);

	/* not private any more: refused, a fresh one taken and linked */
	if (r)
		chmod(r, 0755);
	r2 = home_run_open(home, &cause);
	ok(r2 && strcmp(r2, r ? r : "") != 0, "one open to others is refused (%s)", r2 ? r2 : why());
	is_str(link_of(home), r2 ? r2 : "-", "and the link points to the fresh one");
	if (r2 && strncmp(r2, "/dev/shm/", 9) == 0)
		rmdir(r2);
	free(r2);

	/* a symlink in place of the directory is refused */
	unsetenv("XDG_RUNTIME_DIR");
	char *lnk = xasprintf("%s/lnk", xdg2);
	symlink(xdg, lnk);
	char *l = home_run_link_path(home);
	unlink(l);
	symlink(lnk, l);
	r2 = home_run_open(home, &cause);
	ok(r2 && strcmp(r2, lnk) != 0 && strncmp(r2, "/dev/shm/psup-", 14) == 0,
	    "a symlink as the directory is refused: /dev/shm's then (%s)", r2 ? r2 : why());
	if (r2)
		rmdir(r2);
	free(r2);

	/* home/run as something else than a symlink: none */
	unlink(l);
	mkdir(l, 0700);
	ok(home_run_open(home, &cause) == NULL, "home/run a directory: none");
	char *want = xasprintf("%s is not a symlink (psup makes it one)", l);
	is_str(why(), want, "and says why");
	free(want);
	rmdir(l);

	char *ad = home_run_app_dir("/run/x", "a/b%c");
	is_str(ad, "/run/x/a%2Fb%25c", "an app's runtime folder, escaped as its folder");
	free(ad);
	free(l);
	free(lnk);
	free(pre);
	free(r);
	free(home);
	free(xdg);
	free(xdg2);
}

/* home_run_close: an empty runtime directory goes with its link; one with
 * files in stays, and so does the link; a link to what is gone goes. */
static void test_run_close(const char *tmp)
{
	char *home = xasprintf("%s/chome", tmp), *run = xasprintf("%s/crun", tmp);
	char *l = home_run_link_path(home), *file = xasprintf("%s/app", run);
	mkdir(home, 0700);
	mkdir(run, 0700);
	mkdir(file, 0700);
	symlink(run, l);
	home_run_close(home, NULL);
	ok(access(run, F_OK) == 0 && strcmp(link_of(home), run) == 0,
	    "a runtime directory with a folder in stays, and its link");
	rmdir(file);
	home_run_close(home, NULL);
	ok(access(run, F_OK) < 0 && errno == ENOENT, "an empty one is removed");
	ok(access(l, F_OK) < 0 && readlink(l, (char[8]){ 0 }, 8) < 0, "with its link");
	symlink(run, l);
	home_run_close(home, NULL);
	ok(readlink(l, (char[8]){ 0 }, 8) < 0, "a link to a directory gone goes");
	mkdir(run, 0700);
	home_run_close(home, run);
	ok(access(run, F_OK) < 0, "the directory named, without a link");
	rmdir(home);
	free(file);
	free(l);
	free(run);
	free(home);
}

int main(void)
{
	char tmpl[] = "/tmp/test_home.XXXXXX";
	char *tmp = mkdtemp(tmpl);
	if (!tmp) {
		printf("1..0 # SKIP mkdtemp failed\n");
		return 0;
	}
	plan_no_plan();
	test_default();
	test_prepare(tmp);
	test_paths();
	test_sockaddr(tmp);
	test_run_close(tmp);
	test_run_dir(tmp);
	char *rm = xasprintf("rm -rf '%s'", tmp);
	if (system(rm) != 0)
		diag("could not remove %s", tmp);
	free(rm);
	return done_testing();
}
