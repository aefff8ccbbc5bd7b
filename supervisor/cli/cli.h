/* The psup command line: exit codes, the command table, and what every
 * command module shares. Each command lives in its own cli_*.c file. */
#ifndef PSUP_CLI_H
#define PSUP_CLI_H

#include <stdio.h>

/* Exit codes, fixed and documented in the README:
 *   0  ok
 *   1  the command failed (unknown app, an app did not complete, timeout,
 *      monit without a terminal, ...)
 *   2  usage error (unknown command or option, missing argument)
 *   3  the daemon is unreachable or could not be started, or it broke off
 *      or sent a malformed reply
 *   4  bad ecosystem file (every FILE:LINE:COL: error is printed on stderr)
 * Every failure also prints one line "psup: reason" on stderr. */
enum {
	CLI_OK = 0,
	CLI_FAIL = 1,
	CLI_USAGE = 2,
	CLI_DAEMON = 3,
	CLI_BADFILE = 4,
};

/* A command's arguments after the command word: options are parsed by the
 * command itself with cli_opt_*(). */
struct cli_args {
	int argc;
	char **argv;
	const char *cmd;        /* the command word as typed (for messages) */
};

/* A command: runs with its arguments, returns the exit code. */
typedef int cli_cmd_fn(struct cli_args *a);

struct cli_cmd {
	const char *name;
	const char *aliases;    /* space-separated, or NULL */
	cli_cmd_fn *run;
	const char *usage;      /* "stop NAME|all" */
	const char *brief;      /* a few words for the command list */
	const char *help;       /* one paragraph */
};

int cli_main(int argc, char **argv);

/* Prints "psup: <message>" on stderr and returns code. */
int cli_error(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints "psup: <message>" and the command's usage line on stderr; returns
 * CLI_USAGE. */
int cli_usage_error(const struct cli_args *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Option helpers over a's remaining words. Options may come before or after
 * positionals; "--" ends them. cli_split() separates the positionals (into
 * pos, at most maxpos) from the options, calling opt_cb for each option word
 * with its index; opt_cb returns how many words it consumed (>= 1), or -1 for
 * a usage error it already reported. Returns the number of positionals, or -1
 * (usage error already printed) when there are too many or an option failed. */
int cli_split(struct cli_args *a, char **pos, int maxpos,
    int (*opt_cb)(struct cli_args *a, int i, void *ctx), void *ctx);
/* The value of option word i ("--lines=5" or "--lines 5"): *val points into
 * argv; returns words consumed (1 or 2), or -1 after a usage error. */
int cli_opt_value(struct cli_args *a, int i, const char *name, const char **val);

struct buf;
struct cJSON;
/* Writes out, a command's whole output, to stdout (after what stdio holds)
 * and frees it. Returns CLI_OK, or CLI_FAIL after printing "psup: cannot
 * write[ what]: reason". */
int cli_print(struct buf *out, const char *what);

/* The one app selector a command needs: CLI_OK and *word (into argv), or
 * CLI_USAGE after a usage error. */
int cli_one_app(struct cli_args *a, const char **word);
/* Refuses any argument, for a command that takes none. Returns 0, or -1
 * after a usage error. */
int cli_no_args(struct cli_args *a);

/* The commands, by the file that holds them. cli_cmd_action runs stop,
 * restart, delete, reload and startOrRestart; cli_cmd_bare runs resurrect
 * and ping. */
cli_cmd_fn cli_cmd_flush, cli_cmd_signal, cli_cmd_reset, cli_cmd_scale, cli_cmd_save,
    cli_cmd_bare; /* cli_cmds.c */
/* Sends req (consumed), then prints "label: a, b" for the apps the daemon
 * acted on, adding how many to *named (may be NULL). Returns CLI_OK or the
 * exit code. */
int cli_call_names(struct cJSON *req, const char *label, int *named);
cli_cmd_fn cli_cmd_start;                   /* cli_start.c */
cli_cmd_fn cli_cmd_action;                  /* cli_verbs.c */
cli_cmd_fn cli_cmd_pid, cli_cmd_env;        /* cli_status.c */
cli_cmd_fn cli_cmd_daemon, cli_cmd_kill, cli_cmd_update; /* cli_daemon.c */
cli_cmd_fn cli_cmd_status, cli_cmd_jlist;   /* cli_status.c */
cli_cmd_fn cli_cmd_describe;                /* cli_describe.c */
cli_cmd_fn cli_cmd_logs;                    /* cli_logs.c */
cli_cmd_fn cli_cmd_wait;                    /* cli_wait.c */
cli_cmd_fn cli_cmd_monit;                   /* cli_monit.c */
cli_cmd_fn cli_cmd_web;                     /* cli_web.c: execs psup-web */

/* Prints "label: a, b, c" when arr (strings, or objects with a name) has
 * names; past 12, the count alone: "300 stopped" (a label of one word) or
 * "sent SIGUSR1 to 300 apps". Returns how many it named. */
int cli_print_names(const char *label, const struct cJSON *arr);
/* The table after a change, as pm2 shows it: `psup status`'s exit code;
 * nothing (CLI_OK) when the change named (cli_print_names()) more apps
 * than a list shows: a fleet's table is `psup status`. */
int cli_show_table(int named);

/* 1 when colour may be used on stream f: a terminal and NO_COLOR unset or
 * empty (https://no-color.org). */
int cli_use_color(FILE *f);

#endif
