/* Reading one app of an ecosystem file: every key checked against the
 * options table, every value parsed by its option's type, defaults from the
 * table, then script and interpreter resolved. Internal to the loader. */
#ifndef PSUP_ECOSYSTEM_APP_H
#define PSUP_ECOSYSTEM_APP_H

#include "ecosystem_options.h"
#include "spec.h"
#include "yaml_get.h"

/* The longest app name a file may give. */
#define ECO_NAME_MAX 64

/* One app of the file as written: the value (and key) given for each
 * option, and what was read from them, before instances are expanded. */
struct eco_app {
	const struct ynode *map;
	const struct ynode *val[ECO_ID_COUNT];   /* value given for each option */
	const struct ynode *key[ECO_ID_COUNT];   /* and its key, for messages */
	int errors_before;                        /* error count when the app began */
	struct app_spec t;       /* template: plain fields, cwd, env, log settings */
	char *script, *interpreter;
	char **args, **iargs;
	char *log_pat[3];        /* out, error, combined: given path patterns */
	int log_off[3];          /* that file disabled */
	int disable_logs;
	int append_env;          /* append_env_to_name */
	int merge_logs;          /* instances share the log files given */
	int instances;
	char **env_keys, **env_vals;   /* env: as given, n_env pairs */
	int n_env;
	char *env_file;          /* as written */
	char **watch;            /* watch: paths as written; NULL = none */
	int watch_cwd;           /* watch: true (or an empty list): the cwd */
	char *pid_file;          /* as written */
	const struct ynode *env_sel, *env_sel_key; /* env_NAME for --env NAME */
};

/* One load of one file: its messages, its folders and its apps. */
struct eco_loader {
	struct ycx cx;
	char *dir;               /* absolute base for relative paths */
	char *log_dir;
	const char *env_name;    /* --env NAME: env_NAME is read over env; may be NULL */
	struct eco_app *apps;
	int n_apps;
};

/* The items of a list, or *np itself as a list of one; *count is set. np
 * must stay valid while the items are used. */
const struct ynode *const *eco_items(const struct ynode *const *np, size_t *count);

/* Reads ra->map (set by the caller; the rest of *ra zeroed) into ra.
 * Problems go to L->cx; when there were any, ra is only partly filled and
 * must not be expanded. Always eco_app_free(). */
void eco_app_load(struct eco_loader *L, struct eco_app *ra);
/* Frees what ra owns (not ra itself). */
void eco_app_free(struct eco_app *ra);

#endif
