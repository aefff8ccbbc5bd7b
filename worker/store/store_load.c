/* store_load: reads a JSONL file line by line, checks every line (a JSON
 * object with a usable id, no id twice in the file) and hands the items to
 * the backend inside one transaction, so a bad line loads nothing. */
#include "store_backend.h"
#include "store_scan.h"
#include "hash.h"
#include "utf8.h"
#include "xalloc.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Ids seen in this file, with the line each was first on: open addressing,
 * kept at most half full. Each slot keeps its id's hash, so a probe
 * compares strings only when the hashes agree (a million ids do not fit a
 * cache: each string compared is a miss); the strings sit in large blocks,
 * not one allocation each. */
struct idset {
	struct idslot { char *id; uint64_t hash; long long line; } *slot;
	size_t cap, n;
	struct idblock { struct idblock *next; size_t used, cap; char text[]; } *block;
};

static uint64_t hash_str(const char *s)
{
	return hash_fnv1a(HASH_FNV1A_INIT, s, strlen(s));
}

static struct idslot *idset_find(struct idset *set, const char *id, uint64_t h)
{
	size_t i = (size_t)h & (set->cap - 1);
	while (set->slot[i].id && (set->slot[i].hash != h || strcmp(set->slot[i].id, id) != 0))
		i = (i + 1) & (set->cap - 1);
	return &set->slot[i];
}

static void idset_grow(struct idset *set)
{
	size_t cap = set->cap ? set->cap * 2 : 1024;
	struct idslot *slot = xcalloc(cap, sizeof *slot);
	for (size_t i = 0; i < set->cap; i++) {
		struct idslot *s = &set->slot[i];
		if (!s->id)
			continue;
		size_t j = (size_t)s->hash & (cap - 1);
		while (slot[j].id)
			j = (j + 1) & (cap - 1);
		slot[j] = *s;
	}
	free(set->slot);
	set->slot = slot;
	set->cap = cap;
}

/* A copy of id in the set's blocks. */
static char *idset_keep(struct idset *set, const char *id)
{
	size_t len = strlen(id) + 1;
	struct idblock *b = set->block;
	if (!b || b->cap - b->used < len) {
		size_t cap = len > 1 << 20 ? len : 1 << 20;
		b = xmalloc(sizeof *b + cap);
		b->next = set->block;
		b->used = 0;
		b->cap = cap;
		set->block = b;
	}
	char *p = memcpy(b->text + b->used, id, len);
	b->used += len;
	return p;
}

/* Returns 0 and records id, or the line it was first seen on. */
static long long idset_add(struct idset *set, const char *id, long long line)
{
	if (2 * (set->n + 1) > set->cap)
		idset_grow(set);
	uint64_t h = hash_str(id);
	struct idslot *s = idset_find(set, id, h);
	if (s->id)
		return s->line;
	s->id = idset_keep(set, id);
	s->hash = h;
	s->line = line;
	set->n++;
	return 0;
}

static void idset_free(struct idset *set)
{
	while (set->block) {
		struct idblock *next = set->block->next;
		free(set->block);
		set->block = next;
	}
	free(set->slot);
}

/* The id of a line that store_scan_line read, in *scratch (the caller's,
 * grown as needed). */
static char *scanned_id(const struct store_scan *sc, char **scratch, size_t *cap)
{
	size_t need = sc->id_int ? 24 : sc->id_len + 1;
	if (*cap < need) {
		*cap = need > 256 ? need : 256;
		free(*scratch);
		*scratch = xmalloc(*cap);
	}
	if (sc->id_int) {
		snprintf(*scratch, *cap, "%lld", sc->id_value);
	} else {
		memcpy(*scratch, sc->id, sc->id_len);
		(*scratch)[sc->id_len] = '\0';
	}
	return *scratch;
}

/* Checks one trimmed line; on success fills *it, its id in *scratch (see
 * scanned_id) or in *idbuf, which the caller frees. Returns 0, or -1 with
 * *why set (malloc'd). */
