/* psup init (a commented ecosystem.yaml to start from) and psup startup /
 * unstartup (a systemd unit that resurrects the saved apps at boot, as the
 * user who saved them, with their PSUP_HOME), as pm2's commands of the same
 * names. */
#include "cli_setup.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "atomicfile.h"
#include "buf.h"
#include "home.h"
#include "xalloc.h"

const char cli_setup_skeleton[] =
	"# psup ecosystem file: `psup start ecosystem.yaml` starts its apps; starting it\n"
	"# again applies what changed. pm2's option names work (see `psup help options`).\n"
	"apps:\n"
	"  - name: api\n"
	"    script: ./server.js          # .js runs with node, .py with python3, .sh with bash\n"
	"    # args: [--port, \"3000\"]\n"
	"    # cwd: .                      # relative to this file's folder\n"
	"    # instances: 2                # api-1, api-2 (PSUP_INSTANCE, NODE_APP_INSTANCE)\n"
	"    env:\n"
	"      NODE_ENV: production\n"
	"    # env_file: .env\n"
	"    # max_memory_restart: 300M\n"
	"    # restart_delay: 2s\n"
	"    # cron_restart: \"0 4 * * *\"   # restart every day at 04:00\n"
	"    # watch: [src]                # restart when a file under src/ changes\n"
	"    # time: true                  # stamp each log line\n"
	"    # log_date_format: YYYY-MM-DD HH:mm:ss.SSS Z\n"
	"\n"
	"  - name: worker\n"
	"    script: ./worker.py\n"
	"    autorestart: on-failure        # exit 0 means done (completed)\n"
	"    # after: api                   # start once api is online\n";

int cli_cmd_init(struct cli_args *a)
{
	char *pos[1];
	int n = cli_split(a, pos, 1, NULL, NULL);
	if (n < 0)
		return CLI_USAGE;
	/* pm2's `init simple` (its mode word) writes the same file here */
	const char *path = n && strcmp(pos[0], "simple") != 0 ? pos[0] : "ecosystem.yaml";
	/* never over a file the user has */
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return cli_error(CLI_FAIL, "init: cannot create %s: %s", path,
		    errno == EEXIST ? "it exists (psup init does not overwrite)" : strerror(errno));
	size_t len = sizeof cli_setup_skeleton - 1;
	ssize_t w = write(fd, cli_setup_skeleton, len);
	int e = errno;
	if (close(fd) < 0 && w == (ssize_t)len) {
		w = -1;
		e = errno;
	}
	if (w != (ssize_t)len) {
		unlink(path);
		return cli_error(CLI_FAIL, "init: cannot write %s: %s", path, strerror(e));
	}
	printf("wrote %s: edit it, then psup start %s\n", path, path);
	return CLI_OK;
}

/* ---- startup ---- */

#define UNIT_DIR "/etc/systemd/system"

struct startup_opts {
	const char *user;        /* -u/--user */
	const char *home;        /* --hp: the user's home folder */
	const char *unit_dir;    /* --unit-dir: install there, no systemctl */
	const char *service;     /* --service-name: the unit's name (pm2's) */
};

static int startup_opt_cb(struct cli_args *a, int i, void *ctx)
{
	struct startup_opts *o = ctx;
	const char *w = a->argv[i];
	const char **slot = NULL, *name = NULL;
	if (strcmp(w, "-u") == 0 || strncmp(w, "--user", 6) == 0) {
		slot = &o->user;
		name = w[1] == 'u' ? "-u" : "--user";
	} else if (strncmp(w, "--hp", 4) == 0) {
		slot = &o->home;
		name = "--hp";
	} else if (strncmp(w, "--unit-dir", 10) == 0) {
		slot = &o->unit_dir;
		name = "--unit-dir";
	} else if (strncmp(w, "--service-name", 14) == 0) {
		slot = &o->service;
		name = "--service-name";
	} else if (strcmp(w, "--wait-ip") == 0) {
		/* pm2's unit waits for the network with it; psup's always does */
		return 1;
	} else {
		return 0;
	}
	return cli_opt_value(a, i, name, slot);
}

