/* `psup describe NAME`: everything about an app, from a describe reply's
 * app objects. Pure formatting, tested with canned JSON. */
#ifndef PSUP_CLI_DESCRIBE_H
#define PSUP_CLI_DESCRIBE_H

#include <cjson/cJSON.h>

#include "cli_fmt.h"

/* Appends the description of one app object (with `config`, `exits` and log
 * sizes when the daemon sent them) to out. */
void cli_describe_format(const cJSON *app, int color, struct buf *out);
/* Appends the app's settings (its config) as a process file entry
 * (cli_yaml.c): `apps:` with one app, settings at psup's defaults left out.
 * Nothing when the object has no config. */
void cli_describe_yaml(const cJSON *app, struct buf *out);

#endif
