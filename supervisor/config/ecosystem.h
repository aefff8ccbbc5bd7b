/* Loads a YAML ecosystem file (pm2's format where psup has the option) into
 * resolved app specs. Knows nothing of processes. */
#ifndef PSUP_ECOSYSTEM_H
#define PSUP_ECOSYSTEM_H

#include "spec.h"

struct eco {
	char *path;              /* absolute path of the file */
	char *log_dir;           /* absolute; default "logs" beside the file */
	struct app_spec *apps;   /* instances expanded: chunk-1..chunk-N */
	int n_apps;
	char **warnings;         /* "FILE:LINE:COL: key: pm2 option not supported, ignored" */
	int n_warnings;
	char **errors;           /* "FILE:LINE:COL: key: what is wrong", every one found */
	int n_errors;
};

/* Loads path into *e. Returns 0 when there were no errors (e->apps valid),
 * -1 otherwise (e->errors says why; e->apps is empty). Always eco_free(). */
int eco_load(const char *path, struct eco *e);
/* Same, with env as the environment a JavaScript process file is evaluated
 * in (its process.env; NULL: this process's own; a .js/.cjs/.mjs file is
 * evaluated by node, ecosystem_js.h, and its errors name the app by its
 * index in the file's list: "FILE: apps[I] (NAME): key: message"), and
 * env_name as pm2's --env NAME: each app's env_NAME map is set over its env
 * (a warning names an app without one). env_name may be NULL. */
int eco_load_env(const char *path, char *const *env, const char *env_name, struct eco *e);
/* Same, from a buffer, with name used in messages and dir as the base for
 * relative paths (for tests and the fuzz target). */
int eco_load_buffer(const char *name, const char *dir, const char *buf, size_t len, struct eco *e);
int eco_load_buffer_env(const char *name, const char *dir, const char *buf, size_t len,
    const char *env_name, struct eco *e);
/* Same, for JSON psup wrote from apps the user gave another way (the
 * command line's options, a list on stdin): messages name the app by its
 * index, "NAME: apps[I] (APP): key: message", or by nothing when one_app
 * (there was no list), rather than by a line the user never saw. */
int eco_load_made(const char *name, const char *dir, const char *buf, size_t len, int one_app,
    struct eco *e);
void eco_free(struct eco *e);

#endif
