/* cgroup: the mountinfo, /proc/PID/cgroup and cgroup.events parsers, base
 * names, and (as root, with cgroup2 writable) a real app cgroup: joined,
 * signalled, waited empty and removed. */
#include "tap.h"
#include "cgroup.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void test_mountinfo(void)
{
	static const struct {
		const char *in;
		int rc;
		const char *mnt;
	} cases[] = {
		{ "", -1, "" },
		{ "25 1 0:22 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n",
		  0, "/sys/fs/cgroup" },
		/* optional tags before the dash; a v1 hierarchy first */
		{ "30 25 0:26 / /sys/fs/cgroup/memory rw shared:9 - cgroup cgroup rw,memory\n"
		  "40 25 0:33 / /sys/fs/cgroup/unified rw shared:10 master:2 - cgroup2 cgroup2 rw\n",
		  0, "/sys/fs/cgroup/unified" },
		/* escapes undone */
		{ "41 1 0:34 / /mnt/my\\040cg rw - cgroup2 none rw\n", 0, "/mnt/my cg" },
		/* a type that only starts like it */
		{ "42 1 0:35 / /x rw - cgroup2fs none rw\n", -1, "" },
		/* a mount point named like the type is no match */
		{ "43 1 0:36 / /cgroup2 rw - tmpfs cgroup2 rw\n", -1, "" },
		{ "44 1 0:36 / /last rw - cgroup2 none rw", 0, "/last" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char out[64] = "";
		int rc = cgroup_parse_mountinfo(cases[i].in, strlen(cases[i].in), out, sizeof out);
		is_int(rc, cases[i].rc, "mountinfo case %zu: rc", i);
		if (rc == 0)
			is_str(out, cases[i].mnt, "mountinfo case %zu: mount point", i);
	}
	char tiny[4];
	const char *long_mnt = "1 1 0:1 / /sys/fs/cgroup rw - cgroup2 x rw\n";
	is_int(cgroup_parse_mountinfo(long_mnt, strlen(long_mnt), tiny, sizeof tiny), -1,
	    "a mount point that does not fit");
}

static void test_self(void)
{
	static const struct {
		const char *in;
		int rc;
		const char *path;
	} cases[] = {
		{ "0::/\n", 0, "" },
		{ "0::/user.slice/user-1000.slice/session-2.scope\n", 0,
		  "/user.slice/user-1000.slice/session-2.scope" },
		{ "4:memory:/x\n0::/system.slice/psup.service\n", 0, "/system.slice/psup.service" },
		{ "4:memory:/x\n1:name=systemd:/\n", -1, "" },
		{ "0::/../../other\n", -1, "" },
		{ "0::/gone (deleted)\n", -1, "" },
		{ "0::/a", 0, "/a" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char out[64] = "?";
		int rc = cgroup_parse_self(cases[i].in, strlen(cases[i].in), out, sizeof out);
		is_int(rc, cases[i].rc, "cgroup file case %zu: rc", i);
		if (rc == 0)
			is_str(out, cases[i].path, "cgroup file case %zu: path", i);
	}
}

static void test_populated(void)
{
	static const struct {
		const char *in;
		int want;
	} cases[] = {
		{ "populated 1\nfrozen 0\n", 1 },
		{ "populated 0\nfrozen 0\n", 0 },
		{ "frozen 0\npopulated 1", 1 },
		{ "frozen 0\n", -1 },
		{ "populated 2\n", -1 },
		{ "populated 10\n", -1 },
		{ "", -1 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		is_int(cgroup_parse_populated(cases[i].in, strlen(cases[i].in)), cases[i].want,
		    "cgroup.events case %zu", i);
}

static void test_stat(void)
{
	static const struct {
		const char *in, *key;
		long long want;
	} cases[] = {
		{ "anon 4096\nfile 8192\nkernel 12\n", "file", 8192 },
		{ "anon 4096\nfile 8192\n", "anon", 4096 },
		{ "anon 4096\nfile_mapped 1\n", "file", -1 },
		{ "file_mapped 1\nfile 7", "file", 7 },
		{ "file x\n", "file", -1 },
		{ "file \n", "file", -1 },
		{ "file 99999999999999999999\n", "file", -1 },
		{ "", "file", -1 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		is_int((int)cgroup_parse_stat(cases[i].in, strlen(cases[i].in), cases[i].key),
		    (int)cases[i].want, "memory.stat case %zu", i);
}

static void test_names(void)
{
	char a[32], b[32], c[32];
	cgroup_base_name("/home/u/.psup", a, sizeof a);
	cgroup_base_name("/home/u/.psup", b, sizeof b);
	cgroup_base_name("/home/v/.psup", c, sizeof c);
	is_int((int)strlen(a), 21, "a base name is psup- and 16 hex digits");
	ok(strncmp(a, "psup-", 5) == 0, "base name starts psup-: %s", a);
	is_str(a, b, "the same home, the same base");
	ok(strcmp(a, c) != 0, "another home, another base");
	char p[32];
	is_int(cgroup_app_path("/cg/psup-x", "web", p, sizeof p), 0, "app path");
	is_str(p, "/cg/psup-x/app-web", "app path is base/app-ENTRY");
	is_int(cgroup_app_path("/cg/psup-x", "a-name-much-too-long-for-it", p, sizeof p), -1,
	    "an app path that does not fit");
}

/* A real cgroup, where this test may make one. */
static void test_real(void)
{
	char base[CGROUP_PATH_MAX], *why = NULL;
	char home[64];
	snprintf(home, sizeof home, "/test_cgroup/%ld", (long)getpid());
	if (geteuid() != 0 || cgroup_base_open(home, base, sizeof base, &why) < 0) {
		diag("skipping the real cgroup: %s", why ? why : "not root");
		free(why);
		return;
	}
	ok(access(base, F_OK) < 0 && errno == ENOENT, "a base without apps is not kept");
	char dir[CGROUP_PATH_MAX];
	is_int(cgroup_app_path(base, "t", dir, sizeof dir), 0, "app path");
	int fresh = 0;
	int fd = cgroup_app_open(dir, &fresh);
	ok(fd >= 0 && fresh, "app cgroup made and opened");
	ok(access(base, F_OK) == 0, "the base made again for it");
	is_int(cgroup_populated(dir), 0, "empty at first");
	int p[2];
	if (fd < 0 || pipe(p) < 0)
		return;
	pid_t child = fork();
	if (child == 0) {
		cgroup_join_self(fd);
		setsid();
		if (fork() == 0)
			pause();
		close(p[1]);
		pause();
		_exit(0);
	}
	close(p[1]);
	ok(cgroup_move(fd, child) == 0, "moved by its parent as well");
	pid_t born = cgroup_fork_into(fd);
	if (born == 0) {
		pause();
		_exit(0);
	}
	if (!ok(born > 0, "clone3 with CLONE_INTO_CGROUP"))
		diag("%s", strerror(errno));
	char path[64], text[4096], line[CGROUP_PATH_MAX] = "";
	snprintf(path, sizeof path, "/proc/%ld/cgroup", (long)born);
	FILE *f = born > 0 ? fopen(path, "r") : NULL;
	if (f) {
		size_t n = fread(text, 1, sizeof text, f);
		if (cgroup_parse_self(text, n, line, sizeof line) < 0)
			line[0] = '\0';
		fclose(f);
	}
	const char *leaf = strrchr(dir, '/');
	size_t ll = strlen(line), fl = leaf ? strlen(leaf) : 0;
	ok(leaf && ll >= fl && strcmp(line + ll - fl, leaf) == 0, "and born in it (%s)", line);
	close(fd);
	is_int(cgroup_populated(dir), 1, "populated with the child");
	is_int(cgroup_remove(dir), -1, "a busy cgroup is not removed");
	is_int(errno, EBUSY, "EBUSY");
	ok(cgroup_signal(dir, SIGKILL) >= 1, "SIGKILL to all");
	is_int(cgroup_wait_empty(dir, 5000), 0, "empty after the kill");
	waitpid(child, NULL, 0);
	if (born > 0)
		waitpid(born, NULL, 0);
	int kfd = cgroup_app_open(dir, &fresh);
	ok(kfd >= 0 && fresh, "an emptied cgroup is made anew");
	pid_t again = kfd >= 0 ? cgroup_fork_into(kfd) : -1;
	if (again == 0)
		_exit(7);
	int st = 0;
	if (again > 0)
		waitpid(again, &st, 0);
	ok(again > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 7,
	    "a process cloned into it after a kill lives");
	if (kfd >= 0)
		close(kfd);
	is_int(cgroup_remove(dir), 0, "removed");
	ok(access(base, F_OK) < 0 && errno == ENOENT, "the base went with its last app");
	is_int(cgroup_remove(dir), 0, "removed already is fine");
	fd = cgroup_app_open(dir, &fresh);
	ok(fd >= 0 && access(dir, F_OK) == 0, "a next start makes base and app cgroup again");
	if (fd >= 0)
		close(fd);
	char other[CGROUP_PATH_MAX];
	cgroup_app_path(base, "u", other, sizeof other);
	fd = cgroup_app_open(other, &fresh);
	if (fd >= 0)
		close(fd);
	is_int(cgroup_remove(dir), 0, "one app's cgroup removed");
	ok(access(base, F_OK) == 0, "the base stays while another app's is in it");
	cgroup_base_remove(base);
	ok(access(base, F_OK) < 0 && errno == ENOENT, "base_remove: the empty app cgroups and the base");
	close(p[0]);
}

int main(void)
{
	test_mountinfo();
	test_self();
	test_populated();
	test_stat();
	test_names();
	test_real();
	return done_testing();
}
