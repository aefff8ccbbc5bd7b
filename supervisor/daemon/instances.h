/* Growing and shrinking an instances group at run time (pm2's scale). */
#ifndef PSUP_INSTANCES_H
#define PSUP_INSTANCES_H

#include "spec.h"

struct daemon;

/* The spec of instance i of n of a group whose instance 1 has the spec
 * first: named GROUP-i, its log files named after it where first's are
 * named after first, psup's variables (PSUP_INSTANCE, the instance
 * variable, increment_var counted on from first's) for i. `{instance}` in
 * args was replaced when the file loaded: the new instance has first's
 * args. out is the caller's to spec_free(). */
void instances_spec(struct daemon *d, const struct app_spec *first, int i, int n,
    struct app_spec *out);

#endif
