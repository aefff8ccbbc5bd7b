/* What psup-worker's commands share: error lines and opening the store. */
#include "cmd.h"
#include "store.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void cmd_error(const char *what, const char *why)
{
	fprintf(stderr, "psup-worker: %s: %s\n", what, why);
}

void cmd_errorf(const char *what, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "psup-worker: %s: ", what);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int cmd_bad_option(const char *cmd, int opt, char **argv)
{
	const char *arg = argv[optind - 1];
	if (opt == ':')
		cmd_errorf(cmd, "option %s needs a value (see psup-worker %s --help)", arg, cmd);
	else
		cmd_errorf(cmd, "unknown option %s (see psup-worker %s --help)", arg, cmd);
	return CMD_USAGE;
}

int cmd_open(const char *cmd, const char *url, int create, struct store **s)
{
	char *cause = NULL;
	int rc = create ? store_open(url, s, &cause) : store_open_existing(url, s, &cause);
	if (rc < 0) {
		cmd_error(cmd, cause);
		free(cause);
		return -1;
	}
	return 0;
}
