/* One parser of /proc/PID/stat and one reader of the boot id (procfs.h). */
#include "procfs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int parse_ll(const char **pp, const char *end, long long *v)
{
	const char *p = *pp;
	while (p < end && *p == ' ')
		p++;
	int neg = 0;
	if (p < end && *p == '-') {
		neg = 1;
		p++;
	}
	if (p >= end || *p < '0' || *p > '9')
		return -1;
	long long x = 0;
	while (p < end && *p >= '0' && *p <= '9') {
		if (x > (0x7fffffffffffffffLL - 9) / 10)
			return -1;
		x = x * 10 + (*p - '0');
		p++;
	}
	*v = neg ? -x : x;
	*pp = p;
	return 0;
}

static int skip_field(const char **pp, const char *end)
{
	const char *p = *pp;
	while (p < end && *p == ' ')
		p++;
	if (p >= end)
		return -1;
	while (p < end && *p != ' ')
		p++;
	*pp = p;
	return 0;
}

int procfs_stat_parse(const char *buf, size_t len, struct procfs_stat *out)
{
	const char *end = buf + len, *p = buf;
	long long v;
	memset(out, 0, sizeof *out);
	if (parse_ll(&p, end, &v) < 0 || v <= 0)
		return -1;
	out->pid = (pid_t)v;
	while (p < end && *p == ' ')
		p++;
	if (p >= end || *p != '(')
		return -1;
	const char *lp = p;
	/* comm is "(...)" and may itself hold ") ": the last ')' ends it */
	const char *rp = NULL;
	for (const char *q = end; q > lp + 1; q--)
		if (q[-1] == ')') {
			rp = q - 1;
			break;
		}
	if (!rp)
		return -1;
	size_t cl = (size_t)(rp - lp - 1);
	if (cl > sizeof out->comm - 1)
		cl = sizeof out->comm - 1;
	memcpy(out->comm, lp + 1, cl);
	p = rp + 1;
	while (p < end && *p == ' ')
		p++;
	if (p >= end)
		return -1;
	out->state = *p++;
	/* fields numbered as in proc(5): 4 ppid, 5 pgrp, 14 utime, 15 stime,
	 * 16 cutime, 17 cstime, 20 num_threads, 22 starttime, 24 rss */
	long long f[25] = { 0 };
	for (int i = 4; i <= 24; i++) {
		if (i == 4 || i == 5 || (i >= 14 && i <= 17) || i == 20 || i == 22 || i == 24) {
			if (parse_ll(&p, end, &f[i]) < 0)
				return -1;
		} else if (skip_field(&p, end) < 0) {
			return -1;
		}
	}
	out->ppid = (pid_t)f[4];
	out->pgrp = (pid_t)f[5];
	out->ticks = f[14] + f[15];
	out->child_ticks = f[16] + f[17] > 0 ? f[16] + f[17] : 0;
	out->threads = f[20] > 0 && f[20] < 1 << 30 ? (int)f[20] : 1;
	out->starttime = f[22];
	out->rss_pages = f[24] > 0 ? f[24] : 0;
	return 0;
}

int procfs_state_dead(char state)
{
	return state == 'Z' || state == 'X';
}

ssize_t procfs_pread(int fd, char *buf, size_t n)
{
	ssize_t r;
	while ((r = pread(fd, buf, n - 1, 0)) < 0 && errno == EINTR)
		;
	if (r >= 0)
		buf[r] = '\0';
	return r;
}

/* Reads the whole of a small file into buf (NUL-terminated): a /proc file
 * comes whole in one read. Returns its length, -1 with errno. */
static ssize_t read_small(const char *path, char *buf, size_t n)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t r = procfs_pread(fd, buf, n);
	int e = errno;
	close(fd);
	errno = e;
	return r;
}

ssize_t procfs_read(pid_t pid, const char *what, char *buf, size_t n)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%ld/%s", (long)pid, what);
	return read_small(path, buf, n);
}

/* A stat line of len bytes (-1: not read) into *out. */
static int stat_from(const char *buf, ssize_t len, struct procfs_stat *out)
{
	if (len < 0)
		return -1;
	if (procfs_stat_parse(buf, (size_t)len, out) < 0) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

int procfs_stat_read(pid_t pid, struct procfs_stat *out)
{
	char buf[1024];
	if (pid <= 0) {
		errno = ENOENT;
		return -1;
	}
	return stat_from(buf, procfs_read(pid, "stat", buf, sizeof buf), out);
}

int procfs_stat_pread(int fd, struct procfs_stat *out)
{
	char buf[1024];
	return stat_from(buf, procfs_pread(fd, buf, sizeof buf), out);
}

int procfs_boot_id(char *out, size_t n)
{
	memset(out, 0, n);
	ssize_t len = read_small("/proc/sys/kernel/random/boot_id", out, n);
	if (len < 0) {
		memset(out, 0, n);
		return -1;
	}
	if (len > 0 && out[len - 1] == '\n')
		out[len - 1] = '\0';
	return 0;
}
