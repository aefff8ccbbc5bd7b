/* The psup command line: the command table, usage and help, option
 * splitting, and dispatch. */
#include "cli.h"
#include "cli_fmt.h"
#include "cli_options.h"
#include "cli_setup.h"
#include "cli_startopt.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int cmd_help(struct cli_args *a);

static const struct cli_cmd cmds[] = {
	{ "start", NULL, cli_cmd_start, "start FILE|SCRIPT|'COMMAND'|NAME... [OPTIONS] [-- ARGS]",
	  "start a process file, scripts, or apps by name",
	  "Start the apps of a process file (YAML, JSON or ecosystem.config.js; starting it\n"
	  "again applies the differences; --env NAME takes env_NAME, --only A,B some apps;\n"
	  "- reads a JSON process file on stdin), scripts or a 'command string' with pm2's\n"
	  "options (one already started is an error, as pm2's), or apps by name, group, id,\n"
	  "/regex/ or all (stopped ones start, running ones restart, as pm2's). Apps start\n"
	  "from the environment of this command." },
	{ "stop", NULL, cli_cmd_action, "stop NAME...|all|FILE [--only A,B]", "stop apps (and their children)",
	  "Stop apps: stop_signal to the whole process group, SIGKILL after kill_timeout.\n"
	  "NAME is a name, group, id, /regex/ or script path; a process file stops its apps." },
	{ "restart", NULL, cli_cmd_action, "restart NAME...|all|FILE [--update-env] [--watch]",
	  "restart apps",
	  "Restart apps (stop, then start). They keep the environment they were started\n"
	  "with; --update-env gives them this command's; --watch (pm2's toggle) makes an\n"
	  "app that watched nothing watch its cwd, and one that watched stop. A process\n"
	  "file is applied first (as start FILE), then its other apps restart with this\n"
	  "command's environment." },
	{ "reload", "startOrReload start-or-reload startOrGracefulReload start-or-graceful-reload",
	  cli_cmd_action, "reload NAME...|all|FILE [--update-env] [--watch]",
	  "restart apps one at a time",
	  "Restart apps one after the other, each back up before the next, so a group\n"
	  "never goes down whole (pm2's reload of fork-mode apps). Options as restart.\n"
	  "A process file starts its new apps and reloads the others (pm2's\n"
	  "startOrReload, which is another name for it)." },
	{ "startOrRestart", "start-or-restart", cli_cmd_action, "startOrRestart FILE [--env NAME]",
	  "start a file's apps, restart those running",
	  "pm2's startOrRestart: as restart FILE." },
	{ "delete", "del", cli_cmd_action, "delete NAME...|all|FILE", "stop apps and forget them",
	  "Stop apps and forget them." },
	{ "status", "ls list l ps", cli_cmd_status, "status [--sort FIELD[:desc]] [-m]", "the table of apps",
	  "Show every app: id, name, pid, state, uptime, restarts, cpu, memory, progress.\n"
	  "--sort name, id, cpu, mem, uptime, restarts or pid, ascending or :desc;\n"
	  "-m (--mini-list) writes pm2's mini list instead: \"key : value\" lines per app." },
	{ "jlist", NULL, cli_cmd_jlist, "jlist", "the apps as a JSON array", "Print the apps as a JSON array." },
	{ "prettylist", NULL, cli_cmd_jlist, "prettylist", "the apps as pm2 prints them",
	  "Print the apps as pm2 prettylist does: pm2's keys of each app (pid, name,\n"
	  "pm2_env, pm_id, monit) in node's util.inspect layout, for scripts that grep it." },
	{ "pid", NULL, cli_cmd_pid, "pid [NAME]", "pids of running apps",
	  "Print the pid of each running app (all, or those NAME selects), one a line." },
	{ "id", NULL, cli_cmd_pid, "id NAME", "ids of the apps a name selects",
	  "Print the id of each app NAME selects (a name, group, /regex/...), one a line." },
	{ "env", NULL, cli_cmd_env, "env NAME|ID", "the environment of an app's process",
	  "Print the environment a running app's process has, KEY: value a line." },
	{ "scale", NULL, cli_cmd_scale, "scale NAME N|+N|-N", "grow or shrink an instances group",
	  "Grow an instances group with new instances made from its first, or shrink it by\n"
	  "deleting its last; the others run on." },
	{ "reset", NULL, cli_cmd_reset, "reset NAME...|all", "set restart counts back to 0",
	  "Set the restart count of apps back to 0." },
	{ "describe", "show info desc", cli_cmd_describe, "describe NAME", "everything about an app",
	  "Show everything about an app: config (secrets masked), last exits, logs, progress." },
	{ "logs", "log", cli_cmd_logs,
	  "logs [NAME] [--lines N] [--nostream] [--err|--out] [--raw] [--timestamp[=FMT]]"
	  " [--json|--format] [--highlight TEXT]",
	  "print and follow app logs",
	  "Print the last N (default 15) lines of each app's out and error logs, then\n"
	  "follow new lines (across rotation) until interrupted; --nostream prints and exits,\n"
	  "--err/--out shows one stream, --raw drops the \"NAME | \" prefix, --timestamp\n"
	  "stamps each line followed with the time it was read (day.js tokens, default\n"
	  "YYYY-MM-DD-HH:mm:ss), --json writes each line as a JSON object (message,\n"
	  "timestamp: when read, type, process_id, app_name; no last lines unless --lines),\n"
	  "--format as \"timestamp=... app=NAME id=N type=out|error message=LINE\" (likewise),\n"
	  "--highlight TEXT marks each TEXT in colour (on a terminal), all as pm2's." },
	{ "flush", NULL, cli_cmd_flush, "flush [NAME]", "empty log files", "Empty the log files of apps (default all)." },
	{ "reloadLogs", "reload-logs", cli_cmd_flush, "reloadLogs [NAME]", "reopen log files (after logrotate)",
	  "Make apps' keepers close and reopen their log files (default all): what\n"
	  "logrotate's postrotate runs after it moved them." },
	{ "signal", "sendSignal", cli_cmd_signal, "signal SIG NAME...", "send a signal to apps",
	  "Send a signal (SIGUSR1, USR1 or a number) to apps' process groups." },
	{ "wait", NULL, cli_cmd_wait, "wait [NAME|all] [--timeout DUR]", "block until apps finish; 0 if all completed",
	  "Block until every selected app is completed, errored or stopped. Exit 0 only\n"
	  "if all completed; 1 otherwise or on timeout (DUR: 500ms, 30s, 5m, ...)." },
	{ "monit", "dashboard dash imonit", cli_cmd_monit, "monit", "live full-screen view",
	  "A live full-screen view: apps with state, cpu, memory, progress; the selected\n"
	  "app's log below. Keys: up/down or j/k select, r restart, s stop, q quit." },
	{ "save", "dump", cli_cmd_save, "save [--force]", "save the app list",
	  "Save the app list for `psup resurrect`: each app's settings and environment,\n"
	  "and whether it was stopped. With no apps nothing is saved (the last save is\n"
	  "kept), as in pm2, unless --force (-f)." },
	{ "cleardump", NULL, cli_cmd_save, "cleardump", "empty the saved app list",
	  "Write a dump of no apps, so that `psup resurrect` starts nothing (pm2's\n"
	  "cleardump); the last save is kept as dump.json.bak." },
	{ "resurrect", NULL, cli_cmd_bare, "resurrect", "start the saved apps",
	  "Start the apps saved by `psup save`; one stopped when saved comes back\n"
	  "stopped." },
	{ "ping", NULL, cli_cmd_bare, "ping", "check the daemon answers", "Check the daemon answers (starting it if needed)." },
	{ "kill", NULL, cli_cmd_kill, "kill", "stop every app and the daemon", "Stop every app, then the daemon." },
	{ "update", "updatePM2", cli_cmd_update, "update", "replace the daemon, apps running on",
	  "Replace the running daemon by the installed psup (after an upgrade); the apps\n"
	  "and their keepers run on, and the new daemon takes them over." },
	{ "init", "ecosystem", cli_cmd_init, "init [FILE]", "write a commented ecosystem.yaml",
	  "Write a commented ecosystem file to start from (default ecosystem.yaml; never\n"
	  "over an existing file)." },
	{ "startup", NULL, cli_cmd_startup, "startup [systemd] [-u USER] [--hp HOME] [--unit-dir D]"
	  " [--service-name NAME]",
	  "resurrect the saved apps at boot",
	  "Print a systemd unit that runs `psup resurrect` at boot as USER (default: who ran\n"
	  "sudo, or you) with that user's PSUP_HOME, once the network is online; as root,\n"
	  "install and enable it (--unit-dir D: only write it to D). It is psup-USER.service,\n"
	  "or NAME.service with --service-name (pm2's); pm2's --wait-ip is taken." },
	{ "unstartup", NULL, cli_cmd_startup, "unstartup [systemd] [-u USER] [--unit-dir D]"
	  " [--service-name NAME]",
	  "remove the boot unit", "Disable and remove the unit `psup startup` installed." },
	{ "web", NULL, cli_cmd_web, "web [--listen HOST:PORT] [--token-file FILE]", "serve the live dashboard and /metrics",
	  "Serve a live dashboard of the apps and Prometheus metrics at /metrics (runs\n"
	  "psup-web in the foreground). Listens on 127.0.0.1:9615 by default; any other\n"
	  "address needs --token-file (a mode-600 file holding a token of 16+ characters)." },
	{ "daemon", NULL, cli_cmd_daemon, "daemon", "run the daemon in the foreground", "Run the daemon in the foreground (systemd, containers)." },
	{ "help", NULL, cmd_help, "help [COMMAND]", "help on one command", "Show help for psup or one command." },
};

