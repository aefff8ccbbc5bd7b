/* A cgroup (v2) per app: finding the base, making, joining, signalling,
 * measuring and removing an app's cgroup (cgroup.h). */
#include "cgroup.h"
#include "atomicfile.h"
#include "hash.h"
#include "xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* mountinfo can be long on a busy host; past this, cgroup2 is not sought */
#define MOUNTINFO_MAX (1 << 20)

/* Field i (0-based, space-separated) of the line [p, end), or NULL. */
static const char *field(const char *p, const char *end, int i, size_t *len)
{
	for (; i > 0; i--) {
		p = memchr(p, ' ', (size_t)(end - p));
		if (!p)
			return NULL;
		p++;
	}
	const char *sp = memchr(p, ' ', (size_t)(end - p));
	*len = (size_t)((sp ? sp : end) - p);
	return p;
}

/* Copies a mountinfo path with its \NNN escapes undone. */
static int unescape(const char *s, size_t len, char *out, size_t n)
{
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (c == '\\' && i + 3 < len &&
		    s[i + 1] >= '0' && s[i + 1] <= '3' && s[i + 2] >= '0' && s[i + 2] <= '7' &&
		    s[i + 3] >= '0' && s[i + 3] <= '7') {
			c = (char)((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
			i += 3;
		}
		if (o + 1 >= n)
			return -1;
		out[o++] = c;
	}
	out[o] = '\0';
	return 0;
}

int cgroup_parse_mountinfo(const char *buf, size_t len, char *out, size_t n)
{
	const char *p = buf, *end = buf + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		/* "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [TAGS...] - FSTYPE SRC SUPEROPTS" */
		const char *dash = NULL;
		for (const char *q = p; q + 2 < le; q++)
			if (q[0] == ' ' && q[1] == '-' && q[2] == ' ') {
				dash = q + 3;
				break;
			}
		size_t fl, ml;
		const char *fs = dash ? field(dash, le, 0, &fl) : NULL;
		const char *mp = field(p, le, 4, &ml);
		if (fs && mp && fl == 7 && memcmp(fs, "cgroup2", 7) == 0 && mp < dash)
			return unescape(mp, ml, out, n);
		p = le + 1;
	}
	return -1;
}

int cgroup_parse_self(const char *buf, size_t len, char *out, size_t n)
{
	const char *p = buf, *end = buf + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		if (le - p >= 4 && memcmp(p, "0::/", 4) == 0) {
			size_t pl = (size_t)(le - p - 3);
			const char *path = p + 3;
			/* outside our namespace's view, or removed: not reachable */
			if ((pl >= 3 && memcmp(path, "/..", 3) == 0) ||
			    (pl >= 10 && memcmp(le - 10, " (deleted)", 10) == 0) || pl + 1 > n)
				return -1;
			/* the root is "/", which joins as "" */
			if (pl == 1)
				pl = 0;
			memcpy(out, path, pl);
			out[pl] = '\0';
			return 0;
		}
		p = le + 1;
	}
	return -1;
}

int cgroup_parse_populated(const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		if (le - p == 11 && memcmp(p, "populated ", 10) == 0 && (p[10] == '0' || p[10] == '1'))
			return p[10] - '0';
		p = le + 1;
	}
	return -1;
}

void cgroup_base_name(const char *home, char *out, size_t n)
{
	/* FNV-1a: stable across runs and builds, so a new daemon of the
	 * same home finds the base its keepers use */
	uint64_t h = hash_fnv1a(HASH_FNV1A_INIT, home, strlen(home));
	snprintf(out, n, "psup-%016llx", (unsigned long long)h);
}

/* Reads file of cgroup dir whole (NUL-terminated, malloc'd; the caller
 * frees it). Returns it, or NULL with errno. */
static char *read_file(const char *dir, const char *file, size_t max, size_t *len)
{
	char path[CGROUP_PATH_MAX + 32];
	snprintf(path, sizeof path, "%s/%s", dir, file);
	char *buf;
	return atomicfile_read(path, max, &buf, len, NULL) == 0 ? buf : NULL;
}

static int write_str(const char *dir, const char *file, const char *s)
{
	char path[CGROUP_PATH_MAX + 32];
	snprintf(path, sizeof path, "%s/%s", dir, file);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t w = write(fd, s, strlen(s));
	int e = errno;
	close(fd);
	errno = e;
	return w < 0 ? -1 : 0;
}

/* Makes a home's base (present already is fine); a new one gets the
 * memory controller handed down where its parent has it, for memory.current
 * in each app's cgroup (without it the keepers measure). */
