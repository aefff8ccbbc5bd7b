/* `psup status`: the app table, formatted from a list reply's `apps` array.
 * Pure, so unit tests feed it canned JSON. */
#ifndef PSUP_CLI_STATUS_H
#define PSUP_CLI_STATUS_H

#include <cjson/cJSON.h>

#include "cli_fmt.h"

/* Appends the table for apps (a JSON array of app objects) to out: one row
 * per app, a summed row after the last member of each instances group, a
 * progress block when any app reports progress, then one line per app that
 * has a reason to show. color adds ANSI colours. A table wider than width
 * columns (0: no limit) leaves columns out, the least needed first (pid,
 * uptime, rate, ↺, cpu, mem, id), then shows the progress as a percentage
 * without its bar, then leaves out done/total, eta and failed, as pm2
 * narrows its table to the terminal. An empty array gives a short hint instead of a table. */
void cli_status_format(const cJSON *apps, int color, int width, struct buf *out);

/* The terminal's width in columns when stdout is one, else 0. */
int cli_status_width(void);

/* The progress cells of one app object (or summed progress): bar with
 * percentage, "done/total", failed, rate, ETA. Each buf gets "" when
 * unknown. Returns 1 when p holds progress. */
struct cli_progress {
	double done, total, failed, rate, eta_s;
	int have_total, have_rate, have_eta;
	const char *job;        /* the shared job reported on, or NULL; borrowed from the JSON */
};
int cli_progress_get(const cJSON *app, struct cli_progress *p);
/* What to say of one app object beside the table: why it is errored or
 * waiting (its reason), or what it says it waits for while it runs (its
 * progress note); "" when nothing. Borrowed from the JSON. */
const char *cli_app_why(const cJSON *app);
void cli_progress_cells(const struct cli_progress *p, char *count, size_t ncount,
    char *rate, size_t nrate, char *eta, size_t neta);

#endif
