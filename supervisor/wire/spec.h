/* An app's settings in the fixed form the daemon hands to its keeper.
 * The ecosystem loader produces these (one per instance, fully resolved);
 * the daemon records each in $PSUP_HOME/specs (speclog.h) and writes the
 * copy its keeper reads in the app's runtime folder.
 * Pack/unpack are pure and libc-only (the keeper links only libc). */
#ifndef PSUP_SPEC_H
#define PSUP_SPEC_H

#include <stddef.h>

enum autorestart { AUTORESTART_ALWAYS, AUTORESTART_ON_FAILURE, AUTORESTART_NEVER };

#define SPEC_MAX_EXIT_CODES 32

struct app_spec {
	char *name;              /* unique app name ("chunk-2") */
	char *group;             /* instances group ("chunk"); equals name when instances == 1 */
	char *source;            /* ecosystem file it came from (absolute), may be NULL */
	int app_id;              /* the daemon's id of the app, kept with its spec
	                          * (the keeper ignores it); -1 = none yet */
	int instance;            /* 1..instances */
	int instances;           /* >= 1 */

	char **argv;             /* NULL-terminated; argv[0] is the program to exec
	                          * (interpreter when one is set, else script) */
	char *script;            /* the file argv's interpreter runs (absolute, or
	                          * bare when it was nowhere), NULL when the app
	                          * runs no interpreter: a start fails while it
	                          * is missing, rather than the interpreter */
	char *cwd;               /* absolute working directory */
	char **env;              /* NULL-terminated "KEY=VALUE" entries set over the
	                          * base environment (file env + PSUP_* vars) */
	char **base_env;         /* the environment of the `psup` command that started
	                          * the app (pm2's rule), replaced by --update-env;
	                          * NULL: the keeper's own */
	char *instance_var;      /* variable holding the instance (0..N-1); NULL:
	                          * NODE_APP_INSTANCE */
	char *increment_var;     /* variable counted up by one per instance from its
	                          * env value (pm2's increment_var), may be NULL */

	/* logs: absolute paths; NULL disables that file */
	char *out_file;
	char *err_file;
	char *combined_file;
	int time;                /* prefix each line with a timestamp */
	char *log_date_format;   /* strftime format; NULL = ISO 8601 with ms */
	long long log_max_size;  /* bytes; 0 = no rotation */
	int log_retain;          /* rotated files kept */

	/* restart policy */
	enum autorestart autorestart;
	int autostart;           /* start when loaded (default 1) */
	int stopped;             /* SPEC_STOPPED, SPEC_CRON_DONE, or 0: runs */
	int max_restarts;        /* unstable restarts before errored */
	long long min_uptime_ms;
	long long restart_delay_ms;
	long long exp_backoff_ms;     /* 0 = off; else first delay, doubling */
	long long exp_backoff_max_ms; /* the cap of either backoff */
	long long crash_backoff_ms;   /* first delay between unstable restarts, doubling; 0 = off */
	int stop_exit_codes[SPEC_MAX_EXIT_CODES];
	int n_stop_exit_codes;
	long long kill_timeout_ms;
	int stop_signal;         /* signal number */
	long long max_memory_restart; /* bytes of the process group; 0 = off */

	char **after;            /* NULL-terminated names or groups this app waits
	                          * for (daemon only; the keeper ignores it), may be NULL */

	/* pm2's options the keeper carries out */
	char *cron_restart;      /* cron expression (cron.h): restart then; NULL = none */
	char **watch;            /* absolute paths: restart when something under them
	                          * changes; NULL = no watching */
	char **ignore_watch;     /* patterns not watched; NULL = pm2's default
	                          * (dotfiles and node_modules) */
	long long watch_delay_ms; /* quiet time after a change before the restart */
	char *pid_file;          /* absolute; the app's pid while it runs; NULL = none */
	int log_json;            /* log_type: json, each line a JSON object */
	char *namespace;         /* pm2's namespace (a selector); NULL = "default" */
};

/* An app's spec says how it was left, so that a keeper started after a
 * reboot (or a resurrect) loads it so, as pm2 does: */
enum {
	SPEC_STOPPED = 1,        /* the user stopped it, or a one-shot completed:
	                          * loaded stopped, as with autostart off, until
	                          * started */
	SPEC_CRON_DONE = 2,      /* a cron job that completed: loaded without
	                          * running, its next time runs it */
};

/* The fields of struct app_spec as one table, which spec_free, spec_copy,
 * spec_equal, spec_pack, spec_unpack and the daemon's describe go by. */
enum spec_ftype {
	SPEC_F_STR,          /* char *, may be NULL */
	SPEC_F_STRV,         /* NULL-terminated char **, may be NULL; a line per entry */
	SPEC_F_INT,          /* int within [min, max] */
	SPEC_F_BOOL,         /* int, 0 or 1 */
	SPEC_F_LL,           /* long long within [min, max] */
	SPEC_F_AUTORESTART,  /* enum autorestart, by name */
	SPEC_F_EXIT_CODES,   /* stop_exit_codes[0..n_stop_exit_codes): a line per code */
};

struct spec_field {
	const char *key;         /* in the text form */
	const char *shown;       /* in describe (PROTOCOL.md), when not key */
	enum spec_ftype type;
	size_t off;              /* in struct app_spec */
	long long min, max;      /* SPEC_F_INT, SPEC_F_LL, SPEC_F_EXIT_CODES */
	int secret;              /* "KEY=VALUE" entries whose values describe may mask */
	int runtime;             /* how the app was started, or what other fields
	                          * imply, not a setting: spec_equal ignores it and
	                          * describe does not show it */
	int sparse;              /* in the text form only when not 0, so a keeper
	                          * from before it reads a spec that leaves it out */
};

extern const struct spec_field spec_fields[];
extern const size_t spec_nfields;

/* "always", "on-failure", "never" ("?" for a value out of range). */
const char *spec_autorestart_name(enum autorestart r);

/* Sets every field to psup's default (pm2's where pm2 has one). */
void spec_defaults(struct app_spec *s);
/* Frees what the struct owns (not the struct itself) and zeroes it. */
void spec_free(struct app_spec *s);
/* Deep copy into dst (which the caller later spec_free()s). */
void spec_copy(struct app_spec *dst, const struct app_spec *src);
/* 1 when two specs would run the same process the same way. */
int spec_equal(const struct app_spec *a, const struct app_spec *b);

/* The longest text form a keeper reads: the loader refuses an app whose
 * spec would pack longer, so the limit is met where the user can fix it. */
#define SPEC_PACKED_MAX (1024 * 1024)

/* Text form: one "key=value" line per field, values escaped (\n \\ \t),
 * lists as repeated keys. *out is malloc'd; the caller frees it. */
char *spec_pack(const struct app_spec *s, size_t *len);
/* Parses spec_pack() output into s (initialised with spec_defaults first).
 * Unknown keys are errors. Returns 0, or -1 with *cause set (caller frees). */
int spec_unpack(const char *buf, size_t len, struct app_spec *s, char **cause);

#endif
