/* A JSON value laid out as node's util.inspect(value, false, null, false)
 * lays out the same JavaScript value: what `pm2 prettylist` prints, so
 * that scripts grepping it (`restart_time: 1`, `status: 'online'`) read
 * psup's the same. Keys unquoted where JavaScript allows, strings in
 * single quotes (or " or ` when the string holds a '), numbers as
 * JavaScript prints them, and node's rule for putting an object or array
 * on one line: the three innermost levels, when the line stays within 80
 * columns. Not done: node's columns for arrays of more than six short
 * items (each goes on a line of its own here). */
#ifndef PSUP_CLI_INSPECT_H
#define PSUP_CLI_INSPECT_H

#include <cjson/cJSON.h>

#include "buf.h"

/* Appends v laid out to out (no newline at the end). */
void cli_inspect(const cJSON *v, struct buf *out);

#endif
