/* `psup wait`: the pure part, counting the selected apps by outcome and
 * writing the one-line summary. */
#ifndef PSUP_CLI_WAIT_H
#define PSUP_CLI_WAIT_H

#include <cjson/cJSON.h>

#include "cli_fmt.h"

enum { WAIT_COMPLETED, WAIT_ERRORED, WAIT_STOPPED, WAIT_GONE, WAIT_RUNNING, WAIT_KINDS };

struct cli_wait_tally {
	int n[WAIT_KINDS];
	struct buf names[WAIT_KINDS]; /* "a, b, c" (the first few) */
	struct buf why;          /* "NAME errored: REASON\n" of the first few */
};

/* Classifies each of the n names against the apps array of a list reply
 * (an app no longer listed is "gone"). Returns 1 when none is still
 * running. Call cli_wait_tally_free() after. */
int cli_wait_tally(const cJSON *apps, char *const *names, int n, struct cli_wait_tally *t);
void cli_wait_tally_free(struct cli_wait_tally *t);
/* "5 completed" / "3 completed, 1 errored (chunk-2), 1 online (x)". */
void cli_wait_summary(const struct cli_wait_tally *t, struct buf *out);

#endif
