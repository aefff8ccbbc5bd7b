/* The CLI's side of the control protocol: connect, send one line, read
 * capped reply lines; start the daemon on demand. */
#include "cli_client.h"
#include "proto.h"
#include "home.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cli_fmt.h"
#include "clock.h"
#include "units.h"
#include "daemon.h"
#include "xalloc.h"

const char *cli_home(void)
{
	static char *home;
	if (home)
		return home;
	const char *h = getenv("PSUP_HOME");
	if (h && *h) {
		if (h[0] == '/') {
			home = xstrdup(h);
		} else {
			/* The daemon must see the same home whatever its cwd. */
			char *cwd = getcwd(NULL, 0);
			home = cwd ? xasprintf("%s/%s", cwd, h) : xstrdup(h);
			free(cwd);
		}
		return home;
	}
	const char *u = getenv("HOME");
	if (!u || !*u) {
		struct passwd *pw = getpwuid(getuid());
		u = pw && pw->pw_dir ? pw->pw_dir : "/";
	}
	home = xasprintf("%s/.psup", strcmp(u, "/") == 0 ? "" : u);
	return home;
}

static int nobody_answers(int e)
{
	return e == ENOENT || e == ECONNREFUSED;
}

/* home_connect reaches sockets whose path is longer than sun_path, so a
 * deep PSUP_HOME works for the CLI as it does for the daemon. */
int cli_conn_open(struct cli_conn *c, unsigned flags, char **cause)
{
	memset(c, 0, sizeof *c);
	c->fd = -1;
	linefr_init(&c->in, CLI_REPLY_MAX);
	char *path = home_sock_path(cli_home());
	char *why = NULL;
	int fd = home_connect(path, &why);
	if (fd < 0 && nobody_answers(errno)) {
		const char *no = getenv("PSUP_NO_AUTOSTART");
		if ((flags & CLI_RQ_NOSTART) || (no && *no && strcmp(no, "0") != 0)) {
			fail(cause, "daemon not running (no answer on %s)", path);
			goto out;
		}
		if (cli_daemon_spawn(cause) < 0)
			goto out;
		free(why);
		why = NULL;
		fd = home_connect(path, &why);
	}
	if (fd < 0)
		fail(cause, "%s", why);
	c->fd = fd;
out:
	free(why);
	free(path);
	return c->fd < 0 ? -1 : 0;
}

int cli_conn_send(struct cli_conn *c, const cJSON *req, char **cause)
{
	struct buf line = { 0 };
	if (cli_json_line(&line, req) < 0)
		return fail(cause, "cannot encode the request");
	/* the environment a start sends is what makes a request long: say so
	 * here rather than have the daemon refuse a line it cannot read */
	if (line.len > PROTO_LINE_MAX) {
		size_t n = line.len;
		buf_free(&line);
		return fail(cause, "the request is %zu bytes, over the daemon's limit of %d%s", n,
		    PROTO_LINE_MAX, cJSON_GetObjectItemCaseSensitive(req, "env") ?
		    " (most of it this shell's environment: unset what the apps do not need)" : "");
	}
	/* send(), not write(): a daemon gone away is an error, not SIGPIPE */
	for (size_t off = 0; off < line.len;) {
		ssize_t w = send(c->fd, line.p + off, line.len - off, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			int e = errno;
			buf_free(&line);
			fail(cause, "cannot send to the daemon: %s", strerror(e));
			return e == EPIPE || e == ECONNRESET ? CLI_CONN_GONE : -1;
		}
		off += (size_t)w;
	}
	buf_free(&line);
	return 0;
}

/* The reply line as parsed JSON: 0 with *reply, or -1 with *cause. */
static int parse_reply(const char *line, size_t n, cJSON **reply, char **cause)
{
	cJSON *j = cJSON_ParseWithLength(line, n);
	if (!j || !cJSON_IsObject(j)) {
		cJSON_Delete(j);
		return fail(cause, "malformed reply from the daemon");
	}
	*reply = j;
	return 0;
}

/* cli_conn_recv() without the parse: *line (n bytes, no newline) stays
 * valid until the next read on c. */