/* The unit's settings: who runs it, with which home, and which psup. */
struct unit {
	char *user, *psup_home, *psup, *path, *name;
};

static void unit_free(struct unit *u)
{
	free(u->user);
	free(u->psup_home);
	free(u->psup);
	free(u->path);
	free(u->name);
}

static int unit_resolve(struct cli_args *a, const struct startup_opts *o, struct unit *u)
{
	memset(u, 0, sizeof *u);
	/* the invoking user: -u, or who ran sudo, or whoever runs this */
	const char *user = o->user ? o->user : getuid() == 0 && getenv("SUDO_USER") ?
	    getenv("SUDO_USER") : NULL;
	struct passwd *pw = user ? getpwnam(user) : getpwuid(getuid());
	if (!pw)
		return cli_error(CLI_FAIL, "%s: no such user: %s", a->cmd, user ? user : "(current)");
	u->user = xstrdup(pw->pw_name);
	const char *env_home = getenv("PSUP_HOME");
	if (o->home)
		u->psup_home = xasprintf("%s/.psup", o->home);
	else if (env_home && *env_home)
		u->psup_home = xstrdup(env_home);
	else
		u->psup_home = xasprintf("%s/.psup", pw->pw_dir);
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n <= 0) {
		unit_free(u);
		return cli_error(CLI_FAIL, "%s: cannot find psup's own path: %s", a->cmd,
		    strerror(errno));
	}
	self[n] = '\0';
	u->psup = xstrdup(self);
	const char *path = getenv("PATH");
	u->path = xstrdup(path && *path ? path : "/usr/local/bin:/usr/bin:/bin");
	if (o->service) {
		/* a file name systemd takes for a unit: its own characters only */
		size_t len = strlen(o->service);
		int ok = len > 0 && len <= 200 && o->service[0] != '-';
		for (const char *c = o->service; ok && *c; c++)
			ok = isalnum((unsigned char)*c) || strchr(":-_.@", *c);
		if (!ok) {
			unit_free(u);
			return cli_error(CLI_USAGE, "%s: --service-name: '%s' is no unit name (letters, "
			    "digits, ':', '-', '_', '.', '@')", a->cmd, o->service);
		}
		u->name = len > 8 && strcmp(o->service + len - 8, ".service") == 0 ? xstrdup(o->service)
		    : xasprintf("%s.service", o->service);
	} else {
		u->name = xasprintf("psup-%s.service", u->user);
	}
	return CLI_OK;
}

/* A value systemd reads whole: spaces and specials quoted, % doubled. */
static void unit_quote(struct buf *b, const char *s)
{
	buf_addc(b, '"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			buf_addc(b, '\\');
		if (*s == '%')
			buf_addc(b, '%');
		buf_addc(b, *s);
	}
	buf_addc(b, '"');
}

static char *unit_text(const struct unit *u)
{
	struct buf b = { 0 };
	buf_printf(&b, "# Written by `psup startup`; `psup unstartup` removes it.\n"
	    "[Unit]\n"
	    "Description=psup: the apps %s saved (psup save), resurrected at boot\n"
	    "After=network-online.target\n"
	    "Wants=network-online.target\n"
	    "\n"
	    "[Service]\n"
	    "Type=oneshot\n"
	    "RemainAfterExit=yes\n"
	    "User=%s\n"
	    "Environment=", u->user, u->user);
	struct buf v = { 0 };
	buf_printf(&v, "PSUP_HOME=%s", u->psup_home);
	unit_quote(&b, v.p);
	buf_clear(&v);
	buf_puts(&b, "\nEnvironment=");
	buf_printf(&v, "PATH=%s", u->path);
	unit_quote(&b, v.p);
	buf_free(&v);
	buf_puts(&b, "\nExecStart=");
	unit_quote(&b, u->psup);
	buf_puts(&b, " resurrect\nExecStop=");
	unit_quote(&b, u->psup);
	buf_puts(&b, " kill\nLimitNOFILE=65536\n\n[Install]\nWantedBy=multi-user.target\n");
	return buf_take(&b, NULL);
}

