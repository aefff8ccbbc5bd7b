/* psup-worker: processes a job's items against a rate-limited HTTP API.
 * This file only picks the command; each lives in its own file. */
#include "cmd.h"

#include <stdio.h>
#include <string.h>

static const char usage_text[] =
	"usage: psup-worker COMMAND [options]\n"
	"\n"
	"Processes a job (a queue of JSON items in a job store) against an HTTP API,\n"
	"with many workers sharing one job. Commands:\n"
	"\n"
	"  init   --job STORE --input FILE [--id-field F] [--priority-field F]\n"
	"         load items, one JSON object per line; loading again adds only new ids\n"
	"  run    --job STORE --config JOB.yaml [--name NAME]\n"
	"         claim items, call the API, record results; exit 0 when none is left\n"
	"  status --job STORE [--json]\n"
	"         counts by state, attempts, error classes, throughput, tokens\n"
	"  export --job STORE [--failed] [--output FILE]\n"
	"         results as JSON lines in input order\n"
	"  retry  --job STORE [--ids ID,ID...]\n"
	"         failed items back to pending\n"
	"\n"
	"STORE is sqlite:PATH, a plain path, or postgresql://USER@HOST/DB.\n"
	"'psup-worker COMMAND --help' shows a command's options.\n"
	"Exit codes: 0 ok, 1 runtime error, 2 bad usage or bad input.\n";

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
};

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage_text, stderr);
		return CMD_USAGE;
	}
	const char *word = argv[1];
	if (strcmp(word, "--help") == 0 || strcmp(word, "-h") == 0 || strcmp(word, "help") == 0) {
		fputs(usage_text, stdout);
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
