/* Spawning the app: fork/exec done the careful way. Signals are blocked
 * across fork; the child (child.h) resets handlers and mask, gets its own
 * session, stdin from /dev/null, stdout/stderr/progress pipes on 1/2/3, and
 * no other descriptor. An exec failure travels back through a close-on-exec
 * pipe, so the keeper knows synchronously whether the app started. */
#include "keeper.h"
#include "cgroup.h"
#include "child.h"
#include "clock.h"
#include "procid.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

extern char **environ;

static int env_key_eq(const char *a, const char *b)
{
	const char *ea = strchr(a, '='), *eb = strchr(b, '=');
	size_t la = ea ? (size_t)(ea - a) : strlen(a);
	size_t lb = eb ? (size_t)(eb - b) : strlen(b);
	return la == lb && memcmp(a, b, la) == 0;
}

/* The app's environment: its base (the environment of the `psup` command
 * that started it, else the keeper's own), PWD set to its cwd as a shell
 * would, the spec's entries over both, then PSUP_PROGRESS_FD, and
 * PSUP_APP_NAME unless the spec sets it. The strings are borrowed except the
 * three in extra, which the caller frees. */
static char **build_env(const struct app_spec *s, char **extra)
{
	char **base = s->base_env ? s->base_env : environ;
	size_t ne = 0, ns = 0;
	while (base && base[ne])
		ne++;
	while (s->env && s->env[ns])
		ns++;
	char **v = xcalloc(ne + ns + 4, sizeof *v);
	size_t n = 0;
	extra[0] = xstrdup("PSUP_PROGRESS_FD=3");
	extra[1] = xasprintf("PSUP_APP_NAME=%s", s->name);
	extra[2] = s->cwd && *s->cwd ? xasprintf("PWD=%s", s->cwd) : NULL;
	int pwd_set = 0, app_name_set = 0;
	for (size_t j = 0; j < ns; j++) {
		pwd_set |= extra[2] && env_key_eq(s->env[j], extra[2]);
		app_name_set |= env_key_eq(s->env[j], extra[1]);
	}
	for (size_t i = 0; i < ne; i++) {
		int overridden = env_key_eq(base[i], extra[0]) || env_key_eq(base[i], extra[1]) ||
		    (extra[2] && env_key_eq(base[i], extra[2]));
		for (size_t j = 0; j < ns && !overridden; j++)
			overridden = env_key_eq(base[i], s->env[j]);
		if (!overridden)
			v[n++] = base[i];
	}
	if (extra[2] && !pwd_set)
		v[n++] = extra[2];
	for (size_t j = 0; j < ns; j++)
		if (!env_key_eq(s->env[j], extra[0]))
			v[n++] = s->env[j];
	v[n++] = extra[0];
	if (!app_name_set)
		v[n++] = extra[1];
	v[n] = NULL;
	return v;
}

/* In the child, between fork and exec: only async-signal-safe work. */
static _Noreturn void child(const struct app_spec *s, char **envp, const int fds[4], int errfd,
    int cgfd)
{
	/* without CLONE_INTO_CGROUP: first, so that nothing the app starts
	 * is outside its cgroup; the keeper moves it too and knows from that
	 * whether it is in */
	if (cgfd >= 0)
		cgroup_join_self(cgfd);
	if (child_reset(fds, 4, 1, &errfd) < 0)
		child_report_fail(errfd, CHILD_STAGE_FDS);
	if (s->cwd && *s->cwd && chdir(s->cwd) < 0)
		child_report_fail(errfd, CHILD_STAGE_CHDIR);
	environ = envp;
	execvp(s->argv[0], s->argv);
	child_report_fail(errfd, CHILD_STAGE_EXEC);
}

static void set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl >= 0)
		fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static void close_pair(int p[2])
{
	if (p[0] >= 0)
		close(p[0]);
	if (p[1] >= 0)
		close(p[1]);
	p[0] = p[1] = -1;
}

/* 0 when the file an interpreter is to run is there (relative to the
 * app's cwd); else -1 with errno set. */