static int base_make(const char *base)
{
	if (mkdir(base, 0755) < 0)
		return errno == EEXIST ? 0 : -1;
	size_t len;
	char *ctl = read_file(base, "cgroup.controllers", 4096, &len);
	if (ctl && strstr(ctl, "memory"))
		write_str(base, "cgroup.subtree_control", "+memory");
	free(ctl);
	return 0;
}

/* Removes the empty app cgroups under base: those of keepers killed before
 * they could (a live keeper makes its own again at its app's next start). */
static void sweep_apps(const char *base)
{
	DIR *d = opendir(base);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, "app-", 4) != 0)
			continue;
		char path[CGROUP_PATH_MAX + 300];
		if ((size_t)snprintf(path, sizeof path, "%s/%s", base, de->d_name) < sizeof path)
			rmdir(path);
	}
	closedir(d);
}

int cgroup_base_open(const char *home, char *out, size_t n, char **cause)
{
	const char *env = getenv("PSUP_CGROUP");
	if (env && strcmp(env, "off") == 0)
		return fail(cause, "PSUP_CGROUP=off");
	size_t len;
	char *mi = read_file("/proc/self", "mountinfo", MOUNTINFO_MAX, &len);
	if (!mi)
		return fail(cause, "cannot read /proc/self/mountinfo: %s", strerror(errno));
	char mnt[CGROUP_PATH_MAX], own[CGROUP_PATH_MAX], name[32];
	int r = cgroup_parse_mountinfo(mi, len, mnt, sizeof mnt);
	free(mi);
	if (r < 0)
		return fail(cause, "no cgroup2 file system is mounted");
	char *self = read_file("/proc/self", "cgroup", 65536, &len);
	r = self ? cgroup_parse_self(self, len, own, sizeof own) : -1;
	free(self);
	if (r < 0)
		return fail(cause, "this process has no reachable cgroup2 path");
	cgroup_base_name(home, name, sizeof name);
	if ((size_t)snprintf(out, n, "%s%s/%s", mnt, own, name) >= n)
		return fail(cause, "cgroup path %s%s/%s is too long", mnt, own, name);
	sweep_apps(out);
	if (base_make(out) < 0)
		return fail(cause, "cannot make cgroup %s: %s", out, strerror(errno));
	char procs[CGROUP_PATH_MAX + 32];
	snprintf(procs, sizeof procs, "%s/cgroup.procs", out);
	if (access(procs, W_OK) < 0) {
		int e = errno;
		rmdir(out);
		return fail(cause, "cgroup %s is not writable: %s", out, strerror(e));
	}
	/* Tried, and kept only while apps are in it: a keeper makes it again
	 * for its app (cgroup_app_open), and a daemon killed before it ran
	 * any leaves nothing on the machine. */
	rmdir(out);
	return 0;
}

int cgroup_app_path(const char *base, const char *entry, char *out, size_t n)
{
	return (size_t)snprintf(out, n, "%s/app-%s", base, entry) < n ? 0 : -1;
}

/* The base dir is in (dir up to its last '/'), into out[0..n). */
static int base_of(const char *dir, char *out, size_t n)
{
	const char *slash = strrchr(dir, '/');
	if (!slash || (size_t)(slash - dir) >= n)
		return -1;
	memcpy(out, dir, (size_t)(slash - dir));
	out[slash - dir] = '\0';
	return 0;
}

int cgroup_app_open(const char *dir, int *fresh)
{
	char base[CGROUP_PATH_MAX];
	/* an empty one goes: processes cloned into a cgroup once killed die */
	rmdir(dir);
	*fresh = 1;
	for (int tries = 0; mkdir(dir, 0755) < 0; tries++) {
		if (errno == EEXIST) {
			*fresh = 0;
			break;
		}
		/* the home's last app cgroup took the base with it (cgroup_remove):
		 * make it again, racing at worst another keeper's removal */
		if (errno != ENOENT || tries == 3 || base_of(dir, base, sizeof base) < 0 ||
		    base_make(base) < 0)
			return -1;
	}
	return open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

/* clone3's argument and flag as the kernel's ABI fixes them (linux/sched.h):
 * spelled out because the keeper is also built against musl, whose headers
 * carry no kernel headers. */
struct cgroup_clone_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal;
	uint64_t stack, stack_size, tls, set_tid, set_tid_size, cgroup;
};
#define CGROUP_CLONE_INTO 0x200000000ULL

pid_t cgroup_fork_into(int dir_fd)
{
	struct cgroup_clone_args ca;
	memset(&ca, 0, sizeof ca);
	ca.flags = CGROUP_CLONE_INTO;
	ca.exit_signal = SIGCHLD;
	ca.cgroup = (uint64_t)dir_fd;
	return (pid_t)syscall(SYS_clone3, &ca, sizeof ca);
}

