/* Every ecosystem file option in one table: name, type, default, bounds and
 * help. The loader is driven by it, and `psup describe` and the README list
 * options from it, so the three never disagree. */
#ifndef PSUP_ECOSYSTEM_OPTIONS_H
#define PSUP_ECOSYSTEM_OPTIONS_H

#include <stddef.h>

enum eco_opt_id {
	ECO_ID_NONE,             /* aliases, ignored and unsupported options */
	ECO_ID_NAME, ECO_ID_SCRIPT, ECO_ID_ARGS, ECO_ID_INTERPRETER, ECO_ID_INTERPRETER_ARGS,
	ECO_ID_CWD, ECO_ID_ENV, ECO_ID_INSTANCES, ECO_ID_EXEC_MODE, ECO_ID_AUTORESTART,
	ECO_ID_AUTOSTART, ECO_ID_MAX_RESTARTS, ECO_ID_MIN_UPTIME, ECO_ID_RESTART_DELAY,
	ECO_ID_EXP_BACKOFF, ECO_ID_EXP_BACKOFF_MAX, ECO_ID_CRASH_BACKOFF, ECO_ID_STOP_EXIT_CODES,
	ECO_ID_KILL_TIMEOUT, ECO_ID_STOP_SIGNAL, ECO_ID_MAX_MEMORY, ECO_ID_OUT_FILE,
	ECO_ID_ERROR_FILE, ECO_ID_LOG_FILE, ECO_ID_DISABLE_LOGS, ECO_ID_MERGE_LOGS, ECO_ID_TIME, ECO_ID_LOG_DATE_FORMAT,
	ECO_ID_LOG_MAX_SIZE, ECO_ID_LOG_RETAIN, ECO_ID_AFTER, ECO_ID_ENV_FILE,
	ECO_ID_CRON_RESTART, ECO_ID_WATCH, ECO_ID_IGNORE_WATCH, ECO_ID_WATCH_DELAY,
	ECO_ID_PID_FILE, ECO_ID_LOG_TYPE, ECO_ID_NAMESPACE, ECO_ID_INSTANCE_VAR,
	ECO_ID_INCREMENT_VAR, ECO_ID_APPEND_ENV,
	ECO_ID_COUNT,
	/* top-level keys */
	ECO_ID_TOP_APPS = 100, ECO_ID_TOP_LOG_DIR,
};

enum eco_opt_type {
	ECO_T_ANY,               /* any value (aliases, ignored and unsupported options) */
	ECO_T_STRING,            /* any scalar */
	ECO_T_NAME,              /* [A-Za-z0-9._-], unique */
	ECO_T_PATH,              /* a path; relative ones resolved (see help) */
	ECO_T_BOOL,              /* true/false, yes/no, on/off */
	ECO_T_INT,               /* whole number within [min, max] */
	ECO_T_DURATION,          /* 500ms, 2s, 5m, 1h, 1d or milliseconds, within [min, max] ms */
	ECO_T_SIZE,              /* 512K, 200M, 1G or bytes, within [min, max] */
	ECO_T_ARGS,              /* list, or a string split like a shell does */
	ECO_T_LIST,              /* list, or a space-separated string */
	ECO_T_ENV,               /* map of NAME: value (any value: lists and maps as JSON) */
	ECO_T_INSTANCES,         /* number, or max */
	ECO_T_AUTORESTART,       /* bool, always, on-failure or never */
	ECO_T_SIGNAL,            /* SIGTERM, TERM or a number */
	ECO_T_EXIT_CODES,        /* a code or a list of codes */
	ECO_T_EXEC_MODE,         /* fork or cluster (cluster warns, runs fork) */
	ECO_T_LOG_PATH,          /* a path, /dev/null or false to disable, true for the default */
	ECO_T_APPS,              /* the top-level list of apps */
	ECO_T_WATCH,             /* bool, a path or a list of paths */
};

enum eco_opt_kind {
	ECO_OPT_APP,             /* per-app option psup implements */
	ECO_OPT_IGNORED,         /* accepted, no effect (said in help) */
	ECO_OPT_UNSUPPORTED,     /* a pm2 option psup does not implement: warning */
	ECO_OPT_TOP,             /* top-level key of the file */
	ECO_OPT_TOP_UNSUPPORTED, /* top-level pm2 key psup does not implement: warning */
};

struct eco_option {
	const char *name;
	enum eco_opt_id id;
	enum eco_opt_type type;
	enum eco_opt_kind kind;
	const char *alias_of;    /* the option this name stands for, or NULL */
	int required;
	/* The default as a user would write it. It is parsed with the option's
	 * own parser when the option is not given, so it is the default. A
	 * value in parentheses is computed by the loader and only documented;
	 * NULL means "not set". */
	const char *def;
	long long min, max;      /* bounds for INT, DURATION, SIZE, INSTANCES */
	/* The struct app_spec field a plain type (bool, int, duration, size,
	 * string) is stored in by the loader; 0 for options it sets itself
	 * (name, the field at offset 0, among them). */
	size_t offset;
	const char *help;
};

/* The whole table (supported, alias, ignored, unsupported and top-level
 * entries), in documentation order. */
const struct eco_option *eco_options(size_t *n);
/* The entry for a name (aliases included), or NULL. */
const struct eco_option *eco_option_find(const char *name);
/* The entry an alias stands for (the entry itself when not an alias). */
const struct eco_option *eco_option_canonical(const struct eco_option *o);
/* A word for docs: "string", "bool", "duration", ... */
const char *eco_option_type_name(enum eco_opt_type t);

/* "SIGTERM", "TERM", "term" or "15": the signal number, or -1. */
int eco_signal_parse(const char *s);
/* "SIGTERM" for 15; "SIG?" when unknown. */
const char *eco_signal_name(int sig);

#endif
