/* The ecosystem options table and signal names. pm2's names and defaults
 * where pm2 has the option. */
#include "ecosystem_options.h"

#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "spec.h"

#define F(field) offsetof(struct app_spec, field)
#define DAY_MS (24LL * 60 * 60 * 1000)

/* A member left out is zero: no id, any type, an app option, no default,
 * no field (see struct eco_option). */
static const struct eco_option table[] = {
	/* top level */
	{ .name = "apps", .id = ECO_ID_TOP_APPS, .type = ECO_T_APPS, .kind = ECO_OPT_TOP,
	  .required = 1,
	  .help = "The list of apps (the file may also be just the list)." },
	{ .name = "log_dir", .id = ECO_ID_TOP_LOG_DIR, .type = ECO_T_PATH, .kind = ECO_OPT_TOP,
	  .def = "(logs/ beside the file)",
	  .help = "Folder of the default log files; relative to the file's folder." },
	{ .name = "x-...", .kind = ECO_OPT_TOP,
	  .help = "Any top-level key starting with x- is ignored: a place for YAML anchors (&name) "
	          "that apps merge with <<: *name." },
	{ .name = "deploy", .kind = ECO_OPT_TOP_UNSUPPORTED,
	  .help = "pm2 deployment section: not supported, ignored with a warning." },

	/* what to run */
	{ .name = "name", .id = ECO_ID_NAME, .type = ECO_T_NAME, .def = "(the script's base name)",
	  .help = "Unique app name: letters, digits, '.', '_', '-' and '/' (not only digits, not "
	          "'all'; a '/' becomes '-' in log file names). Without it, the script's base name "
	          "without extension (pm2's rule). With instances > 1 the apps are NAME-1..NAME-N "
	          "and NAME names the group." },
	{ .name = "append_env_to_name", .id = ECO_ID_APPEND_ENV, .type = ECO_T_BOOL, .def = "false",
	  .help = "With --env ENV, the app is named NAME-ENV (pm2's): one file runs an app per "
	          "environment side by side." },
	{ .name = "script", .id = ECO_ID_SCRIPT, .type = ECO_T_PATH, .required = 1,
	  .help = "Program to run. Relative to cwd; a bare name not found in cwd is looked up in PATH. "
	          "A command line (with spaces, naming no file) runs with bash -c, named after its "
	          "first word (pm2's)." },
	{ .name = "exec", .alias_of = "script", .help = "same as script" },
	{ .name = "cmd", .alias_of = "script", .help = "same as script" },
	{ .name = "command", .alias_of = "script", .help = "same as script" },
	{ .name = "args", .id = ECO_ID_ARGS, .type = ECO_T_ARGS,
	  .help = "Arguments: a list, or a string split like a shell does (quotes, backslashes). "
	          "{instance} is replaced by the instance number." },
	{ .name = "interpreter", .id = ECO_ID_INTERPRETER, .type = ECO_T_STRING,
	  .def = "(by the script's extension)",
	  .help = "Program that runs the script (bash, node, python3, or a path): argv is "
	          "[interpreter, interpreter_args..., script, args...]. 'none' runs the script itself. "
	          "When unset, .js/.mjs/.cjs run with node, .py with python3, .sh with bash, anything "
	          "else directly." },
	{ .name = "exec_interpreter", .alias_of = "interpreter", .help = "same as interpreter" },
	{ .name = "interpreter_args", .id = ECO_ID_INTERPRETER_ARGS, .type = ECO_T_ARGS,
	  .help = "Arguments for the interpreter, before the script (a list or a string)." },
	{ .name = "node_args", .alias_of = "interpreter_args", .help = "same as interpreter_args" },
	{ .name = "cwd", .id = ECO_ID_CWD, .type = ECO_T_PATH, .def = "(the file's folder)",
	  .help = "Working directory; relative to the file's folder." },
	{ .name = "env", .id = ECO_ID_ENV, .type = ECO_T_ENV,
	  .help = "Environment variables set over the environment of the psup command that "
	          "starts the app; env_NAME is set over env with --env NAME. Numbers and booleans "
	          "as written; a list or a map is JSON-encoded (as pm2 does). psup adds PWD (the "
	          "cwd), NODE_APP_INSTANCE, PSUP_APP_NAME, PSUP_INSTANCE, PSUP_INSTANCES, "
	          "PSUP_HOME and PSUP_PROGRESS_FD." },
	{ .name = "env_file", .id = ECO_ID_ENV_FILE, .type = ECO_T_PATH,
	  .help = "A dotenv file (KEY=VALUE lines, # comments, quoted values) read when the file "
	          "is loaded; relative to cwd. env: is set over it." },
	{ .name = "instance_var", .id = ECO_ID_INSTANCE_VAR, .type = ECO_T_STRING,
	  .def = "(NODE_APP_INSTANCE)", .offset = F(instance_var),
	  .help = "Variable that holds the instance number, 0..N-1 (pm2's)." },
	{ .name = "increment_var", .id = ECO_ID_INCREMENT_VAR, .type = ECO_T_STRING,
	  .offset = F(increment_var),
	  .help = "Variable counted up by one per instance, from its env value or 0 "
	          "(e.g. PORT: 3000, 3001, ...)." },
	{ .name = "instances", .id = ECO_ID_INSTANCES, .type = ECO_T_INSTANCES, .def = "1",
	  .min = -1024, .max = 1024,
	  .help = "Copies to run, as NAME-1..NAME-N. 'max' or 0: one per CPU; -N: one per CPU but N, "
	          "at least one (pm2's)." },
	{ .name = "exec_mode", .id = ECO_ID_EXEC_MODE, .type = ECO_T_EXEC_MODE, .def = "fork",
	  .help = "fork only: 'cluster' (node's load balancer) warns and runs the instances as "
	          "separate processes." },

	/* restart policy */
	{ .name = "autorestart", .id = ECO_ID_AUTORESTART, .type = ECO_T_AUTORESTART,
	  .def = "true",
	  .help = "Restart on exit: true/always, on-failure (not after exit 0 or a stop_exit_code: "
	          "the app completes), false/never." },
	{ .name = "autostart", .id = ECO_ID_AUTOSTART, .type = ECO_T_BOOL, .def = "true",
	  .offset = F(autostart),
	  .help = "Start the app when the file is started; false loads it stopped." },
	{ .name = "max_restarts", .id = ECO_ID_MAX_RESTARTS, .type = ECO_T_INT, .def = "16",
	  .min = 0, .max = 1000000, .offset = F(max_restarts),
	  .help = "Unstable restarts (exits sooner than min_uptime) before the app is errored; a "
	          "stable run resets the count." },
	{ .name = "min_uptime", .id = ECO_ID_MIN_UPTIME, .type = ECO_T_DURATION, .def = "1s",
	  .min = 0, .max = 365 * DAY_MS, .offset = F(min_uptime_ms),
	  .help = "A run shorter than this is unstable." },
	{ .name = "restart_delay", .id = ECO_ID_RESTART_DELAY, .type = ECO_T_DURATION, .def = "0",
	  .min = 0, .max = 365 * DAY_MS, .offset = F(restart_delay_ms),
	  .help = "Wait before each restart." },
	{ .name = "exp_backoff_restart_delay", .id = ECO_ID_EXP_BACKOFF, .type = ECO_T_DURATION,
	  .def = "0", .min = 0, .max = 365 * DAY_MS, .offset = F(exp_backoff_ms),
	  .help = "First delay of exponential backoff (0: off): doubles on each unstable restart up to "
	          "exp_backoff_max, back to the start after 30s of stable running." },
	{ .name = "exp_backoff_max", .id = ECO_ID_EXP_BACKOFF_MAX, .type = ECO_T_DURATION,
	  .def = "15s", .min = 1, .max = 365 * DAY_MS, .offset = F(exp_backoff_max_ms),
	  .help = "Cap of the exponential backoff delay and of crash_backoff (psup)." },
	{ .name = "crash_backoff", .id = ECO_ID_CRASH_BACKOFF, .type = ECO_T_DURATION,
	  .def = "100ms", .min = 0, .max = 365 * DAY_MS, .offset = F(crash_backoff_ms),
	  .help = "A crash loop slows down (psup): a restart after an unstable run waits this "
	          "long, doubling on each further one up to exp_backoff_max, and never less than "
	          "restart_delay; a stable run resets it. 0: off (pm2 restarts at once). Not used "
	          "with exp_backoff_restart_delay." },
	{ .name = "stop_exit_codes", .id = ECO_ID_STOP_EXIT_CODES, .type = ECO_T_EXIT_CODES,
	  .min = 0, .max = 255,
	  .help = "Exit codes that mean done: no restart (a code or a list)." },
	{ .name = "kill_timeout", .id = ECO_ID_KILL_TIMEOUT, .type = ECO_T_DURATION, .def = "1600",
	  .min = 0, .max = DAY_MS, .offset = F(kill_timeout_ms),
	  .help = "After stop_signal, wait this long, then SIGKILL the whole process group." },
	{ .name = "stop_signal", .id = ECO_ID_STOP_SIGNAL, .type = ECO_T_SIGNAL, .def = "SIGTERM",
	  .help = "Signal that asks the app to stop (SIGINT, INT or a number); sent to its process group." },
	{ .name = "kill_signal", .alias_of = "stop_signal", .help = "same as stop_signal" },
	{ .name = "max_memory_restart", .id = ECO_ID_MAX_MEMORY, .type = ECO_T_SIZE, .def = "0",
	  .min = 0, .max = LLONG_MAX, .offset = F(max_memory_restart),
	  .help = "Restart when the process group's memory (RSS) exceeds this (0: off)." },

	/* logs */
	{ .name = "out_file", .id = ECO_ID_OUT_FILE, .type = ECO_T_LOG_PATH,
	  .def = "(<log_dir>/<name>-out.log)",
	  .help = "Log of stdout. A relative path is relative to cwd (as pm2 does); {instance} is "
	          "replaced; /dev/null or false: no file." },
	{ .name = "output", .alias_of = "out_file", .help = "same as out_file" },
	{ .name = "out", .alias_of = "out_file", .help = "same as out_file" },
	{ .name = "out_log", .alias_of = "out_file", .help = "same as out_file" },
	{ .name = "error_file", .id = ECO_ID_ERROR_FILE, .type = ECO_T_LOG_PATH,
	  .def = "(<log_dir>/<name>-error.log)",
	  .help = "Log of stderr; as out_file." },
	{ .name = "error", .alias_of = "error_file", .help = "same as error_file" },
	{ .name = "err", .alias_of = "error_file", .help = "same as error_file" },
	{ .name = "err_file", .alias_of = "error_file", .help = "same as error_file" },
	{ .name = "err_log", .alias_of = "error_file", .help = "same as error_file" },
	{ .name = "log_file", .id = ECO_ID_LOG_FILE, .type = ECO_T_LOG_PATH,
	  .def = "(<log_dir>/<name>-combined.log)",
	  .help = "Log of both streams, whole lines interleaved; as out_file." },
	{ .name = "log", .alias_of = "log_file", .help = "same as log_file" },
	{ .name = "disable_logs", .id = ECO_ID_DISABLE_LOGS, .type = ECO_T_BOOL, .def = "false",
	  .help = "Write no log file at all." },
	{ .name = "merge_logs", .id = ECO_ID_MERGE_LOGS, .type = ECO_T_BOOL, .def = "false",
	  .help = "With instances > 1, every instance writes the out_file, error_file and log_file "
	          "given. Without it, as pm2, each instance writes its own: FILE-0.log, FILE-1.log, "
	          "... (a path ending in .log and without {instance}; the number counts from 0, as "
	          "NODE_APP_INSTANCE)." },
	{ .name = "combine_logs", .alias_of = "merge_logs", .help = "same as merge_logs" },
	{ .name = "time", .id = ECO_ID_TIME, .type = ECO_T_BOOL, .def = "false", .offset = F(time),
	  .help = "Prefix each log line with a timestamp (true when log_date_format is given)." },
	{ .name = "log_date_format", .id = ECO_ID_LOG_DATE_FORMAT, .type = ECO_T_STRING,
	  .def = "(ISO 8601 with ms)", .offset = F(log_date_format),
	  .help = "Format of the timestamps: pm2's day.js tokens (YYYY-MM-DD HH:mm:ss.SSS Z), or "
	          "strftime(3) when it holds a %. Giving it turns time on, as in pm2." },
	{ .name = "log_type", .id = ECO_ID_LOG_TYPE, .type = ECO_T_STRING, .def = "raw",
	  .help = "json: each line is written as pm2 does, {\"message\":..., \"timestamp\":..., "
	          "\"type\":\"out\"|\"err\", \"app_name\":...}; raw: as the app wrote it." },
	{ .name = "log_max_size", .id = ECO_ID_LOG_MAX_SIZE, .type = ECO_T_SIZE, .def = "0",
	  .min = 0, .max = LLONG_MAX, .offset = F(log_max_size),
	  .help = "Rotate a log file past this size, by rename (0: never) (psup)." },
	{ .name = "log_retain", .id = ECO_ID_LOG_RETAIN, .type = ECO_T_INT, .def = "5", .min = 0,
	  .max = 1000, .offset = F(log_retain),
	  .help = "Rotated files kept per log (psup)." },

	/* pm2's triggers and files */
	{ .name = "cron_restart", .id = ECO_ID_CRON_RESTART, .type = ECO_T_STRING,
	  .help = "Restart (or start) the app at these times: cron with 5 fields, or 6 with seconds "
	          "first, in local time (pm2's syntax: names, steps, L, @daily; day of month and day "
	          "of week must both match). 0 or false: none. Not while the app is stopped (psup "
	          "stop, or autostart: false until it is started)." },
	{ .name = "cron", .alias_of = "cron_restart", .help = "same as cron_restart" },
	{ .name = "watch", .id = ECO_ID_WATCH, .type = ECO_T_WATCH, .def = "false",
	  .help = "Restart when a file changes (inotify): true watches cwd; or a path or a list of "
	          "paths, relative to cwd. Folders are watched whole, new ones too, up to 4096 per "
	          "app. Log files in the app's log folders, its pid_file and PSUP_HOME never count." },
	{ .name = "ignore_watch", .id = ECO_ID_IGNORE_WATCH, .type = ECO_T_LIST,
	  .def = "(dotfiles and node_modules)",
	  .help = "Paths not watched: a name (node_modules), a path relative to cwd, or a glob "
	          "(*.log) matched against the relative path and the file name." },
	{ .name = "watch_delay", .id = ECO_ID_WATCH_DELAY, .type = ECO_T_DURATION, .def = "100ms",
	  .min = 0, .max = DAY_MS, .offset = F(watch_delay_ms),
	  .help = "After a change, wait until nothing changed for this long, then restart once." },
	{ .name = "pid_file", .id = ECO_ID_PID_FILE, .type = ECO_T_PATH,
	  .help = "Write the app's pid to this file (atomically) while it runs; removed when it "
	          "stops. Relative to cwd." },
	{ .name = "pid", .alias_of = "pid_file", .help = "same as pid_file" },
	{ .name = "namespace", .id = ECO_ID_NAMESPACE, .type = ECO_T_STRING, .def = "(default)",
	  .offset = F(namespace),
	  .help = "pm2's namespace: a name that selects a set of apps in commands." },

	/* ordering */
	{ .name = "after", .id = ECO_ID_AFTER, .type = ECO_T_LIST,
	  .help = "Apps or groups of this file to start before this one (a name or a list)." },

	/* pm2 options psup does not implement: a warning, never an error */
	{ .name = "watch_options", .kind = ECO_OPT_UNSUPPORTED,
	  .help = "File watching: not supported." },
	{ .name = "wait_ready", .kind = ECO_OPT_UNSUPPORTED,
	  .help = "node's process.send('ready'): not supported." },
	{ .name = "listen_timeout", .kind = ECO_OPT_UNSUPPORTED,
	  .help = "Reload timeouts: not supported." },
	{ .name = "shutdown_with_message", .kind = ECO_OPT_UNSUPPORTED,
	  .help = "node IPC shutdown: not supported; use stop_signal." },
	{ .name = "name_prefix", .kind = ECO_OPT_UNSUPPORTED, .help = "Not supported." },
	{ .name = "filter_env", .kind = ECO_OPT_UNSUPPORTED, .help = "Not supported." },
	{ .name = "install_url", .kind = ECO_OPT_UNSUPPORTED, .help = "Not supported." },
	{ .name = "force", .kind = ECO_OPT_UNSUPPORTED, .help = "Not supported." },
	{ .name = "post_update", .kind = ECO_OPT_UNSUPPORTED, .help = "Not supported." },
	{ .name = "vizion", .kind = ECO_OPT_UNSUPPORTED,
	  .help = "Versioning metadata: not supported." },
	{ .name = "source_map_support", .kind = ECO_OPT_UNSUPPORTED,
	  .help = "node only: not supported." },
	{ .name = "disable_source_map_support", .kind = ECO_OPT_UNSUPPORTED,
	  .help = "node only: not supported." },
	{ .name = "pmx", .kind = ECO_OPT_UNSUPPORTED, .help = "Keymetrics: not supported." },
	{ .name = "automation", .kind = ECO_OPT_UNSUPPORTED, .help = "Keymetrics: not supported." },
	{ .name = "trace", .kind = ECO_OPT_UNSUPPORTED, .help = "Keymetrics: not supported." },
	{ .name = "disable_trace", .kind = ECO_OPT_UNSUPPORTED,
	  .help = "Keymetrics: not supported." },
	{ .name = "deep_monitoring", .kind = ECO_OPT_UNSUPPORTED,
	  .help = "Keymetrics: not supported." },
	{ .name = "event_loop_inspector", .kind = ECO_OPT_UNSUPPORTED,
	  .help = "Keymetrics: not supported." },
	{ .name = "v8", .kind = ECO_OPT_UNSUPPORTED, .help = "Keymetrics: not supported." },
	{ .name = "io", .kind = ECO_OPT_UNSUPPORTED, .help = "Keymetrics: not supported." },
	{ .name = "treekill", .kind = ECO_OPT_UNSUPPORTED,
	  .help = "Not needed: stop always signals the whole process group." },
	{ .name = "kill_retry_time", .kind = ECO_OPT_UNSUPPORTED, .help = "Not supported." },
	{ .name = "port", .kind = ECO_OPT_UNSUPPORTED, .help = "Not supported; set PORT in env." },
	{ .name = "uid", .kind = ECO_OPT_UNSUPPORTED,
	  .help = "Running as another user: not supported." },
	{ .name = "user", .kind = ECO_OPT_UNSUPPORTED,
	  .help = "Running as another user: not supported." },
	{ .name = "gid", .kind = ECO_OPT_UNSUPPORTED,
	  .help = "Running as another group: not supported." },
	{ .name = "username", .kind = ECO_OPT_UNSUPPORTED, .help = "Not supported." },
	{ .name = "windowsHide", .kind = ECO_OPT_UNSUPPORTED, .help = "Windows only." },
	{ .name = "write", .kind = ECO_OPT_UNSUPPORTED, .help = "Not supported." },
	{ .name = "execute_command", .kind = ECO_OPT_UNSUPPORTED, .help = "Not supported." },
};