static int recv_line(struct cli_conn *c, int timeout_ms, const char **line, size_t *n,
    char **cause)
{
	int64_t deadline = timeout_ms < 0 ? -1 : clock_mono_ms() + timeout_ms;
	for (;;) {
		int got = linefr_next(&c->in, line, n);
		if (got == LINEFR_LONG)
			return fail(cause, "reply from the daemon longer than %u bytes", CLI_REPLY_MAX);
		if (got == LINEFR_LINE)
			return 0;
		if (deadline >= 0) {
			int64_t left = deadline - clock_mono_ms();
			struct pollfd p = { .fd = c->fd, .events = POLLIN };
			int r = left > 0 ? poll(&p, 1, (int)left) : 0;
			if (r < 0 && errno == EINTR)
				continue;
			if (r == 0) {
				fail(cause, "no reply from the daemon within %d ms", timeout_ms);
				return CLI_RECV_TIMEOUT;
			}
		}
		char chunk[65536];
		ssize_t r = read(c->fd, chunk, sizeof chunk);
		if (r < 0 && errno == EINTR)
			continue;
		int gone = !linefr_held(&c->in) && (r == 0 || errno == ECONNRESET);
		if (r < 0)
			fail(cause, "cannot read from the daemon: %s", strerror(errno));
		else if (r == 0)
			fail(cause, gone ? "daemon closed the connection without a reply"
			    : "daemon closed the connection mid-reply");
		if (r <= 0)
			return gone ? CLI_CONN_GONE : -1;
		linefr_feed(&c->in, chunk, (size_t)r);
	}
}

int cli_conn_recv(struct cli_conn *c, int timeout_ms, cJSON **reply, char **cause)
{
	const char *line;
	size_t n;
	*reply = NULL;
	int r = recv_line(c, timeout_ms, &line, &n, cause);
	return r < 0 ? r : parse_reply(line, n, reply, cause);
}

void cli_conn_close(struct cli_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	linefr_free(&c->in);
	memset(c, 0, sizeof *c);
	c->fd = -1;
}

cJSON *cli_req(const char *cmd)
{
	cJSON *r = cJSON_CreateObject();
	cJSON_AddNumberToObject(r, "v", 1);
	cJSON_AddStringToObject(r, "cmd", cmd);
	return r;
}

/* The daemon's pid from its pid file, for messages (0: unknown). */
static long daemon_pid(void)
{
	char *path = home_pid_path(cli_home());
	FILE *f = fopen(path, "r");
	free(path);
	long pid = 0;
	if (f) {
		char line[32];
		if (fgets(line, sizeof line, f))
			pid = strtol(line, NULL, 10);
		fclose(f);
	}
	return pid;
}

/* 1 when process pid is stopped (SIGSTOP, a debugger): field 3 of
 * /proc/PID/stat, after the command name in parentheses. */
static int pid_stopped(long pid)
{
	char path[64], buf[512];
	snprintf(path, sizeof path, "/proc/%ld/stat", pid);
	FILE *f = pid > 0 ? fopen(path, "r") : NULL;
	if (!f)
		return 0;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	const char *p = strrchr(buf, ')');
	return p && p[1] == ' ' && (p[2] == 'T' || p[2] == 't');
}

/* Pings the daemon on a connection of its own within CLI_PROBE_MS. Returns
 * 0 with the op bound its apps call for in *op_ms, or -1: it does not
 * answer. */
static int probe(int64_t *op_ms)
{
	struct cli_conn c;
	char *cause = NULL;
	cJSON *req = cli_req("ping"), *r = NULL;
	int rc = -1;
	if (cli_conn_open(&c, CLI_RQ_NOSTART, &cause) == 0 && cli_conn_send(&c, req, &cause) == 0
	    && cli_conn_recv(&c, CLI_PROBE_MS, &r, &cause) == 0) {
		*op_ms = CLI_OP_BASE_MS + (int64_t)cli_json_num(r, "kill_timeout_ms", 0)
		    + CLI_OP_PER_APP_MS * (int64_t)cli_json_num(r, "apps", 0);
		rc = 0;
	}
	free(cause);
	cJSON_Delete(req);
	cJSON_Delete(r);
	cli_conn_close(&c);
	return rc;
}

/* "stop web", "start /x/eco.yaml": what a request asks, for messages. */
static void req_what(const cJSON *req, char *buf, size_t n)
{
	const char *arg = cli_json_str(req, "file", cli_json_str(req, "target", ""));
	snprintf(buf, n, "%s%s%s", cli_json_str(req, "cmd", "?"), *arg ? " " : "", arg);
}

