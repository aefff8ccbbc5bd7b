/* Instance expansion of a loaded app. Internal to the loader. */
#ifndef PSUP_ECOSYSTEM_INSTANCES_H
#define PSUP_ECOSYSTEM_INSTANCES_H

#include "ecosystem_app.h"

/* Every app of one file after instance expansion: a bound that keeps a
 * hostile file (instances: 1024 on many apps) from exhausting memory. */
#define ECO_MAX_APPS 4096

/* Appends ra's instances to *specs (growing it and *origin, which records
 * idx for each), named NAME-1..NAME-N when there are several, with source
 * as their file. An instance whose spec would pack over SPEC_PACKED_MAX is
 * an error in L->cx (at the longest value of the app). Returns 0, or -1
 * past ECO_MAX_APPS in all: an error in L->cx, nothing appended, and the
 * caller stops (one such message is enough). */
int eco_instances_expand(struct eco_loader *L, struct eco_app *ra, const char *source,
    struct app_spec **specs, int *n_specs, int **origin, int idx);

#endif
