/* Reading one option's value of one app by the option's type: names,
 * numbers as pm2 reads them, signals, exit codes, log paths, watch paths,
 * cron expressions, env. Internal to the loader. */
#ifndef PSUP_ECOSYSTEM_VALUE_H
#define PSUP_ECOSYSTEM_VALUE_H

#include "ecosystem_app.h"

/* Reads n, the value of option o, into ra (ra->t for plain fields).
 * Problems go to L->cx. */
void eco_value_parse(struct eco_loader *L, struct eco_app *ra, const struct eco_option *o,
    const struct ynode *n);

#endif
