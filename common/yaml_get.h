/* Typed reads of ynode values for config loaders. Each getter either stores
 * the value and returns 0, or adds one precise "FILE:LINE:COL: key: ..."
 * error to cx->errs (at the value's position) and returns -1, leaving *out
 * untouched. key is the option's name as messages should show it. */
#ifndef PSUP_YAML_GET_H
#define PSUP_YAML_GET_H

#include "yaml_errors.h"
#include "yaml_text.h"
#include "yaml_tree.h"

struct ycx {
	const char *file;        /* name shown in messages */
	struct yerrs errs;
	struct yerrs warns;
};

void ycx_error(struct ycx *cx, const struct ynode *at, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void ycx_warn(struct ycx *cx, const struct ynode *at, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void ycx_free(struct ycx *cx);

/* Fills *node as a plain scalar holding text, and returns node: a default
 * written as text in an option table is then read by the same getters as a
 * value from the file, so the text is the default. text is borrowed (not
 * copied) and must outlive the node. */
const struct ynode *yget_default_node(struct ynode *node, const char *text);

/* Any scalar (numbers and booleans as written); *out is malloc'd. */
int yget_str(struct ycx *cx, const struct ynode *n, const char *key, char **out);
/* true/false, yes/no, on/off in any case, quoted or not; *out is 0 or 1. */
int yget_bool(struct ycx *cx, const struct ynode *n, const char *key, int *out);
/* A decimal integer within [min, max]. */
int yget_int(struct ycx *cx, const struct ynode *n, const char *key,
    long long min, long long max, long long *out);
/* A finite decimal number within [min, max]. */
int yget_double(struct ycx *cx, const struct ynode *n, const char *key,
    double min, double max, double *out);
/* A duration ("500ms", "2s", "5m", "1h", "1d", or plain ms) within [min, max] ms. */
int yget_duration(struct ycx *cx, const struct ynode *n, const char *key,
    long long min, long long max, long long *ms);
/* A size ("512K", "200M", "1G", or plain bytes) within [min, max]. */
int yget_size(struct ycx *cx, const struct ynode *n, const char *key,
    long long min, long long max, long long *bytes);
/* One of names[0..n) (exact, case-insensitive); *idx is its index. */
int yget_enum(struct ycx *cx, const struct ynode *n, const char *key,
    const char *const *names, int count, int *idx);

enum ysplit { YSPLIT_SPACES, YSPLIT_SHELL };
/* A list of scalars, or one string split on whitespace (YSPLIT_SPACES) or
 * like a shell does with '…', "…" and backslashes (YSPLIT_SHELL). *out is a
 * malloc'd NULL-terminated array of malloc'd strings (free with
 * strv_free), *count its length; null gives an empty array. */
int yget_strlist(struct ycx *cx, const struct ynode *n, const char *key,
    enum ysplit how, char ***out, int *count);
/* A map of scalar values: *keys and *vals are malloc'd arrays of malloc'd
 * strings, *count entries, in file order; a null value reads as "". */
int yget_strmap(struct ycx *cx, const struct ynode *n, const char *key,
    char ***keys, char ***vals, int *count);

#endif
