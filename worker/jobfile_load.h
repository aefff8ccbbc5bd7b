/* Inside the job file loader: what jobfile.c (the options table, values,
 * keys) shares with jobfile_endpoints.c (the endpoints: list). Nothing
 * else includes it. */
#ifndef PSUP_JOBFILE_LOAD_H
#define PSUP_JOBFILE_LOAD_H

#include "jobfile.h"
#include "jobfile_options.h"
#include "yaml_get.h"

/* Options the table may hold. */
#define JOBFILE_OPTS_MAX 80

/* What one map (the file, or one entry of a list) gave, by option index:
 * the value, the key, and the value of a section that is not a map. */
struct jscan {
	const struct ynode *given[JOBFILE_OPTS_MAX];
	const struct ynode *key[JOBFILE_OPTS_MAX];
	const struct ynode *raw[JOBFILE_OPTS_MAX];
};

struct jload {
	struct ycx cx;
	struct job_config *jc;
	struct jscan top;
};

/* The index of option name in the table, or -1. */
int jobfile_find(const char *name);
/* Records in *S what map gives, reporting unknown keys. section is the
 * dotted path of map ("limits", "endpoints.limits") or NULL for the file;
 * root is where sections may start (NULL: the file, "endpoints": each
 * entry). */
void jobfile_scan(struct jload *J, struct jscan *S, const struct ynode *map,
    const char *section, const char *root);
/* Sets option o from n into base (the job_config, or a job_endpoint when
 * o->list); a bad value is reported and leaves the field as it was. */
void jobfile_value_set(struct jload *J, const struct job_option *o, const struct ynode *n,
    void *base);
/* Frees the string fields of base (a job_config, or a job_endpoint when
 * list) and its headers. */
void jobfile_value_free(void *base, int list, struct job_header *headers, int n_headers);
/* Reports a required option missing from what S holds. at is the map the
 * options belong to; list 1 checks the list entries' options. */
void jobfile_check_required(struct jload *J, const struct jscan *S, const struct ynode *at,
    int list);

/* jobfile_endpoints.c: loads the endpoints: list (seq) into J->jc, each
 * entry starting from the file's request defaults, response: and limits:. */
void jobfile_endpoints_load(struct jload *J, const struct ynode *seq);
/* The one endpoint of a file with request: (none with errors). */
void jobfile_endpoints_implicit(struct job_config *jc);
void jobfile_endpoints_free(struct job_config *jc);
/* 1 if option o's field is a malloc'd string. */
int jobfile_is_string_field(const struct job_option *o);

#endif
