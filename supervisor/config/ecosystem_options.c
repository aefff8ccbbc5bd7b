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
#define NOF ((size_t)-1)
#define DAY_MS (24LL * 60 * 60 * 1000)

/* name, id, type, kind, alias_of, required, default, min, max, offset, help */
#define APP(n, id, t, def, lo, hi, off, help) \
	{ n, id, t, ECO_OPT_APP, NULL, 0, def, lo, hi, off, help }
#define REQ(n, id, t, help) { n, id, t, ECO_OPT_APP, NULL, 1, NULL, 0, 0, NOF, help }
#define ALIAS(n, of) { n, ECO_ID_NONE, ECO_T_ANY, ECO_OPT_APP, of, 0, NULL, 0, 0, NOF, "same as " of }
#define IGNORED(n, t, help) { n, ECO_ID_NONE, t, ECO_OPT_IGNORED, NULL, 0, NULL, 0, 0, NOF, help }
#define PM2ONLY(n, help) { n, ECO_ID_NONE, ECO_T_ANY, ECO_OPT_UNSUPPORTED, NULL, 0, NULL, 0, 0, NOF, help }

static const struct eco_option table[] = {
	/* top level */
	{ "apps", ECO_ID_TOP_APPS, ECO_T_APPS, ECO_OPT_TOP, NULL, 1, NULL, 0, 0, NOF,
	  "The list of apps (the file may also be just the list)." },
	{ "log_dir", ECO_ID_TOP_LOG_DIR, ECO_T_PATH, ECO_OPT_TOP, NULL, 0, "(logs/ beside the file)",
	  0, 0, NOF, "Folder of the default log files; relative to the file's folder." },
	{ "x-...", ECO_ID_NONE, ECO_T_ANY, ECO_OPT_TOP, NULL, 0, NULL, 0, 0, NOF,
	  "Any top-level key starting with x- is ignored: a place for YAML anchors (&name) "
	  "that apps merge with <<: *name." },
	{ "deploy", ECO_ID_NONE, ECO_T_ANY, ECO_OPT_TOP_UNSUPPORTED, NULL, 0, NULL, 0, 0, NOF,
	  "pm2 deployment section: not supported, ignored with a warning." },

	/* what to run */
	REQ("name", ECO_ID_NAME, ECO_T_NAME,
	    "Unique app name: letters, digits, '.', '_' and '-' (not only digits, not 'all'). "
	    "With instances > 1 the apps are NAME-1..NAME-N and NAME names the group."),
	REQ("script", ECO_ID_SCRIPT, ECO_T_PATH,
	    "Program to run. Relative to cwd; a bare name not found in cwd is looked up in PATH."),
	ALIAS("exec", "script"),
	APP("args", ECO_ID_ARGS, ECO_T_ARGS, NULL, 0, 0, NOF,
	    "Arguments: a list, or a string split like a shell does (quotes, backslashes). "
	    "{instance} is replaced by the instance number."),
	APP("interpreter", ECO_ID_INTERPRETER, ECO_T_STRING, "(by the script's extension)", 0, 0, NOF,
	    "Program that runs the script (bash, node, python3, or a path): argv is "
	    "[interpreter, interpreter_args..., script, args...]. 'none' runs the script itself. "
	    "When unset, .js/.mjs/.cjs run with node, .py with python3, anything else directly."),
	ALIAS("exec_interpreter", "interpreter"),
	APP("interpreter_args", ECO_ID_INTERPRETER_ARGS, ECO_T_ARGS, NULL, 0, 0, NOF,
	    "Arguments for the interpreter, before the script (a list or a string)."),
	ALIAS("node_args", "interpreter_args"),
	APP("cwd", ECO_ID_CWD, ECO_T_PATH, "(the file's folder)", 0, 0, NOF,
	    "Working directory; relative to the file's folder."),
	APP("env", ECO_ID_ENV, ECO_T_ENV, NULL, 0, 0, NOF,
	    "Environment variables set over psup's own (values as strings). psup adds "
	    "PSUP_APP_NAME, PSUP_INSTANCE, PSUP_INSTANCES, PSUP_HOME and PSUP_PROGRESS_FD."),
	APP("instances", ECO_ID_INSTANCES, ECO_T_INSTANCES, "1", -1, 1024, NOF,
	    "Copies to run, as NAME-1..NAME-N. 'max' or 0: one per CPU; -1: one per CPU but one."),
	APP("exec_mode", ECO_ID_EXEC_MODE, ECO_T_EXEC_MODE, "fork", 0, 0, NOF,
	    "fork only: 'cluster' (node's load balancer) warns and runs the instances as "
	    "separate processes."),

	/* restart policy */
	APP("autorestart", ECO_ID_AUTORESTART, ECO_T_AUTORESTART, "true", 0, 0, NOF,
	    "Restart on exit: true/always, on-failure (not after exit 0 or a stop_exit_code: "
	    "the app completes), false/never."),
	APP("autostart", ECO_ID_AUTOSTART, ECO_T_BOOL, "true", 0, 0, F(autostart),
	    "Start the app when the file is started; false loads it stopped."),
	APP("max_restarts", ECO_ID_MAX_RESTARTS, ECO_T_INT, "16", 0, 1000000, F(max_restarts),
	    "Unstable restarts (exits sooner than min_uptime) before the app is errored; a "
	    "stable run resets the count."),
	APP("min_uptime", ECO_ID_MIN_UPTIME, ECO_T_DURATION, "1s", 0, 365 * DAY_MS, F(min_uptime_ms),
	    "A run shorter than this is unstable."),
	APP("restart_delay", ECO_ID_RESTART_DELAY, ECO_T_DURATION, "0", 0, 365 * DAY_MS,
	    F(restart_delay_ms), "Wait before each restart."),
	APP("exp_backoff_restart_delay", ECO_ID_EXP_BACKOFF, ECO_T_DURATION, "0", 0, 365 * DAY_MS,
	    F(exp_backoff_ms),
	    "First delay of exponential backoff (0: off): doubles on each unstable restart up to "
	    "exp_backoff_max, back to the start after 30s of stable running."),
	APP("exp_backoff_max", ECO_ID_EXP_BACKOFF_MAX, ECO_T_DURATION, "15s", 1, 365 * DAY_MS,
	    F(exp_backoff_max_ms), "Cap of the exponential backoff delay (psup)."),
	APP("stop_exit_codes", ECO_ID_STOP_EXIT_CODES, ECO_T_EXIT_CODES, NULL, 0, 255, NOF,
	    "Exit codes that mean done: no restart (a code or a list)."),
	APP("kill_timeout", ECO_ID_KILL_TIMEOUT, ECO_T_DURATION, "1600", 0, DAY_MS,
	    F(kill_timeout_ms),
	    "After stop_signal, wait this long, then SIGKILL the whole process group."),
	APP("stop_signal", ECO_ID_STOP_SIGNAL, ECO_T_SIGNAL, "SIGTERM", 0, 0, NOF,
	    "Signal that asks the app to stop (SIGINT, INT or a number); sent to its process group."),
	ALIAS("kill_signal", "stop_signal"),
	APP("max_memory_restart", ECO_ID_MAX_MEMORY, ECO_T_SIZE, "0", 0, LLONG_MAX,
	    F(max_memory_restart),
	    "Restart when the process group's memory (RSS) exceeds this (0: off)."),

	/* logs */
	APP("out_file", ECO_ID_OUT_FILE, ECO_T_LOG_PATH, "(<log_dir>/<name>-out.log)", 0, 0, NOF,
	    "Log of stdout. A relative path is relative to cwd (as pm2 does); {instance} is "
	    "replaced; /dev/null or false: no file."),
	ALIAS("output", "out_file"),
	ALIAS("out", "out_file"),
	ALIAS("out_log", "out_file"),
	APP("error_file", ECO_ID_ERROR_FILE, ECO_T_LOG_PATH, "(<log_dir>/<name>-error.log)", 0, 0,
	    NOF, "Log of stderr; as out_file."),
	ALIAS("error", "error_file"),
	ALIAS("err", "error_file"),
	ALIAS("err_file", "error_file"),
	ALIAS("err_log", "error_file"),
	APP("log_file", ECO_ID_LOG_FILE, ECO_T_LOG_PATH, "(<log_dir>/<name>-combined.log)", 0, 0,
	    NOF, "Log of both streams, whole lines interleaved; as out_file."),
	ALIAS("log", "log_file"),
	APP("disable_logs", ECO_ID_DISABLE_LOGS, ECO_T_BOOL, "false", 0, 0, NOF,
	    "Write no log file at all."),
	IGNORED("merge_logs", ECO_T_BOOL,
	    "No effect: each instance has its own log files unless out_file etc. name one file."),
	IGNORED("combine_logs", ECO_T_BOOL, "No effect (as merge_logs)."),
	APP("time", ECO_ID_TIME, ECO_T_BOOL, "false", 0, 0, F(time),
	    "Prefix each log line with a timestamp."),
	APP("log_date_format", ECO_ID_LOG_DATE_FORMAT, ECO_T_STRING, "(ISO 8601 with ms)", 0, 0,
	    F(log_date_format), "strftime(3) format of the timestamps (not pm2's day.js tokens)."),
	APP("log_max_size", ECO_ID_LOG_MAX_SIZE, ECO_T_SIZE, "0", 0, LLONG_MAX, F(log_max_size),
	    "Rotate a log file past this size, by rename (0: never) (psup)."),
	APP("log_retain", ECO_ID_LOG_RETAIN, ECO_T_INT, "5", 0, 1000, F(log_retain),
	    "Rotated files kept per log (psup)."),

	/* ordering */
	APP("after", ECO_ID_AFTER, ECO_T_LIST, NULL, 0, 0, NOF,
	    "Apps or groups of this file to start before this one (a name or a list)."),

	/* pm2 options psup does not implement: a warning, never an error */
	PM2ONLY("watch", "File watching: not supported."),
	PM2ONLY("ignore_watch", "File watching: not supported."),
	PM2ONLY("watch_options", "File watching: not supported."),
	PM2ONLY("watch_delay", "File watching: not supported."),
	PM2ONLY("cron_restart", "Cron restarts: not supported."),
	PM2ONLY("cron", "Cron restarts: not supported."),
	PM2ONLY("wait_ready", "node's process.send('ready'): not supported."),
	PM2ONLY("listen_timeout", "Reload timeouts: not supported."),
	PM2ONLY("shutdown_with_message", "node IPC shutdown: not supported; use stop_signal."),
	PM2ONLY("increment_var", "Not supported; use PSUP_INSTANCE."),
	PM2ONLY("instance_var", "Not supported; use PSUP_INSTANCE."),
	PM2ONLY("namespace", "Not supported."),
	PM2ONLY("name_prefix", "Not supported."),
	PM2ONLY("filter_env", "Not supported."),
	PM2ONLY("install_url", "Not supported."),
	PM2ONLY("pid_file", "Not supported; pids are in `psup jlist`."),
	PM2ONLY("pid", "Not supported; pids are in `psup jlist`."),
	PM2ONLY("log_type", "JSON logs: not supported."),
	PM2ONLY("force", "Not supported."),
	PM2ONLY("append_env_to_name", "Not supported."),
	PM2ONLY("post_update", "Not supported."),
	PM2ONLY("vizion", "Versioning metadata: not supported."),
	PM2ONLY("source_map_support", "node only: not supported."),
	PM2ONLY("disable_source_map_support", "node only: not supported."),
	PM2ONLY("pmx", "Keymetrics: not supported."),
	PM2ONLY("automation", "Keymetrics: not supported."),
	PM2ONLY("trace", "Keymetrics: not supported."),
	PM2ONLY("disable_trace", "Keymetrics: not supported."),
	PM2ONLY("deep_monitoring", "Keymetrics: not supported."),
	PM2ONLY("event_loop_inspector", "Keymetrics: not supported."),
	PM2ONLY("v8", "Keymetrics: not supported."),
	PM2ONLY("io", "Keymetrics: not supported."),
	PM2ONLY("treekill", "Not needed: stop always signals the whole process group."),
	PM2ONLY("kill_retry_time", "Not supported."),
	PM2ONLY("port", "Not supported; set PORT in env."),
	PM2ONLY("uid", "Running as another user: not supported."),
	PM2ONLY("user", "Running as another user: not supported."),
	PM2ONLY("gid", "Running as another group: not supported."),
	PM2ONLY("username", "Not supported."),
	PM2ONLY("windowsHide", "Windows only."),
	PM2ONLY("write", "Not supported."),
	PM2ONLY("execute_command", "Not supported."),
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
