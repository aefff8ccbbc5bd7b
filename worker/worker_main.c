/* psup-worker: processes a job's items against a rate-limited HTTP API.
 * This file only picks the command; each lives in its own file. */
#include "cmd.h"

#include <stdio.h>
#include <string.h>

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
};

static const struct command commands[] = {
	{ "init", cmd_init },
	{ "run", cmd_run },
	{ "status", cmd_status },
	{ "export", cmd_export },
	{ "retry", cmd_retry },
	{ "help", cmd_help },
};

int main(int argc, char **argv)
{
	if (argc < 2) {
		cmd_usage(stderr);
		return CMD_USAGE;
	}
	const char *word = argv[1];
	if (strcmp(word, "--help") == 0 || strcmp(word, "-h") == 0) {
		cmd_usage(stdout);
		return CMD_OK;
	}
	if (strcmp(word, "--version") == 0 || strcmp(word, "-V") == 0 ||
	    strcmp(word, "version") == 0) {
		printf("psup-worker %s\n", PSUP_VERSION);
		return CMD_OK;
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
		if (strcmp(word, commands[i].name) == 0)
			return commands[i].fn(argc - 1, argv + 1);
	}
	cmd_errorf(word, "unknown command (see psup-worker --help)");
	return CMD_USAGE;
}
