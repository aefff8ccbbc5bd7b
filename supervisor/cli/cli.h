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

struct cli_cmd {
	const char *name;
	const char *aliases;    /* space-separated, or NULL */
	int (*run)(struct cli_args *a);
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

/* Commands (one file each, or grouped when trivial). */
int cli_cmd_start(struct cli_args *a);
int cli_cmd_action(struct cli_args *a);   /* stop, restart, delete */
int cli_cmd_status(struct cli_args *a);
int cli_cmd_jlist(struct cli_args *a);
int cli_cmd_describe(struct cli_args *a);
int cli_cmd_logs(struct cli_args *a);
int cli_cmd_flush(struct cli_args *a);
int cli_cmd_signal(struct cli_args *a);
int cli_cmd_save(struct cli_args *a);
int cli_cmd_resurrect(struct cli_args *a);
int cli_cmd_ping(struct cli_args *a);
int cli_cmd_kill(struct cli_args *a);
int cli_cmd_daemon(struct cli_args *a);
int cli_cmd_wait(struct cli_args *a);
int cli_cmd_monit(struct cli_args *a);

/* 1 when colour may be used on stream f: a terminal and NO_COLOR unset or
 * empty (https://no-color.org). */
int cli_use_color(FILE *f);

#endif
