/* The job file (YAML): how to turn an item into an HTTP request, how to read
 * the response, and the limits. Loaded with file:line:col errors. */
#ifndef PSUP_JOBFILE_H
#define PSUP_JOBFILE_H

struct job_header {
	char *name;
	char *value;             /* may hold ${VAR}, expanded at run time */
};

/* One API endpoint (a key, a region, a provider): how an item becomes its
 * request, how its answer is read, and its own limits. */
struct job_endpoint {
	char *name;              /* NULL for the implicit endpoint of request: */
	char *method, *url;
	struct job_header *headers;
	int n_headers;
	char *body;
	long long timeout_ms;
	char *extract, *usage, *input_usage, *output_usage;
	int json_result;         /* its results must be JSON (response.json) */
	char *require;           /* response.require: pointers, one a line, or NULL */
	int concurrency;         /* requests in flight to it, per worker */
	double rpm, tpm, itpm, otpm;
	char *shared;            /* its shared limit's name, NULL: per job+endpoint */
	int weight;              /* share of the traffic among equals, default 1 */
	int priority;            /* 1 first; a higher number only when those before
	                          * are saturated or down */
	double price_input, price_output; /* per 1M tokens, 0 = free or unknown */
};

/* At most this many endpoints in a job. */
#define JOB_ENDPOINTS_MAX 32

struct job_config {
	char *path;              /* absolute path of the job file */
	/* Where items go: the endpoints: list, or the one of request: (the
	 * fields below, copied); always at least one once loaded. */
	struct job_endpoint *endpoints;
	int n_endpoints;
	int fallback_after;      /* transient failures of an item on one endpoint
	                          * before it moves on; default 2 */
	long long cooldown_ms;   /* how long an open circuit breaker waits */
	double max_cost;         /* budget: spend (in the prices' unit), 0 = none */
	double max_tokens;       /* budget: tokens, 0 = none */
	/* request */
	char *method;            /* default "POST" */
	char *url;               /* may hold ${VAR} */
	struct job_header *headers;
	int n_headers;
	char *body;              /* template with {{item.field}} / {{item}}; NULL = no body */
	long long timeout_ms;    /* default 30s */
	/* response */
	char *extract;           /* JSON pointer or NULL */
	char *usage;             /* JSON pointer to a token count or NULL */
	char *input_usage;       /* JSON pointer to the input tokens or NULL */
	char *output_usage;      /* JSON pointer to the output tokens or NULL */
	int json_result;         /* the result must be JSON (a model's, in a string) */
	char *require;           /* JSON pointers, one a line, the result must hold
	                          * (response.require; implies json_result), or NULL */
	/* limits */
	int concurrency;         /* default 16 */
	double rpm;              /* 0 = unlimited */
	double tpm;              /* 0 = unlimited */
	double itpm;             /* input tokens per minute, 0 = unlimited */
	double otpm;             /* output tokens per minute, 0 = unlimited */
	char *shared;            /* shared limiter name or NULL */
	int scope_cluster;       /* the request limit is every host's of the job */
	/* retry */
	int max_attempts;        /* default 4 */
	long long base_delay_ms; /* default 500ms */
	long long max_delay_ms;  /* default 30s */
	/* queue */
	long long lease_ms;      /* default 5m */
	int batch;               /* items claimed at once; default 2 * concurrency */
};

/* Loads path into *jc. Returns 0, or -1 with every error found in *errors
 * ("FILE:LINE:COL: key: what", malloc'd array of malloc'd strings, *n_errors
 * of them; free with jobfile_errors_free). Always jobfile_free(jc). */
int jobfile_load(const char *path, struct job_config *jc, char ***errors, int *n_errors);
int jobfile_load_buffer(const char *name, const char *buf, unsigned long len,
    struct job_config *jc, char ***errors, int *n_errors);
void jobfile_free(struct job_config *jc);
void jobfile_errors_free(char **errors, int n);

#endif
