/* psup-worker's commands (init, run, status, export, retry) and the little
 * they share: exit codes, one-line errors, opening the store. */
#ifndef PSUP_CMD_H
#define PSUP_CMD_H

#include <stdio.h>

struct store;

enum {
	CMD_OK = 0,              /* done */
	CMD_RUNTIME = 1,         /* the store or a file failed */
	CMD_USAGE = 2,           /* bad usage or bad input */
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

/* Prints the getopt failure for the option at argv[optind - 1] and a hint;
 * returns CMD_USAGE. */
int cmd_bad_option(const char *cmd, int opt, char **argv);

/* The store URL as it may be shown: a password in it (user:PASS@ or
 * password=PASS) becomes "***". Malloc'd; the caller frees it. */
char *cmd_store_display(const char *url);

/* Opens the job store at url; create 0 refuses a missing one. Prints the
 * error and returns -1 on failure. */
int cmd_open(const char *cmd, const char *url, int create, struct store **s);

#endif