#define N_CMDS (sizeof cmds / sizeof cmds[0])

/* pm2's commands psup does not have: each says why, and what to use
 * instead, where "unknown command" would leave a pm2 user guessing. */
static const struct { const char *names, *why; } pm2_only[] = {
	{ "link unlink plus login logout register open monitor unmonitor",
	  "Keymetrics (pm2.io), a hosted service: psup shows its apps itself (status, monit, "
	  "psup web with Prometheus /metrics)" },
	{ "deploy", "pm2's deployment tool: deploy from CI or configuration management" },
	{ "install uninstall module:install module:uninstall module:generate module:update "
	  "module:publish publish package conf config set get unset multiset autoinstall",
	  "pm2 modules: not supported; pm2-logrotate is built in (log_max_size and log_retain "
	  "in the process file)" },
	{ "logrotate", "log rotation is built in (log_max_size, log_retain); with logrotate(8) "
	  "use postrotate `psup reloadLogs`, no copytruncate needed" },
	{ "serve expose", "psup serves no files: run a web server as an app" },
	{ "trigger inspect attach send sendDataToProcessId",
	  "these talk to node's runtime or an app's stdin: psup apps have neither an IPC channel "
	  "nor stdin (they read /dev/null)" },
	{ "report sysinfos slist examples deepUpdate install-otel uninstall-otel profile:cpu "
	  "profile:mem", "about pm2's own install or node's profiler: psup has no such command "
	  "(psup --version, psup ping, psup describe NAME)" },
	{ "pull forward backward", "pm2's git update of an app's folder (vizion): update the "
	  "folder yourself (git pull, git checkout) and `psup restart NAME`" },
	{ "create", "pm2's sample app: `psup init` writes a commented ecosystem.yaml to start "
	  "from" },
};

