/* The CLI's side of the control protocol: connect, send one line, read
 * capped reply lines; start the daemon on demand. */
#include "cli_client.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "clock.h"
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

static int sock_addr(struct sockaddr_un *sa, char **cause)
{
	memset(sa, 0, sizeof *sa);
	sa->sun_family = AF_UNIX;
	int n = snprintf(sa->sun_path, sizeof sa->sun_path, "%s/psup.sock", cli_home());
	if (n < 0 || (size_t)n >= sizeof sa->sun_path)
		return fail(cause, "%s/psup.sock: socket path too long (%zu bytes at most)",
		    cli_home(), sizeof sa->sun_path - 1);
	return 0;
}

/* Returns the connected fd, or -1 with errno (ENOENT/ECONNREFUSED mean
 * nobody answers). */
static int sock_connect(const struct sockaddr_un *sa)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	while (connect(fd, (const struct sockaddr *)sa, sizeof *sa) < 0) {
		if (errno == EINTR)
			continue;
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static int nobody_answers(int e)
{
	return e == ENOENT || e == ECONNREFUSED;
}

int cli_conn_open(struct cli_conn *c, unsigned flags, char **cause)
{
	struct sockaddr_un sa;
	memset(c, 0, sizeof *c);
	c->fd = -1;
	if (sock_addr(&sa, cause) < 0)
		return -1;
	int fd = sock_connect(&sa);
	if (fd < 0 && nobody_answers(errno)) {
		const char *no = getenv("PSUP_NO_AUTOSTART");
		if ((flags & CLI_RQ_NOSTART) || (no && *no && strcmp(no, "0") != 0))
			return fail(cause, "daemon not running (no answer on %s)", sa.sun_path);
		if (cli_daemon_spawn(cause) < 0)
			return -1;
		fd = sock_connect(&sa);
	}
	if (fd < 0)
		return fail(cause, "cannot connect to %s: %s", sa.sun_path, strerror(errno));
	c->fd = fd;
	return 0;
}

int cli_conn_send(struct cli_conn *c, const cJSON *req, char **cause)
{
	char *s = cJSON_PrintUnformatted(req);
	if (!s)
		return fail(cause, "cannot encode the request");
	size_t len = strlen(s), off = 0;
	char *line = xmalloc(len + 2);
	memcpy(line, s, len);
	line[len++] = '\n';
	cJSON_free(s);
	while (off < len) {
		ssize_t w = send(c->fd, line + off, len - off, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			int e = errno;
			free(line);
			return fail(cause, "cannot send to the daemon: %s", strerror(e));
		}
		off += (size_t)w;
	}
	free(line);
	return 0;
}

int cli_conn_recv(struct cli_conn *c, int timeout_ms, cJSON **reply, char **cause)
{
	int64_t deadline = timeout_ms < 0 ? -1 : clock_mono_ms() + timeout_ms;
	size_t scanned = 0;
	*reply = NULL;
	for (;;) {
		char *nl = c->len > scanned ? memchr(c->buf + scanned, '\n', c->len - scanned) : NULL;
		if (nl) {
			size_t n = (size_t)(nl - c->buf);
			cJSON *j = cJSON_ParseWithLength(c->buf, n);
			memmove(c->buf, nl + 1, c->len - n - 1);
			c->len -= n + 1;
			if (!j || !cJSON_IsObject(j)) {
				cJSON_Delete(j);
				return fail(cause, "malformed reply from the daemon");
			}
			*reply = j;
			return 0;
		}
		scanned = c->len;
		if (c->len >= CLI_REPLY_MAX)
			return fail(cause, "reply from the daemon longer than %u bytes", CLI_REPLY_MAX);
		if (c->cap - c->len < 65536) {
			c->cap = c->cap ? c->cap * 2 : 262144;
			c->buf = xrealloc(c->buf, c->cap);
		}
		if (deadline >= 0) {
			int64_t left = deadline - clock_mono_ms();
			struct pollfd p = { .fd = c->fd, .events = POLLIN };
			int r = left > 0 ? poll(&p, 1, (int)left) : 0;
			if (r < 0 && errno == EINTR)
				continue;
			if (r == 0)
				return fail(cause, "no reply from the daemon within %d ms", timeout_ms);
		}
		ssize_t r = read(c->fd, c->buf + c->len, c->cap - c->len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return fail(cause, "cannot read from the daemon: %s", strerror(errno));
		if (r == 0)
			return fail(cause, c->len ? "daemon closed the connection mid-reply"
			    : "daemon closed the connection without a reply");
		c->len += (size_t)r;
	}
}

void cli_conn_close(struct cli_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	free(c->buf);
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

int cli_call(cJSON *req, unsigned flags, int timeout_ms, cJSON **reply)
{
	struct cli_conn c;
	char *cause = NULL;
	*reply = NULL;
	if (cli_conn_open(&c, flags, &cause) < 0 || cli_conn_send(&c, req, &cause) < 0
	    || cli_conn_recv(&c, timeout_ms, reply, &cause) < 0) {
		cJSON_Delete(req);
		cli_conn_close(&c);
		int rc = cli_error(CLI_DAEMON, "%s", cause);
		free(cause);
		return rc;
	}
	cJSON_Delete(req);
	cli_conn_close(&c);
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(*reply, "ok")) || (flags & CLI_RQ_RAW))
		return CLI_OK;
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(*reply, "error");
	int rc = cli_error(CLI_FAIL, "%s", cJSON_IsString(e) ? e->valuestring : "the daemon refused the request");
	cJSON_Delete(*reply);
	*reply = NULL;
	return rc;
}

/* mkdir -p with mode 0700 for the parts it creates. */
static int mkdir_p(const char *path, char **cause)
{
	char *p = xstrdup(path);
	for (char *s = p + 1; ; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char save = *s;
		*s = '\0';
		if (mkdir(p, 0700) < 0 && errno != EEXIST) {
			int e = errno;
			int rc = fail(cause, "cannot create %s: %s", p, strerror(e));
			free(p);
			return rc;
		}
		*s = save;
		if (!save)
			break;
	}
	free(p);
	return 0;
}

/* The child: a new session, stdin from /dev/null, output appended to
 * daemon.log, then exec this very program as "psup daemon". */
static void spawn_child(const char *home)
{
	setsid();
	int in = open("/dev/null", O_RDONLY);
	char *logp = xasprintf("%s/daemon.log", home);
	int out = open(logp, O_WRONLY | O_CREAT | O_APPEND, 0600);
	if (in < 0 || out < 0)
		_exit(126);
	dup2(in, 0);
	dup2(out, 1);
	dup2(out, 2);
	closefrom(3);
	setenv("PSUP_HOME", home, 1);
	char *argv[] = { (char *)"psup", (char *)"daemon", (char *)"--background", NULL };
	execv("/proc/self/exe", argv);
	_exit(127);
}

#if __has_include("daemon.h")
#include "daemon.h"

int cli_daemon_spawn(char **cause)
{
	return daemon_spawn(cli_home(), cause);
}
#else
/* Until the daemon module provides daemon_spawn(): the same contract. */
int cli_daemon_spawn(char **cause)
{
	const char *home = cli_home();
	struct sockaddr_un sa;
	if (sock_addr(&sa, cause) < 0 || mkdir_p(home, cause) < 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0)
		return fail(cause, "cannot start the daemon: fork: %s", strerror(errno));
	if (pid == 0)
		spawn_child(home);

	/* Wait for the socket with a short, growing pause: the daemon usually
	 * answers within a few ms; sanitizer builds take longer. */
	int64_t deadline = clock_mono_ms() + 10000;
	long pause_us = 2000;
	int exited = 0, status = 0;
	for (;;) {
		int fd = sock_connect(&sa);
		if (fd >= 0) {
			close(fd);
			return 0;
		}
		if (!nobody_answers(errno))
			return fail(cause, "cannot connect to %s: %s", sa.sun_path, strerror(errno));
		if (!exited && waitpid(pid, &status, WNOHANG) == pid) {
			exited = 1;
			/* Exit 0: it detached itself; keep waiting for the socket.
			 * Otherwise another CLI's daemon may have won the race:
			 * one last try, then give up. */
			if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
				fd = sock_connect(&sa);
				if (fd >= 0) {
					close(fd);
					return 0;
				}
				if (WIFEXITED(status))
					return fail(cause, "the daemon exited with status %d at start (see %s/daemon.log)",
					    WEXITSTATUS(status), home);
				return fail(cause, "the daemon was killed by signal %d at start (see %s/daemon.log)",
				    WTERMSIG(status), home);
			}
		}
		if (clock_mono_ms() > deadline)
			return fail(cause, "the daemon did not answer on %s within 10 s (see %s/daemon.log)",
			    sa.sun_path, home);
		struct timespec ts = { 0, pause_us * 1000 };
		nanosleep(&ts, NULL);
		if (pause_us < 50000)
			pause_us *= 2;
	}
}
#endif
