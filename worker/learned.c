/* The per-job report of learned limits (see learned.h). */
#include "learned.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomicfile.h"
#include "jobreport.h"
#include "xalloc.h"

void learned_limit_name(const char *job_key, char out[40])
{
	snprintf(out, 40, "job-%.32s", jobreport_hash(job_key));
}

/* $dir/job-HASH.json for "job:HASH"; NULL with *cause. */
static char *report_path(const char *job_key, char **cause)
{
	return jobreport_path(job_key, ".json", cause);
}

#define FIELD(name) { #name, offsetof(struct learned, name) }
static const struct { const char *key; size_t off; } fields[] = {
	FIELD(rpm), FIELD(user_rpm), FIELD(api_rpm), FIELD(tpm), FIELD(api_tpm),
};
#define N_FIELDS (sizeof fields / sizeof fields[0])

int learned_write(const char *job_key, const struct learned *l, char **cause)
{
	char *path = report_path(job_key, cause);
	if (!path)
		return -1;
	cJSON *o = cJSON_CreateObject();
	for (size_t i = 0; i < N_FIELDS; i++)
		cJSON_AddNumberToObject(o, fields[i].key, *(const double *)((const char *)l + fields[i].off));
	cJSON_AddNumberToObject(o, "at_ms", (double)l->at_ms);
	int rc = jobreport_write_json(path, o, cause);
	free(path);
	return rc;
}

int learned_read(const char *job_key, struct learned *l, char **cause)
{
	char *path = report_path(job_key, cause);
	if (!path)
		return -1;
	char *buf = NULL;
	size_t len;
	int rc = atomicfile_read(path, 4096, &buf, &len, cause);
	if (rc < 0) {
		rc = errno == ENOENT ? 0 : -1;
		if (rc == 0) {
			free(*cause);
			*cause = NULL;
		}
		free(path);
		return rc;
	}
	cJSON *o = cJSON_ParseWithLength(buf, len);
	memset(l, 0, sizeof *l);
	for (size_t i = 0; o && i < N_FIELDS; i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, fields[i].key);
		if (cJSON_IsNumber(v))
			*(double *)((char *)l + fields[i].off) = v->valuedouble;
	}
	const cJSON *at = cJSON_GetObjectItemCaseSensitive(o, "at_ms");
	l->at_ms = cJSON_IsNumber(at) ? (long long)at->valuedouble : 0;
	if (!o)
		*cause = xasprintf("%s: not a JSON object", path);
	rc = o ? 1 : -1;
	cJSON_Delete(o);
	free(buf);
	free(path);
	return rc;
}
