/* Ecosystem files from the daemon's side (file.c): `start FILE` as a
 * transaction, save and resurrect through dump.json. */
#ifndef PSUP_FILE_H
#define PSUP_FILE_H

#include <cjson/cJSON.h>

#include "daemon_core.h"

struct dop;

/* start FILE: loads it as a transaction and applies the difference. Only
 * apps named in only[] (NULL: all) are started. Fills the reply fields and
 * adds the apps to wait for to op. Returns 0, or -1 with errors[] filled. */
int file_start(struct daemon *d, const char *path, char **only, int nonly, struct dop *op,
    cJSON *reply);
/* Writes dump.json and fills reply's path and apps. 0, or -1 + *cause. */
int file_save(struct daemon *d, cJSON *reply, char **cause);
/* Starts every saved file again (only the saved apps), adding them to op.
 * 0, or -1 + *cause (the files that loaded still start). */
int file_resurrect(struct daemon *d, struct dop *op, cJSON *reply, char **cause);

#endif
