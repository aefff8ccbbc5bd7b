/* A YAML node written as JSON text: what a YAML file holds where a JSON
 * value is wanted (an app's env value that is a map, a request body
 * written as YAML). Pure. */
#ifndef PSUP_YAML_JSON_H
#define PSUP_YAML_JSON_H

#include "buf.h"
#include "yaml_tree.h"

/* Appends n to b: maps as objects, lists as arrays, plain scalars that are
 * numbers, booleans or null as such, other scalars as strings, except
 * those as_is (may be NULL) takes, which go in as their text. */
void ynode_json(struct buf *b, const struct ynode *n, int (*as_is)(const char *s));

#endif
