/* `psup-worker retry`: failed items back to pending, all or by id. */
#include "cmd.h"
#include "store.h"
#include "xalloc.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char retry_usage[] =
	"usage: psup-worker retry --job STORE [--ids ID,ID...]\n"
	"\n"
	"Puts failed items back to pending with their attempts reset, so the next\n"
	"'psup-worker run' processes them again. Without --ids, every failed item.\n"
	"\n"
	"  --job STORE     sqlite:PATH, a plain path, or postgresql://...\n"
	"  --ids ID,...    only these items (may be given more than once)\n";

/* Appends the comma-separated ids of list to *ids (pointers into list). */
static void split_ids(char *list, char ***ids, int *n, int *cap)
{
	char *p = list;
	for (;;) {
		char *comma = strchr(p, ',');
		if (comma)
			*comma = '\0';
		if (*p) {
			if (*n == *cap) {
				*cap = *cap ? 2 * *cap : 8;
				*ids = xreallocarray(*ids, (size_t)*cap, sizeof **ids);
			}
			(*ids)[(*n)++] = p;
		}
		if (!comma)
			break;
		p = comma + 1;
	}
}

int cmd_retry(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "job", required_argument, NULL, 'j' },
		{ "ids", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *job = NULL;
	char **ids = NULL;
	int n_ids = 0, cap = 0, given_ids = 0, c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":j:i:h", opts, NULL)) != -1) {
		switch (c) {
		case 'j': job = optarg; break;
		case 'i': given_ids = 1; split_ids(optarg, &ids, &n_ids, &cap); break;
		case 'h': fputs(retry_usage, stdout); free(ids); return CMD_OK;
		default: free(ids); return cmd_bad_option("retry", c, argv);
		}
	}
	int rc = CMD_USAGE;
	if (optind < argc) {
		cmd_errorf("retry", "unexpected argument '%s' (see psup-worker retry --help)",
		    argv[optind]);
		goto out;
	}
	if (!job) {
		cmd_error("retry", "--job STORE is required (see psup-worker retry --help)");
		goto out;
	}
	if (given_ids && n_ids == 0) {
		cmd_error("retry", "--ids names no id");
		goto out;
	}
	struct store *s = NULL;
	rc = CMD_RUNTIME;
	if (cmd_open("retry", job, 0, &s) < 0)
		goto out;
	char *cause = NULL;
	long long moved = 0;
	if (store_retry(s, (const char *const *)ids, given_ids ? n_ids : 0, &moved, &cause) < 0) {
		cmd_error("retry", cause);
		free(cause);
	} else {
		printf("%lld failed item%s back to pending\n", moved, moved == 1 ? "" : "s");
		if (given_ids && moved < n_ids)
			fprintf(stderr, "psup-worker: retry: %lld of the %d ids given %s "
			    "(unknown, pending, leased or done): left alone\n",
			    (long long)n_ids - moved, n_ids,
			    n_ids - moved == 1 ? "is not a failed item" : "are not failed items");
		rc = CMD_OK;
	}
	store_close(s);
out:
	free(ids);
	return rc;
}
