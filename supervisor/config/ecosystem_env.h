/* An app's environment from its file: env: (values of any type, as pm2
 * takes them) over env_file: (a dotenv file). Internal to the loader. */
#ifndef PSUP_ECOSYSTEM_ENV_H
#define PSUP_ECOSYSTEM_ENV_H

#include "buf.h"
#include "ecosystem_app.h"

/* The kernel's limit on one "KEY=VALUE" string (MAX_ARG_STRLEN): execve
 * refuses a longer one, so the loader does, where the user can fix it. */
#define ECO_ENV_ENTRY_MAX (128 * 1024)

/* Appends the map n (env:, or env_NAME: for pm2's --env NAME; key names it
 * in messages) to ra->env_keys/env_vals, so a later map wins. Strings,
 * numbers and booleans as written; a list or a map is JSON-encoded (pm2
 * does so); null is "". */
int eco_env_parse(struct eco_loader *L, struct eco_app *ra, const struct ynode *n,
    const char *key);
/* Reads the env_file ra names (relative to ra->t.cwd, which is resolved by
 * now) and sets ra->t.env: the file's pairs, then env:'s over them. */
void eco_env_build(struct eco_loader *L, struct eco_app *ra);

#endif