/* Why psup has no command word, when it is pm2's; else NULL. */
static const char *pm2_only_why(const char *word)
{
	size_t wl = strlen(word);
	for (size_t i = 0; i < sizeof pm2_only / sizeof *pm2_only; i++)
		for (const char *n = pm2_only[i].names; *n; ) {
			size_t l = strcspn(n, " ");
			if (l == wl && strncmp(n, word, l) == 0)
				return pm2_only[i].why;
			n += l;
			n += strspn(n, " ");
		}
	return NULL;
}

static const struct cli_cmd *cmd_find(const char *word)
{
	for (size_t i = 0; i < N_CMDS; i++) {
		if (strcmp(cmds[i].name, word) == 0)
			return &cmds[i];
		const char *al = cmds[i].aliases;
		size_t wl = strlen(word);
		while (al && *al) {
			size_t l = strcspn(al, " ");
			if (l == wl && strncmp(al, word, l) == 0)
				return &cmds[i];
			al += l;
			al += strspn(al, " ");
		}
	}
	return NULL;
}

static void usage_all(FILE *f)
{
	fputs("usage: psup COMMAND [ARGS]\n\ncommands:\n", f);
	for (size_t i = 0; i < N_CMDS; i++) {
		if (strlen(cmds[i].usage) > 34)
			fprintf(f, "  %s\n  %-34s %s\n", cmds[i].usage, "", cmds[i].brief);
		else
			fprintf(f, "  %-34s %s\n", cmds[i].usage, cmds[i].brief);
	}
	fputs("\nNAME is an app name, an instances group (chunk = chunk-1..N), a numeric id, all,\n"
	      "a /regex/ on names, a script's path or a namespace; several may be given.\n"
	      "Home: $PSUP_HOME (default ~/.psup); the daemon starts on demand.\n"
	      "Exit status: 0 ok, 1 command failed, 2 usage error, 3 daemon unreachable,\n"
	      "4 bad ecosystem file.\n"
	      "psup --version, psup help COMMAND, psup help options (ecosystem file options).\n", f);
}

