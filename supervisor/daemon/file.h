/* Ecosystem files from the daemon's side (file.c): `start FILE` as a
 * transaction, save and resurrect through dump.json. */
#ifndef PSUP_FILE_H
#define PSUP_FILE_H

#include <cjson/cJSON.h>

#include "daemon_core.h"

struct dop;
struct app_spec;

/* How a start loads its apps (every member may be NULL). */
struct file_start_opts {
	char *const *env;        /* the caller's environment, NULL-terminated "K=V":
	                          * each app's base environment (NULL: the keeper's) */
	const char *env_name;    /* pm2's --env NAME: env_NAME over env */
	char *const *only;       /* NULL-terminated app names to act on (NULL: all) */
	int rerun;               /* an unchanged app that completed runs again */
	int adopt;               /* an app of the same name from elsewhere is taken
	                          * over, not an error */
};

/* start FILE: loads it as a transaction and applies the difference. Fills
 * the reply fields and adds the apps to wait for to op. Returns 0, or -1
 * with errors[] filled. */
int file_start(struct daemon *d, const char *path, const struct file_start_opts *o,
    struct dop *op, cJSON *reply);
/* start SCRIPT: app_json, an app object (or a list of them) in ecosystem
 * option names, loaded as a file in cwd (its logs in $PSUP_HOME/logs) and applied as
 * file_start does; the app has no source file. */
int file_start_app(struct daemon *d, const char *app_json, const char *cwd,
    const struct file_start_opts *o, struct dop *op, cJSON *reply);
/* Replaces s's base environment with a copy of env (NULL: the keeper's). */
void file_set_base_env(struct app_spec *s, char *const *env);
/* pm2's restart --watch: s watches its cwd when it watched nothing, and
 * nothing when it watched. */
void file_toggle_watch(struct app_spec *s);
/* Writes dump.json, of every app or (empty) of none, and fills reply's
 * path and apps. 0, or -1 + *cause. */
int file_save(struct daemon *d, int empty, cJSON *reply, char **cause);
/* Starts every saved file again (only the saved apps), adding them to op.
 * 0, or -1 + *cause (the files that loaded still start). */
int file_resurrect(struct daemon *d, struct dop *op, cJSON *reply, char **cause);

#endif