/* Writes s (len bytes) to dir_fd's cgroup.procs; async-signal-safe. */
static int procs_write(int dir_fd, const char *s, size_t len)
{
	int fd = openat(dir_fd, "cgroup.procs", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int r = write(fd, s, len) == (ssize_t)len ? 0 : -1;
	int e = errno;
	close(fd);
	errno = e;
	return r;
}

int cgroup_join_self(int dir_fd)
{
	/* "0" is the writer itself: no formatting between fork and exec */
	return procs_write(dir_fd, "0", 1);
}

int cgroup_move(int dir_fd, pid_t pid)
{
	char s[24];
	int l = snprintf(s, sizeof s, "%ld", (long)pid);
	return procs_write(dir_fd, s, (size_t)l);
}

int cgroup_populated(const char *dir)
{
	size_t len;
	char *buf = read_file(dir, "cgroup.events", 4096, &len);
	if (!buf)
		return -1;
	int p = cgroup_parse_populated(buf, len);
	free(buf);
	if (p < 0)
		errno = EINVAL;
	return p;
}

int cgroup_wait_empty(const char *dir, int timeout_ms)
{
	char path[CGROUP_PATH_MAX + 32];
	snprintf(path, sizeof path, "%s/cgroup.events", dir);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	long long until = now.tv_sec * 1000LL + now.tv_nsec / 1000000 + timeout_ms;
	int rc = -1;
	for (;;) {
		char buf[256];
		ssize_t r = pread(fd, buf, sizeof buf - 1, 0);
		if (r < 0)
			break;
		if (cgroup_parse_populated(buf, (size_t)r) == 0) {
			rc = 0;
			break;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		long long left = until - (now.tv_sec * 1000LL + now.tv_nsec / 1000000);
		if (left <= 0) {
			errno = ETIMEDOUT;
			break;
		}
		/* the kernel marks cgroup.events on every change of it */
		struct pollfd pfd = { fd, POLLPRI, 0 };
		if (poll(&pfd, 1, (int)left) < 0 && errno != EINTR)
			break;
	}
	int e = errno;
	close(fd);
	errno = e;
	return rc;
}

int cgroup_signal(const char *dir, int sig)
{
	if (sig == SIGKILL && write_str(dir, "cgroup.kill", "1") == 0)
		return 1;
	size_t len;
	char *procs = read_file(dir, "cgroup.procs", 1 << 24, &len);
	if (!procs)
		return -1;
	int n = 0;
	for (char *p = procs, *e; *p; p = e) {
		long pid = strtol(p, &e, 10);
		if (e == p)
			break;
		if (pid > 0 && kill((pid_t)pid, sig) == 0)
			n++;
	}
	free(procs);
	return n;
}

long long cgroup_parse_stat(const char *buf, size_t len, const char *key)
{
	size_t kl = strlen(key);
	const char *p = buf, *end = buf + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		if ((size_t)(le - p) > kl + 1 && memcmp(p, key, kl) == 0 && p[kl] == ' ') {
			long long v = 0;
			const char *q = p + kl + 1;
			if (q == le)
				return -1;
			for (; q < le; q++) {
				if (*q < '0' || *q > '9' || v > (LLONG_MAX - 9) / 10)
					return -1;
				v = v * 10 + (*q - '0');
			}
			return v;
		}
		p = le + 1;
	}
	return -1;
}

long long cgroup_memory(const char *dir)
{
	size_t len;
	char *buf = read_file(dir, "memory.current", 64, &len);
	if (!buf)
		return -1;
	char *e;
	long long v = strtoll(buf, &e, 10);
	int bad = e == buf || v < 0;
	free(buf);
	if (bad)
		return -1;
	/* the page cache of the files the app read or wrote is charged too,
	 * and the kernel takes it back when short: not the app's memory */
	char *stat = read_file(dir, "memory.stat", 1 << 16, &len);
	long long file = stat ? cgroup_parse_stat(stat, len, "file") : -1;
	free(stat);
	return file > 0 && file < v ? v - file : v;
}

int cgroup_remove(const char *dir)
{
	if (rmdir(dir) < 0 && errno != ENOENT)
		return -1;
	/* the base too when this was its last app: nothing of psup's is left
	 * when every keeper quits, even with the daemon killed at once */
	char base[CGROUP_PATH_MAX];
	if (base_of(dir, base, sizeof base) == 0)
		rmdir(base);
	return 0;
}

void cgroup_base_remove(const char *base)
{
	sweep_apps(base);
	rmdir(base);
}