const struct eco_option *eco_options(size_t *n)
{
	*n = sizeof table / sizeof *table;
	return table;
}

const struct eco_option *eco_option_find(const char *name)
{
	for (size_t i = 0; i < sizeof table / sizeof *table; i++)
		if (strcmp(table[i].name, name) == 0)
			return &table[i];
	return NULL;
}

const struct eco_option *eco_option_canonical(const struct eco_option *o)
{
	if (o && o->alias_of)
		return eco_option_find(o->alias_of);
	return o;
}

const char *eco_option_type_name(enum eco_opt_type t)
{
	switch (t) {
	case ECO_T_STRING: return "string";
	case ECO_T_NAME: return "name";
	case ECO_T_PATH: return "path";
	case ECO_T_BOOL: return "bool";
	case ECO_T_INT: return "integer";
	case ECO_T_DURATION: return "duration";
	case ECO_T_SIZE: return "size";
	case ECO_T_ARGS: return "args";
	case ECO_T_LIST: return "list";
	case ECO_T_ENV: return "map";
	case ECO_T_INSTANCES: return "integer|max";
	case ECO_T_AUTORESTART: return "bool|always|on-failure|never";
	case ECO_T_SIGNAL: return "signal";
	case ECO_T_EXIT_CODES: return "codes";
	case ECO_T_EXEC_MODE: return "fork|cluster";
	case ECO_T_LOG_PATH: return "path";
	case ECO_T_APPS: return "list of apps";
	case ECO_T_WATCH: return "bool|paths";
	case ECO_T_ANY: break;
	}
	return "any";
}

