/* Every job file option in one table: dotted name ("limits.rpm"), type,
 * default, bounds and help. The loader is driven by it, and
 * `psup-worker help job` prints it (the README's job file table is its
 * --markdown form), so the three never disagree. */
#ifndef PSUP_JOBFILE_OPTIONS_H
#define PSUP_JOBFILE_OPTIONS_H

#include <stddef.h>

enum job_opt_type {
	JOB_T_SECTION,           /* a map of the options named "SECTION.key" */
	JOB_T_STRING,            /* any scalar */
	JOB_T_METHOD,            /* HTTP method: letters, upper-cased */
	JOB_T_URL,               /* http:// or https:// (or starting with ${VAR}) */
	JOB_T_HEADERS,           /* map of header name: value */
	JOB_T_DURATION,          /* 500ms, 2s, 5m or milliseconds, within [min, max] */
	JOB_T_POINTER,           /* JSON pointer: "/a/0/b" */
	JOB_T_INT,               /* whole number within [min, max] */
	JOB_T_RATE,              /* number >= 0 (per minute), 0 = unlimited */
	JOB_T_NAME,              /* [A-Za-z0-9._-]{1,64} */
	JOB_T_PROFILE,           /* conservative, default or aggressive */
	JOB_T_LIST,              /* a list of maps of the options named "LIST.key" */
	JOB_T_SCOPE,             /* host (0) or cluster (1), into an int */
	JOB_T_BOOL,              /* true or false, into an int */
	JOB_T_BODY,              /* a string, or a map or list written as YAML: its JSON */
	JOB_T_KEYS,              /* a key or JSON pointer, or a list of them: pointers,
	                          * one a line */
};

struct job_option {
	const char *name;        /* "lease", "limits.rpm" */
	enum job_opt_type type;
	int required;
	const char *def;         /* as a user writes it; "(...)" is computed; NULL unset */
	long long min, max;
	int list;                /* an option of each entry of a list ("endpoints.url") */
	size_t offset;           /* field of struct job_config (of struct job_endpoint
	                          * when list), or (size_t)-1 */
	const char *help;
};

const struct job_option *jobfile_options(size_t *n);
/* The type as the docs name it ("duration", "JSON pointer"). */
const char *jobfile_option_type_name(enum job_opt_type t);

/* What each profile sets (before explicit keys, which win):
 *   conservative: concurrency 4,  rpm 60, max_attempts 6, base_delay 1s,    max_delay 60s
 *   default:      concurrency 16, rpm 0,  max_attempts 4, base_delay 500ms, max_delay 30s
 *   aggressive:   concurrency 64, rpm 0,  max_attempts 3, base_delay 200ms, max_delay 10s
 * tpm is 0 (unlimited) in all three. */
struct job_profile {
	const char *name;
	int concurrency;
	double rpm, tpm;
	int max_attempts;
	long long base_delay_ms, max_delay_ms;
};
const struct job_profile *jobfile_profile(const char *name);
/* Every profile, in the order the docs list them. */
const struct job_profile *jobfile_profiles(size_t *n);

#endif
