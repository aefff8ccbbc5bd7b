/* Per-endpoint counters (see epstats.h). */
#include "epstats.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomicfile.h"
#include "hash.h"
#include "jobreport.h"
#include "sharedlimit.h"
#include "xalloc.h"

void epstats_add(struct epstats *s, long status, int64_t latency_ms, long long tokens)
{
	s->requests++;
	s->tokens += tokens;
	if (status == 0) {
		s->failed++;
		return;
	}
	if (status >= 200 && status < 300)
		s->ok++;
	else if (status == 429)
		s->limited++;
	else if (status >= 500)
		s->server++;
	else
		s->other++;
	latency_add(&s->lat, latency_ms);
}

void epstats_merge(struct epstats *into, const struct epstats *from)
{
	into->requests += from->requests;
	into->ok += from->ok;
	into->limited += from->limited;
	into->server += from->server;
	into->other += from->other;
	into->failed += from->failed;
	into->tokens += from->tokens;
	latency_merge(&into->lat, &from->lat);
	if (from->at_ms >= into->at_ms) {
		into->rpm = from->rpm;
		into->api_rpm = from->api_rpm;
		into->at_ms = from->at_ms;
	}
}

/* ---- files ---- */

#define COUNT(f) { #f, offsetof(struct epstats, f) }
static const struct { const char *key; size_t off; } counts[] = {
	COUNT(requests), COUNT(ok), COUNT(limited), COUNT(server), COUNT(other), COUNT(failed),
	COUNT(tokens), COUNT(at_ms),
};
#define N_COUNTS (sizeof counts / sizeof counts[0])

int epstats_write(const char *job_key, const char *owner, const struct epstats *v, int n,
    char **cause)
{
	/* FNV-1a of the owner: a file name whatever the owner holds. */
	uint64_t h = hash_fnv1a(HASH_FNV1A_INIT, owner, strlen(owner));
	char suffix[40];
	snprintf(suffix, sizeof suffix, ".ep.%016llx.json", (unsigned long long)h);
	char *path = jobreport_path(job_key, suffix, cause);
	if (!path)
		return -1;
	cJSON *a = cJSON_CreateArray();
	for (int i = 0; i < n; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", v[i].name);
		for (size_t k = 0; k < N_COUNTS; k++)
			cJSON_AddNumberToObject(o, counts[k].key,
			    (double)*(const long long *)((const char *)&v[i] + counts[k].off));
		cJSON_AddNumberToObject(o, "rpm", v[i].rpm);
		cJSON_AddNumberToObject(o, "api_rpm", v[i].api_rpm);
		/* The histogram as [bucket, count] pairs of its non-empty
		 * buckets, with its sum and maximum. */
		cJSON *lat = cJSON_AddArrayToObject(o, "lat");
		for (int b = 0; b < LATENCY_BUCKETS; b++) {
			if (!v[i].lat.bucket[b])
				continue;
			cJSON *pair = cJSON_CreateArray();
			cJSON_AddItemToArray(pair, cJSON_CreateNumber(b));
			cJSON_AddItemToArray(pair, cJSON_CreateNumber((double)v[i].lat.bucket[b]));
			cJSON_AddItemToArray(lat, pair);
		}
		cJSON_AddNumberToObject(o, "lat_sum_ms", (double)v[i].lat.sum_ms);
		cJSON_AddNumberToObject(o, "lat_max_ms", (double)v[i].lat.max_ms);
		cJSON_AddItemToArray(a, o);
	}
	int rc = jobreport_write_json(path, a, cause);
	free(path);
	return rc;
}

static void parse_one(const cJSON *o, struct epstats *s)
{
	memset(s, 0, sizeof *s);
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(o, "name");
	if (cJSON_IsString(name))
		snprintf(s->name, sizeof s->name, "%s", name->valuestring);
	for (size_t k = 0; k < N_COUNTS; k++) {
		const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, counts[k].key);
		if (cJSON_IsNumber(x))
			*(long long *)((char *)s + counts[k].off) = (long long)x->valuedouble;
	}
	const cJSON *rpm = cJSON_GetObjectItemCaseSensitive(o, "rpm");
	const cJSON *api = cJSON_GetObjectItemCaseSensitive(o, "api_rpm");
	s->rpm = cJSON_IsNumber(rpm) ? rpm->valuedouble : 0;
	s->api_rpm = cJSON_IsNumber(api) ? api->valuedouble : 0;
	const cJSON *pair;
	cJSON_ArrayForEach(pair, cJSON_GetObjectItemCaseSensitive(o, "lat")) {
		const cJSON *b = cJSON_GetArrayItem(pair, 0), *c = cJSON_GetArrayItem(pair, 1);
		if (!cJSON_IsNumber(b) || !cJSON_IsNumber(c) || b->valuedouble < 0 ||
		    b->valuedouble >= LATENCY_BUCKETS || c->valuedouble < 0)
			continue;
		s->lat.bucket[(int)b->valuedouble] += (uint64_t)c->valuedouble;
		s->lat.n += (uint64_t)c->valuedouble;
	}
	const cJSON *sum = cJSON_GetObjectItemCaseSensitive(o, "lat_sum_ms");
	const cJSON *max = cJSON_GetObjectItemCaseSensitive(o, "lat_max_ms");
	s->lat.sum_ms = cJSON_IsNumber(sum) ? (int64_t)sum->valuedouble : 0;
	s->lat.max_ms = cJSON_IsNumber(max) ? (int64_t)max->valuedouble : 0;
}

/* Merges the stats in the file text into *v (by name, kept in name order). */
static void merge_file(const char *text, size_t len, struct epstats **v, int *n)
{
	cJSON *a = cJSON_ParseWithLength(text, len);
	const cJSON *o;
	cJSON_ArrayForEach(o, a) {
		struct epstats s;
		parse_one(o, &s);
		int i = 0;
		while (i < *n && strcmp((*v)[i].name, s.name) < 0)
			i++;
		if (i < *n && strcmp((*v)[i].name, s.name) == 0) {
			epstats_merge(&(*v)[i], &s);
			continue;
		}
		*v = xreallocarray(*v, (size_t)*n + 1, sizeof **v);
		memmove(&(*v)[i + 1], &(*v)[i], (size_t)(*n - i) * sizeof **v);
		(*v)[i] = s;
		(*n)++;
	}
	cJSON_Delete(a);
}

int epstats_read(const char *job_key, struct epstats **v, int *n, char **cause)
{
	*v = NULL;
	*n = 0;
	char *dir = sharedlimit_dir(cause);
	if (!dir)
		return -1;
	char *prefix = xasprintf("job-%s.ep.", jobreport_hash(job_key));
	DIR *d = opendir(dir);
	if (!d) {
		*cause = xasprintf("cannot open %s: %s", dir, strerror(errno));
		free(prefix);
		free(dir);
		return -1;
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		size_t nl = strlen(de->d_name);
		if (strncmp(de->d_name, prefix, strlen(prefix)) != 0 || nl < 5 ||
		    strcmp(de->d_name + nl - 5, ".json") != 0)
			continue;
		char *path = xasprintf("%s/%s", dir, de->d_name), *buf = NULL, *why = NULL;
		size_t len;
		/* A file that went away or is cut is one worker's view lost. */
		if (atomicfile_read(path, 1 << 20, &buf, &len, &why) == 0)
			merge_file(buf, len, v, n);
		free(why);
		free(buf);
		free(path);
	}
	closedir(d);
	free(prefix);
	free(dir);
	return 0;
}