static int script_present(const struct app_spec *s)
{
	struct stat st;
	if (s->script[0] == '/')
		return stat(s->script, &st);
	char *p = xasprintf("%s/%s", s->cwd ? s->cwd : ".", s->script);
	int r = stat(p, &st);
	int e = errno;
	free(p);
	errno = e;
	return r;
}

int keeper_spawn(struct keeper *k, char **cause)
{
	const struct app_spec *s = &k->spec;
	/* the interpreter would start, fail on it and be restarted until the
	 * app errored: said at once instead, as a program not found is */
	if (s->script && script_present(s) < 0)
		return errno == ENOENT || errno == ENOTDIR
		    ? fail(cause, "cannot find script %s (%s would run it)", s->script, s->argv[0])
		    : fail(cause, "cannot reach script %s: %s", s->script, strerror(errno));
	int out[2] = { -1, -1 }, err[2] = { -1, -1 }, prog[2] = { -1, -1 }, ep[2] = { -1, -1 };
	int devnull = -1;
	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0 ||
	    pipe2(prog, O_CLOEXEC) < 0 || pipe2(ep, O_CLOEXEC) < 0 ||
	    (devnull = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0) {
		int e = errno;
		close_pair(out);
		close_pair(err);
		close_pair(prog);
		close_pair(ep);
		return fail(cause, "cannot create pipes for %s: %s", s->name, strerror(e));
	}
	int cgfd = -1, fresh = 0;
	if (k->cg_dir && (cgfd = cgroup_app_open(k->cg_dir, &fresh)) < 0 && !k->cg_failed) {
		/* said once: every start would fail the same way */
		keeper_warnx("%s: cgroup %s: %s; the app runs without one", s->name, k->cg_dir,
		    strerror(errno));
		k->cg_failed = 1;
	}
	char *extra[3];
	char **envp = build_env(s, extra);
	sigset_t all, old;
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	/* born in its cgroup where the kernel can, else moved there */
	pid_t pid = cgfd >= 0 && fresh ? cgroup_fork_into(cgfd) : -1;
	int into = pid >= 0;
	if (!into)
		pid = fork();
	if (pid == 0) {
		const int fds[4] = { devnull, out[1], err[1], prog[1] };
		child(s, envp, fds, ep[1], into ? -1 : cgfd);
	}
	int fork_errno = errno;
	k->cg_run = pid > 0 && cgfd >= 0 && (into || cgroup_move(cgfd, pid) == 0);
	if (cgfd >= 0)
		close(cgfd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	free(envp);
	free(extra[0]);
	free(extra[1]);
	free(extra[2]);
	close(devnull);
	close(out[1]);
	close(err[1]);
	close(prog[1]);
	close(ep[1]);
	if (pid < 0) {
		close(out[0]);
		close(err[0]);
		close(prog[0]);
		close(ep[0]);
		return fail(cause, "cannot fork %s: %s", s->name, strerror(fork_errno));
	}

	struct child_report se;
	if (child_exec_result(ep[0], &se)) {
		close(out[0]);
		close(err[0]);
		close(prog[0]);
		/* the child is reaped by the SIGCHLD path; it is not the app */
		switch (se.stage) {
		case CHILD_STAGE_CHDIR:
			return fail(cause, "cannot chdir to %s: %s", s->cwd, strerror(se.err));
		case CHILD_STAGE_EXEC:
			return fail(cause, "cannot exec %s: %s", s->argv[0], strerror(se.err));
		default:
			return fail(cause, "cannot set up descriptors for %s: %s", s->argv[0],
			    strerror(se.err));
		}
	}
	set_nonblock(out[0]);
	set_nonblock(err[0]);
	set_nonblock(prog[0]);
	keeper_io_runs_add(k, out[0], err[0], prog[0]);
	k->pid = pid;
	k->pgid = pid;
	/* read before the child can be reaped: a zombie still has it */
	k->pgid_start = 0;
	procid_start(pid, &k->pgid_start);
	k->started_real = clock_real_ms();
	return 0;
}