static int parse_line(const char *line, size_t len, const char *id_field,
    const char *priority_field, struct store_load_item *it, char **idbuf, char **scratch,
    size_t *scratch_cap, char **why)
{
	const char *end = NULL;
	struct store_scan sc;
	*idbuf = NULL;
	if (memchr(line, '\0', len))
		return fail(why, "line holds a NUL byte");
	long bad = utf8_invalid_at(line, len);
	if (bad >= 0)
		return fail(why, "not valid UTF-8 (at byte %ld)", bad + 1);
	if (store_scan_line(line, len, id_field, priority_field, &sc)) {
		it->id = scanned_id(&sc, scratch, scratch_cap);
		it->id_int = sc.id_int;
		it->priority = sc.priority;
		it->json = line;
		return 0;
	}
	cJSON *j = cJSON_ParseWithLengthOpts(line, len, &end, 0);
	if (!j) {
		long col = end ? (long)(end - line) + 1 : 1;
		return fail(why, "not valid JSON (at column %ld)", col);
	}
	int rc = -1;
	if ((size_t)(end - line) != len) {
		fail(why, "text after the JSON value (at column %ld)", (long)(end - line) + 1);
		goto out;
	}
	if (!cJSON_IsObject(j)) {
		fail(why, "not a JSON object");
		goto out;
	}
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(j, id_field);
	long long num;
	if (!id) {
		fail(why, "no \"%s\" field (the item id)", id_field);
		goto out;
	} else if (cJSON_IsString(id)) {
		if (!id->valuestring[0]) {
			fail(why, "\"%s\" is empty", id_field);
			goto out;
		}
		*idbuf = xstrdup(id->valuestring);
		it->id_int = 0;
	} else if (store_json_integer(id, &num)) {
		*idbuf = xasprintf("%lld", num);
		it->id_int = 1;
	} else {
		fail(why, "\"%s\" must be a string or an integer", id_field);
		goto out;
	}
	it->priority = 0;
	if (priority_field) {
		const cJSON *p = cJSON_GetObjectItemCaseSensitive(j, priority_field);
		if (p && !cJSON_IsNull(p) && !store_json_integer(p, &it->priority)) {
			fail(why, "priority \"%s\" must be an integer", priority_field);
			goto out;
		}
	}
	it->id = *idbuf;
	it->json = line;
	rc = 0;
out:
	if (rc < 0) {
		free(*idbuf);
		*idbuf = NULL;
	}
	cJSON_Delete(j);
	return rc;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int store_load(struct store *s, const char *path, const char *id_field,
    const char *priority_field, long long *added, long long *skipped, char **cause)
{
	return store_load_tagged(s, path, id_field, priority_field, NULL, added, skipped, cause);
}

int store_load_tagged(struct store *s, const char *path, const char *id_field,
    const char *priority_field, const char *tag, long long *added, long long *skipped,
    char **cause)
{
	const char *name = strcmp(path, "-") == 0 ? "<stdin>" : path;
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "re");
	long long n_added = 0, n_items = 0;
	if (added)
		*added = 0;
	if (skipped)
		*skipped = 0;
	if (!id_field || !*id_field)
		id_field = "id";
	if (!f) {
		fail(cause, "cannot open %s: %s", path, strerror(errno));
		errno = EINVAL;
		return -1;
	}
	if (s->ops->load_begin(s, id_field, cause) < 0) {
		int e = errno == EINVAL ? EINVAL : EIO;  /* load_begin's own contract */
		if (f != stdin)
			fclose(f);
		errno = e;
		return -1;
	}

	struct idset ids = { 0 };
	char *buf = NULL, *scratch = NULL;
	size_t cap = 0, scratch_cap = 0;
	ssize_t got;
	long long lineno = 0;
	int rc = 0, bad_input = 0;
	errno = 0;
	while ((got = getline(&buf, &cap, f)) >= 0) {
		lineno++;
		const char *p = buf;
		size_t len = (size_t)got;
		/* Editors on some systems start a file with a byte order mark. */
		if (lineno == 1 && len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0) {
			p += 3;
			len -= 3;
		}
		while (len > 0 && is_space(p[len - 1]))
			len--;
		while (len > 0 && is_space(*p)) {
			p++;
			len--;
		}
		if (len == 0)
			continue;       /* blank lines carry no item */
		/* The trimmed line is kept as the item's JSON: end it there. */
		((char *)p)[len] = '\0';
		struct store_load_item it = { .line = lineno, .tag = tag };
		char *id = NULL, *why = NULL;
		if (parse_line(p, len, id_field, priority_field, &it, &id, &scratch, &scratch_cap,
		    &why) < 0) {
			rc = fail(cause, "%s:%lld: %s", name, lineno, why);
			free(why);
			bad_input = 1;
			break;
		}
		long long first = idset_add(&ids, it.id, lineno);
		if (first) {
			char *quoted = store_json_quote(it.id);
			rc = fail(cause, "%s:%lld: duplicate id %s (first on line %lld)", name,
			    lineno, quoted, first);
			free(quoted);
			free(id);
			bad_input = 1;
			break;
		}
		rc = s->ops->load_add(s, &it, cause);
		free(id);
		if (rc < 0)
			break;
		n_items++;
	}
	if (rc == 0 && ferror(f)) {
		rc = fail(cause, "cannot read %s: %s", name, strerror(errno));
		bad_input = 1;          /* the user's file, e.g. a directory */
	}
	free(buf);
	free(scratch);
	idset_free(&ids);
	if (f != stdin)
		fclose(f);
	if (rc < 0) {
		s->ops->load_end(s, 0, NULL, NULL);
		errno = bad_input ? EINVAL : EIO;
		return -1;
	}
	if (s->ops->load_end(s, 1, &n_added, cause) < 0) {
		errno = EIO;
		return -1;
	}
	if (added)
		*added = n_added;
	if (skipped)
		*skipped = n_items - n_added;
	return 0;
}