static int cmd_help(struct cli_args *a)
{
	if (a->argc == 0) {
		usage_all(stdout);
		return CLI_OK;
	}
	if (strcmp(a->argv[0], "options") == 0)
		return cli_help_options(a);
	const struct cli_cmd *c = cmd_find(a->argv[0]);
	const char *why = c ? NULL : pm2_only_why(a->argv[0]);
	if (why)
		return cli_error(CLI_USAGE, "help: %s: pm2's, not psup's: %s", a->argv[0], why);
	if (!c)
		return cli_error(CLI_USAGE, "help: unknown command '%s' (see psup --help)", a->argv[0]);
	printf("usage: psup %s\n", c->usage);
	if (c->aliases)
		printf("aliases: %s\n", c->aliases);
	printf("\n%s\n", c->help);
	if (c->run == cli_cmd_start)
		printf("\n%s\n", cli_startopt_help);
	return CLI_OK;
}

/* "psup: <message>" on stderr, after what stdout holds, without the newline. */
static void say(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
static void say(const char *fmt, va_list ap)
{
	fflush(stdout);
	fputs("psup: ", stderr);
	vfprintf(stderr, fmt, ap);
}

int cli_error(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	say(fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

int cli_usage_error(const struct cli_args *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	say(fmt, ap);
	va_end(ap);
	/* One line: the reason, then how to call the command. */
	const struct cli_cmd *c = a->cmd ? cmd_find(a->cmd) : NULL;
	if (c)
		fprintf(stderr, " (usage: psup %s)", c->usage);
	fputc('\n', stderr);
	return CLI_USAGE;
}

int cli_split(struct cli_args *a, char **pos, int maxpos,
    int (*opt_cb)(struct cli_args *a, int i, void *ctx), void *ctx)
{
	int np = 0, opts = 1;
	for (int i = 0; i < a->argc; ) {
		char *w = a->argv[i];
		if (opts && strcmp(w, "--") == 0) {
			opts = 0;
			i++;
			continue;
		}
		if (opts && w[0] == '-' && w[1] != '\0') {
			int used = opt_cb ? opt_cb(a, i, ctx) : 0;
			if (used == 0)
				return cli_usage_error(a, "%s: unknown option '%s'", a->cmd, w), -1;
			if (used < 0)
				return -1;
			i += used;
			continue;
		}
		if (np >= maxpos)
			return cli_usage_error(a, "%s: unexpected argument '%s'", a->cmd, w), -1;
		pos[np++] = w;
		i++;
	}
	return np;
}

int cli_print(struct buf *out, const char *what)
{
	fflush(stdout);
	int rc = cli_buf_write(out, STDOUT_FILENO) < 0 ? cli_error(CLI_FAIL, "cannot write%s%s: %s",
	    what ? " " : "", what ? what : "", strerror(errno)) : CLI_OK;
	buf_free(out);
	return rc;
}

int cli_one_app(struct cli_args *a, const char **word)
{
	char *pos[1];
	int n = cli_split(a, pos, 1, NULL, NULL);
	if (n < 0)
		return CLI_USAGE;
	if (n == 0)
		return cli_usage_error(a, "%s: which app?", a->cmd);
	*word = pos[0];
	return CLI_OK;
}

int cli_no_args(struct cli_args *a)
{
	return cli_split(a, NULL, 0, NULL, NULL) < 0 ? -1 : 0;
}

int cli_opt_value(struct cli_args *a, int i, const char *name, const char **val)
{
	const char *w = a->argv[i];
	size_t l = strlen(name);
	if (strncmp(w, name, l) == 0 && w[l] == '=') {
		*val = w + l + 1;
		return 1;
	}
	if (i + 1 >= a->argc) {
		cli_usage_error(a, "%s: %s needs a value", a->cmd, name);
		return -1;
	}
	*val = a->argv[i + 1];
	return 2;
}

int cli_use_color(FILE *f)
{
	const char *nc = getenv("NO_COLOR");
	if (nc && *nc)
		return 0;
	return isatty(fileno(f));
}

/* -s/--silent: what the command prints goes nowhere; its errors still
 * say what failed (stderr), and the exit status is the same. */
static int silence_stdout(void)
{
	int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	fflush(stdout);
	int r = dup2(fd, STDOUT_FILENO);
	close(fd);
	return r < 0 ? -1 : 0;
}

int cli_main(int argc, char **argv)
{
	if (argc < 2) {
		usage_all(stderr);
		return cli_error(CLI_USAGE, "no command given");
	}
	const char *w = argv[1];
	if (strcmp(w, "--version") == 0 || strcmp(w, "-v") == 0 || strcmp(w, "-V") == 0
	    || strcmp(w, "version") == 0) {
		printf("psup %s\n", PSUP_VERSION);
		return CLI_OK;
	}
	if (strcmp(w, "--help") == 0 || strcmp(w, "-h") == 0) {
		usage_all(stdout);
		return CLI_OK;
	}
	const struct cli_cmd *c = cmd_find(w);
	if (!c) {
		const char *why = pm2_only_why(w);
		if (why)
			return cli_error(CLI_USAGE, "%s: pm2's, not psup's: %s", w, why);
		return cli_error(CLI_USAGE, "unknown command '%s' (see psup --help)", w);
	}
	struct cli_args a = { .argc = argc - 2, .argv = argv + 2, .cmd = c->name };
	/* "psup stop --help" shows that command's help; pm2's options of every
	 * command, --no-color and -s/--silent (no output but errors), are
	 * taken out here */
	for (int i = 0; i < a.argc && strcmp(a.argv[i], "--") != 0; ) {
		const char *o = a.argv[i];
		if (strcmp(o, "--help") == 0 || strcmp(o, "-h") == 0) {
			char *name = (char *)c->name;
			struct cli_args h = { .argc = 1, .argv = &name, .cmd = "help" };
			return cmd_help(&h);
		}
		int color = strcmp(o, "--no-color") == 0;
		int silent = strcmp(o, "--silent") == 0 || strcmp(o, "-s") == 0;
		if (!color && !silent) {
			i++;
			continue;
		}
		if (color)
			setenv("NO_COLOR", "1", 1);
		if (silent && silence_stdout() < 0)
			return cli_error(CLI_FAIL, "%s: cannot open /dev/null: %s", c->name,
			    strerror(errno));
		memmove(a.argv + i, a.argv + i + 1, (size_t)(a.argc - i - 1) * sizeof *a.argv);
		a.argc--;
	}
	int rc = c->run(&a);
	if (fflush(stdout) != 0 && rc == CLI_OK)
		rc = CLI_FAIL;
	return rc;
}
