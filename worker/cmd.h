/* psup-worker's commands (init, run, status, export, retry) and the little
 * they share: exit codes, one-line errors, opening the store. */
#ifndef PSUP_CMD_H
#define PSUP_CMD_H

#include <stdio.h>

#include "store.h"

enum {
	CMD_OK = 0,              /* done */
	CMD_RUNTIME = 1,         /* the store or a file failed, or the API refused the key */
	CMD_USAGE = 2,           /* bad usage or bad input */
	CMD_QUOTA = 3,           /* run: the API says the quota or money is used up */
	CMD_BUDGET = 4,          /* run: the job file's budget is spent */
};

/* Each takes argv as after the program name (argv[0] is the command word)
 * and returns the process exit code. */
int cmd_init(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_retry(int argc, char **argv);
int cmd_help(int argc, char **argv);

/* psup-worker's usage: the commands and what they take. */
void cmd_usage(FILE *f);

/* Prints "psup-worker: what: why" on stderr. */
void cmd_error(const char *what, const char *why);
__attribute__((format(printf, 2, 3)))
void cmd_errorf(const char *what, const char *fmt, ...);

/* One option of a command: --name (and -letter when letter is not 0) with
 * a value stored in *value, or a flag setting *flag to 1, or a repeatable
 * value given to add(value, arg) each time. required names a required
 * option in messages ("--job STORE"); NULL when it is optional. A table of
 * them ends with a zeroed entry. */
struct cmd_opt {
	const char *name;
	char letter;
	const char **value;
	int *flag;
	void (*add)(char *value, void *arg);
	void *arg;
	const char *required;
	const char *empty;       /* the error for an empty value; NULL allows one */
};

enum cmd_parse_result {
	CMD_PARSED,              /* go on */
	CMD_PARSE_HELP,          /* --help or -h */
	CMD_PARSE_NO_VALUE,      /* *bad: the option given without its value */
	CMD_PARSE_UNKNOWN,       /* *bad: the unknown option */
	CMD_PARSE_EXTRA,         /* *bad: an argument that is not an option */
	CMD_PARSE_MISSING,       /* *bad: the required option's words */
	CMD_PARSE_EMPTY,         /* *bad: the error for the option given empty */
};

/* Reads argv (argv[0] is the command word) into opts with getopt_long;
 * prints nothing. Returns what it found, and in *bad what was wrong. */
enum cmd_parse_result cmd_parse(int argc, char **argv, const struct cmd_opt *opts,
    const char **bad);

/* cmd_parse for the data commands: --help prints help on stdout, anything
 * wrong gets a one-line error (with a hint where the usage helps). Returns 0 to go on, or -1 with
 * the exit code in *code. */
int cmd_args(const char *cmd, const char *help, int argc, char **argv,
    const struct cmd_opt *opts, int *code);

/* The items a command works on, from its --where options (repeatable,
 * ANDed): cmd_where_add is their cmd_opt.add (arg a struct cmd_where); it
 * keeps the first malformed one's error for cmd_start to print. */
struct cmd_where {
	struct store_filter f;
	char *error;
};
void cmd_where_add(char *value, void *arg);
void cmd_where_free(struct cmd_where *w);

/* cmd_args, then cmd_open on the value of the option named "job" (which
 * opts must have, required), restricted to where's items (store_where;
 * where NULL: all). A malformed --where is a usage error, before the store
 * is opened. Returns 0 with *s, or -1 with the exit code in *code. */
int cmd_start(const char *cmd, const char *help, int argc, char **argv,
    const struct cmd_opt *opts, const struct cmd_where *where, int create,
    struct store **s, int *code);

/* --format's word: 0 with *fmt (jsonl, csv or tsv), or -1 after saying what
 * it wants (the caller exits CMD_USAGE). */
int cmd_format(const char *cmd, const char *word, enum store_format *fmt);

/* The store URL as it may be shown: a password in it (user:PASS@ or
 * password=PASS) becomes "***". Malloc'd; the caller frees it. */
char *cmd_store_display(const char *url);

/* Opens the job store at url; create 0 refuses a missing one. Prints the
 * error and returns -1 on failure. */
int cmd_open(const char *cmd, const char *url, int create, struct store **s);

#endif