static void say_secs(char *buf, size_t n, int64_t ms)
{
	if (ms < 60000)
		snprintf(buf, n, "%lld s", (long long)(ms + 500) / 1000);
	else
		units_format_duration(ms, buf, n);
}

/* Waits for the reply to req within timeout_ms (see cli_call; op_ms: the
 * bound of CLI_WAIT_OP so far), counted from t0 (monotonic ms: when the
 * command began asking the daemon). Returns 0 with *line (as recv_line),
 * or -1 with *cause. */
static int recv_bounded(struct cli_conn *c, const cJSON *req, int64_t t0, int timeout_ms,
    int64_t op_ms, const char **line, size_t *n, char **cause)
{
	int64_t bound = timeout_ms > 0 ? timeout_ms : timeout_ms == CLI_WAIT_OP ? op_ms : -1;
	int64_t check_at = t0;
	for (;;) {
		int64_t now = clock_mono_ms();
		check_at += CLI_PROBE_AFTER_MS;
		if (check_at < now)
			check_at = now;
		int64_t slice = check_at - now;
		if (bound >= 0 && t0 + bound - now < slice)
			slice = t0 + bound - now;
		int r = slice > 0 ? recv_line(c, (int)slice, line, n, cause) : CLI_RECV_TIMEOUT;
		if (r != CLI_RECV_TIMEOUT)
			return r;
		free(*cause);
		*cause = NULL;
		char what[256], took[32];
		req_what(req, what, sizeof what);
		now = clock_mono_ms();
		say_secs(took, sizeof took, now - t0);
		if (bound >= 0 && now - t0 >= bound)
			return fail(cause, "%s: no reply from the daemon (pid %ld) within %s%s", what,
			    daemon_pid(), took, timeout_ms == CLI_WAIT_OP
			    ? " (30 s, plus the apps' longest kill_timeout, plus 20 ms per app)" : "");
		long pid = daemon_pid();
		if (pid_stopped(pid))
			return fail(cause, "%s: no reply from the daemon (pid %ld) in %s: it is stopped "
			    "(SIGSTOP; kill -CONT %ld resumes it)", what, pid, took, pid);
		/* A busy daemon (launching thousands of apps) may not answer
		 * either: wait on to the bound. One that does says how many
		 * apps the bound must cover: a `start FILE` adds them. */
		if (probe(&op_ms) == 0 && timeout_ms == CLI_WAIT_OP && op_ms > bound)
			bound = op_ms;
	}
}

/* 1 when req may be sent again after a daemon died with it unanswered:
 * whatever that daemon did of it, doing it again changes nothing. */
static int resendable(const cJSON *req)
{
	static const char *const cmds[] = { "ping", "list", "describe", "wait", "stop", "delete" };
	const char *cmd = cli_json_str(req, "cmd", "");
	for (size_t i = 0; i < sizeof cmds / sizeof *cmds; i++)
		if (strcmp(cmd, cmds[i]) == 0)
			return 1;
	return 0;
}

/* How long a daemon that broke a connection off may take to let go of the
 * home's lock before the CLI takes it for alive (it refused the request)
 * rather than dying: the kernel closes a killed process's files once its
 * memory is freed. */
#define CLI_GONE_MS 3000

/* Sends req (consumed) and waits for its reply line within timeout_ms (see
 * cli_call). Returns CLI_OK with *line (n bytes, valid until c is closed;
 * the caller closes c either way), or the exit code after saying why. */
static int call_line(cJSON *req, unsigned flags, int timeout_ms, struct cli_conn *c,
    const char **line, size_t *n)
{
	char *cause = NULL;
	/* Asked now, while the daemon is free to answer, the apps and kill
	 * timeouts the request may wait on set its bound from the start (a
	 * daemon stopping thousands of apps may be too busy to say later).
	 * The silence that ends the wait counts from here: a daemon stopped
	 * (SIGSTOP) just as this asks is not waited for twice. */
	int64_t t0 = clock_mono_ms(), op_ms = CLI_OP_BASE_MS;
	if (timeout_ms == CLI_WAIT_OP && !pid_stopped(daemon_pid()))
		(void)probe(&op_ms);
	int r;
	for (int tries = 0;; tries++) {
		r = cli_conn_open(c, flags, &cause);
		if (r == 0)
			r = cli_conn_send(c, req, &cause);
		if (r == 0)
			r = recv_bounded(c, req, t0, timeout_ms, op_ms, line, n, &cause);
		if (r != CLI_CONN_GONE || tries > 0 || (flags & CLI_RQ_NOSTART) || !resendable(req)
		    || !cli_lock_free_within(CLI_GONE_MS))
			break;
		free(cause);
		cause = NULL;
		cli_conn_close(c);
	}
	cJSON_Delete(req);
	if (r == 0)
		return CLI_OK;
	int rc = cli_error(CLI_DAEMON, "%s", cause);
	free(cause);
	return rc;
}