/* Runs systemctl with args; says so when it fails. */
static int systemctl(const char *a1, const char *a2)
{
	pid_t pid = fork();
	if (pid == 0) {
		execlp("systemctl", "systemctl", a1, a2, (char *)NULL);
		_exit(127);
	}
	int st = 0;
	if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "psup: systemctl %s%s%s failed%s\n", a1, a2 ? " " : "", a2 ? a2 : "",
		    pid < 0 ? ": cannot fork" : "");
		return -1;
	}
	return 0;
}

static int parse_startup(struct cli_args *a, struct startup_opts *o)
{
	char *pos[1];
	memset(o, 0, sizeof *o);
	int n = cli_split(a, pos, 1, startup_opt_cb, o);
	if (n < 0)
		return -1;
	if (n == 1 && strcmp(pos[0], "systemd") != 0) {
		cli_usage_error(a, "%s: only systemd is supported, not %s", a->cmd, pos[0]);
		return -1;
	}
	return 0;
}

static int unit_install(const struct startup_opts *o, const struct unit *u);
static int unit_remove(const struct startup_opts *o, const struct unit *u);

/* startup and unstartup: the same options, the same unit */
int cli_cmd_startup(struct cli_args *a)
{
	struct startup_opts o;
	struct unit u;
	if (parse_startup(a, &o) < 0)
		return CLI_USAGE;
	int rc = unit_resolve(a, &o, &u);
	if (rc != CLI_OK)
		return rc;
	rc = strcmp(a->cmd, "unstartup") == 0 ? unit_remove(&o, &u) : unit_install(&o, &u);
	unit_free(&u);
	return rc;
}

static int unit_install(const struct startup_opts *o, const struct unit *u)
{
	int rc = CLI_OK;
	char *text = unit_text(u);
	if (getuid() != 0 && !o->unit_dir) {
		/* as pm2 does: show the unit and the line that installs it */
		printf("%s\n# To install it, run as root:\n"
		    "sudo env PATH=\"$PATH\" PSUP_HOME=\"%s\" %s startup systemd -u %s%s%s\n",
		    text, u->psup_home, u->psup, u->user, o->service ? " --service-name " : "",
		    o->service ? o->service : "");
		free(text);
		return CLI_OK;
	}
	const char *dir = o->unit_dir ? o->unit_dir : UNIT_DIR;
	char *path = xasprintf("%s/%s", dir, u->name), *cause = NULL;
	fputs(text, stdout);
	if (atomicfile_write(path, text, strlen(text), 0644, 1, &cause) < 0) {
		rc = cli_error(CLI_FAIL, "startup: %s", cause);
		free(cause);
	} else {
		printf("# installed %s\n", path);
		/* a unit written elsewhere (packaging, tests) is not enabled here */
		if (!o->unit_dir && (systemctl("daemon-reload", NULL) < 0 ||
		    systemctl("enable", u->name) < 0))
			rc = CLI_FAIL;
		else if (!o->unit_dir)
			printf("# enabled %s: `psup save` what should run at boot\n", u->name);
	}
	free(path);
	free(text);
	return rc;
}

static int unit_remove(const struct startup_opts *o, const struct unit *u)
{
	int rc = CLI_OK;
	if (getuid() != 0 && !o->unit_dir) {
		printf("# To remove %s, run as root:\nsudo %s unstartup systemd -u %s%s%s\n", u->name,
		    u->psup, u->user, o->service ? " --service-name " : "", o->service ? o->service : "");
		return CLI_OK;
	}
	const char *dir = o->unit_dir ? o->unit_dir : UNIT_DIR;
	char *path = xasprintf("%s/%s", dir, u->name);
	if (!o->unit_dir)
		systemctl("disable", u->name);
	if (unlink(path) < 0) {
		rc = cli_error(CLI_FAIL, "unstartup: cannot remove %s: %s", path, strerror(errno));
	} else {
		printf("removed %s\n", path);
		if (!o->unit_dir && systemctl("daemon-reload", NULL) < 0)
			rc = CLI_FAIL;
	}
	free(path);
	return rc;
}
