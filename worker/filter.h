/* Subsets of a job's items, as the commands take them: --where FIELD=VALUE
 * (several are ANDed) and init's --tag NAME. Pure: parsing and checks; the
 * store applies a filter (store_where). */
#ifndef PSUP_FILTER_H
#define PSUP_FILTER_H

#include "store.h"

/* Parses text, FIELD=VALUE, into a condition added to *f. FIELD "tag" is
 * the tag `init --tag` gave; "item.NAME" or any other NAME is a top-level
 * field of the item's JSON. VALUE is everything after the first '='.
 * Returns 0, or -1 with *cause (malloc'd) saying what is wrong with text;
 * f is unchanged then. Free f with store_filter_free. */
int filter_add(struct store_filter *f, const char *text, char **cause);

/* f as the user wrote it, "tag=a and lang=en" ("all items" when empty),
 * malloc'd. */
char *filter_text(const struct store_filter *f);

/* Checks a tag for `init --tag`. Returns 0, or -1 with *cause. */
int filter_tag_check(const char *tag, char **cause);

#endif