int cli_call_raw(cJSON *req, int timeout_ms, char **line, size_t *n)
{
	struct cli_conn c;
	const char *l;
	*line = NULL;
	int rc = call_line(req, 0, timeout_ms, &c, &l, n);
	if (rc == CLI_OK) {
		*line = xstrndup(l, *n);
		*n = strlen(*line);
	}
	cli_conn_close(&c);
	return rc;
}

int cli_call(cJSON *req, unsigned flags, int timeout_ms, cJSON **reply)
{
	struct cli_conn c;
	const char *line;
	size_t n;
	char *cause = NULL;
	*reply = NULL;
	int rc = call_line(req, flags, timeout_ms, &c, &line, &n);
	if (rc == CLI_OK && parse_reply(line, n, reply, &cause) < 0) {
		rc = cli_error(CLI_DAEMON, "%s", cause);
		free(cause);
	}
	cli_conn_close(&c);
	if (rc != CLI_OK)
		return rc;
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(*reply, "ok")) || (flags & CLI_RQ_RAW))
		return CLI_OK;
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(*reply, "error");
	rc = cli_error(CLI_FAIL, "%s", cJSON_IsString(e) ? e->valuestring : "the daemon refused the request");
	cJSON_Delete(*reply);
	*reply = NULL;
	return rc;
}

int cli_call_bare(struct cli_args *a, const char *cmd, int timeout_ms, cJSON **reply)
{
	*reply = NULL;
	if (cli_no_args(a) < 0)
		return CLI_USAGE;
	return cli_call(cli_req(cmd), 0, timeout_ms, reply);
}

/* cmd (list or describe) of target (NULL: none) within 10 s, as
 * cli_call_apps() says. */
static int call_apps(const char *cmd, const char *target, cJSON **reply, const cJSON **apps)
{
	cJSON *req = cli_req(cmd);
	if (target)
		cJSON_AddStringToObject(req, "target", target);
	int rc = cli_call(req, 0, 10000, reply);
	if (rc != CLI_OK)
		return rc;
	*apps = cJSON_GetObjectItemCaseSensitive(*reply, "apps");
	if (!cJSON_IsArray(*apps)) {
		cJSON_Delete(*reply);
		*reply = NULL;
		return cli_error(CLI_DAEMON, "malformed %s reply from the daemon (no apps array)", cmd);
	}
	return CLI_OK;
}

int cli_call_apps(const char *target, cJSON **reply, const cJSON **apps)
{
	int all = !target || strcmp(target, "all") == 0;
	return call_apps(all ? "list" : "describe", all ? NULL : target, reply, apps);
}

int cli_call_described(const char *target, cJSON **reply, const cJSON **apps)
{
	return call_apps("describe", target, reply, apps);
}

int cli_daemon_spawn(char **cause)
{
	return daemon_spawn(cli_home(), cause);
}

/* The home's lock taken now: the descriptor (*held), or -1 with *held
 * -1 when there is no lock file, or -1 when a daemon holds it. Returns 1
 * when no daemon holds the home. */
static int lock_try(int *held)
{
	char *lock = home_lock_path(cli_home());
	int fd = open(lock, O_RDWR | O_CLOEXEC);
	free(lock);
	*held = -1;
	if (fd < 0)
		return 1;
	if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
		*held = fd;
		return 1;
	}
	close(fd);
	return 0;
}

int cli_lock_take(void)
{
	int fd;
	lock_try(&fd);
	return fd;
}

int cli_lock_free_within(int ms)
{
	int64_t until = clock_mono_ms() + ms;
	int free_now, fd;
	for (;;) {
		free_now = lock_try(&fd);
		if (fd >= 0)
			close(fd);
		if (free_now || clock_mono_ms() >= until)
			break;
		struct timespec ts = { 0, 20 * 1000000 };
		nanosleep(&ts, NULL);
	}
	return free_now;
}
