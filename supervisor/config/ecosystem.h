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
 * in (its process.env; NULL: this process's own). A .js/.cjs/.mjs file is
 * evaluated by node (ecosystem_js.h) and its errors name the app by its
 * index in the file's list ("FILE: apps[I] (NAME): key: message"). */
int eco_load_env(const char *path, char *const *env, struct eco *e);
/* Same, from a buffer, with name used in messages and dir as the base for
 * relative paths (for tests and the fuzz target). */
int eco_load_buffer(const char *name, const char *dir, const char *buf, size_t len, struct eco *e);
void eco_free(struct eco *e);

#endif
