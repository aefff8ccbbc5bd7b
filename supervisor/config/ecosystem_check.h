/* Checks across the apps of one ecosystem file, once each app loaded:
 * names unique after instance expansion, and `after:` naming known apps or
 * groups without a cycle. Internal to the loader. */
#ifndef PSUP_ECOSYSTEM_CHECK_H
#define PSUP_ECOSYSTEM_CHECK_H

#include "spec.h"
#include "yaml_get.h"

struct eco_check_app {
	const char *name;                /* as written (the group) */
	const struct ynode *name_node;
	char **after;                    /* NULL-terminated, or NULL */
	const struct ynode *after_node;
};

/* apps[0..n_apps) as written; specs[0..n_specs) expanded, origin[i] the
 * index in apps that made specs[i]. Errors go to cx. */
void eco_check(struct ycx *cx, const struct eco_check_app *apps, int n_apps,
    const struct app_spec *specs, const int *origin, int n_specs);

#endif