static const struct {
	const char *name;
	int sig;
} signals[] = {
	{ "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT }, { "ILL", SIGILL },
	{ "TRAP", SIGTRAP }, { "ABRT", SIGABRT }, { "IOT", SIGIOT }, { "BUS", SIGBUS },
	{ "FPE", SIGFPE }, { "KILL", SIGKILL }, { "USR1", SIGUSR1 }, { "SEGV", SIGSEGV },
	{ "USR2", SIGUSR2 }, { "PIPE", SIGPIPE }, { "ALRM", SIGALRM }, { "TERM", SIGTERM },
	{ "STKFLT", SIGSTKFLT }, { "CHLD", SIGCHLD }, { "CONT", SIGCONT }, { "STOP", SIGSTOP },
	{ "TSTP", SIGTSTP }, { "TTIN", SIGTTIN }, { "TTOU", SIGTTOU }, { "URG", SIGURG },
	{ "XCPU", SIGXCPU }, { "XFSZ", SIGXFSZ }, { "VTALRM", SIGVTALRM }, { "PROF", SIGPROF },
	{ "WINCH", SIGWINCH }, { "IO", SIGIO }, { "POLL", SIGPOLL }, { "PWR", SIGPWR },
	{ "SYS", SIGSYS },
};

int eco_signal_parse(const char *s)
{
	if (!s || !*s)
		return -1;
	if (*s >= '0' && *s <= '9') {
		int v = 0;
		for (const char *p = s; *p; p++) {
			if (*p < '0' || *p > '9' || v > 1000)
				return -1;
			v = v * 10 + (*p - '0');
		}
		return v >= 1 && v < NSIG ? v : -1;
	}
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (size_t i = 0; i < sizeof signals / sizeof *signals; i++)
		if (strcasecmp(s, signals[i].name) == 0)
			return signals[i].sig;
	return -1;
}

const char *eco_signal_name(int sig)
{
	static const char *const names[] = {
		[SIGHUP] = "SIGHUP", [SIGINT] = "SIGINT", [SIGQUIT] = "SIGQUIT",
		[SIGILL] = "SIGILL", [SIGTRAP] = "SIGTRAP", [SIGABRT] = "SIGABRT",
		[SIGBUS] = "SIGBUS", [SIGFPE] = "SIGFPE", [SIGKILL] = "SIGKILL",
		[SIGUSR1] = "SIGUSR1", [SIGSEGV] = "SIGSEGV", [SIGUSR2] = "SIGUSR2",
		[SIGPIPE] = "SIGPIPE", [SIGALRM] = "SIGALRM", [SIGTERM] = "SIGTERM",
		[SIGSTKFLT] = "SIGSTKFLT", [SIGCHLD] = "SIGCHLD", [SIGCONT] = "SIGCONT",
		[SIGSTOP] = "SIGSTOP", [SIGTSTP] = "SIGTSTP", [SIGTTIN] = "SIGTTIN",
		[SIGTTOU] = "SIGTTOU", [SIGURG] = "SIGURG", [SIGXCPU] = "SIGXCPU",
		[SIGXFSZ] = "SIGXFSZ", [SIGVTALRM] = "SIGVTALRM", [SIGPROF] = "SIGPROF",
		[SIGWINCH] = "SIGWINCH", [SIGIO] = "SIGIO", [SIGPWR] = "SIGPWR", [SIGSYS] = "SIGSYS",
	};
	if (sig > 0 && (size_t)sig < sizeof names / sizeof *names && names[sig])
		return names[sig];
	return "SIG?";
}
