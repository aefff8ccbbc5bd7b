/* store_load: reads a JSONL file line by line (or a CSV or TSV file record
 * by record, each row made the JSON object of its header's columns),
 * checks every item (a JSON object with a usable id, no id twice in the
 * file) and hands the items to the backend inside one transaction, so a
 * bad line loads nothing. */
#include "store_backend.h"
#include "store_scan.h"
#include "csvin.h"
#include "jsonesc.h"
#include "hash.h"
#include "utf8.h"
#include "xalloc.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

/* 1 with *out when v is a string that holds a whole number (a CSV
 * column's value; empty, as a CSV writes no value: 0), else 0. */
static int int_text(const cJSON *v, long long *out)
{
	if (!cJSON_IsString(v))
		return 0;
	if (!v->valuestring[0]) {
		*out = 0;
		return 1;
	}
	char *end;
	errno = 0;
	long long n = strtoll(v->valuestring, &end, 10);
	if (*end || errno)
		return 0;
	*out = n;
	return 1;
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
		if (p && !cJSON_IsNull(p) && !store_json_integer(p, &it->priority) &&
		    !int_text(p, &it->priority)) {
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

/* Where items come from: JSON lines, or CSV/TSV rows as objects. */
struct source {
	FILE *f;
	enum store_format fmt;
	char *buf;               /* JSONL: the line read */
	size_t cap;
	long long lineno;
	struct csvin cs;         /* CSV, TSV */
	char **cols;             /* the header's column names */
	int ncol;
	long long header_line;
	struct buf json;         /* a row made a JSON object */
};

enum store_format store_format_of(const char *path)
{
	size_t n = strlen(path);
	if (n > 4 && strcasecmp(path + n - 4, ".csv") == 0)
		return STORE_FMT_CSV;
	if (n > 4 && strcasecmp(path + n - 4, ".tsv") == 0)
		return STORE_FMT_TSV;
	return STORE_FMT_JSONL;
}

/* The next non-blank JSON line, trimmed (a byte order mark first dropped):
 * 1 with *p, *len, 0 at the end. */
static int next_line(struct source *src, char **p, size_t *len)
{
	ssize_t got;
	while ((got = getline(&src->buf, &src->cap, src->f)) >= 0) {
		src->lineno++;
		char *q = src->buf;
		size_t n = (size_t)got;
		/* Editors on some systems start a file with a byte order mark. */
		if (src->lineno == 1 && n >= 3 && memcmp(q, "\xef\xbb\xbf", 3) == 0) {
			q += 3;
			n -= 3;
		}
		while (n > 0 && is_space(q[n - 1]))
			n--;
		while (n > 0 && is_space(*q)) {
			q++;
			n--;
		}
		if (n == 0)
			continue;       /* blank lines carry no item */
		/* The trimmed line is kept as the item's JSON: end it there. */
		q[n] = '\0';
		*p = q;
		*len = n;
		return 1;
	}
	return 0;
}

static int column_bad(struct source *src, char **why, int col, const char *what)
{
	*why = xasprintf("column %d (%s): %s", col + 1, col < src->ncol ? src->cols[col] : "?",
	    what);
	errno = EINVAL;
	return -1;
}

/* csvin_next, a fault said on the line where it is (a row's own, checked
 * after, on the line the row begins on). */
static int next_record(struct source *src, char **why)
{
	int r = csvin_next(&src->cs, why);
	if (r < 0)
		src->cs.line = src->cs.at;
	return r;
}

/* The header: names, each non-empty, UTF-8 and once. */
static int read_header(struct source *src, char **why)
{
	int r = next_record(src, why);
	if (r <= 0)
		return r;
	src->ncol = src->cs.n;
	src->header_line = src->cs.line;
	src->cols = xcalloc((size_t)src->ncol, sizeof *src->cols);
	for (int i = 0; i < src->ncol; i++)
		src->cols[i] = xstrdup(csvin_field(&src->cs, i));
	for (int i = 0; i < src->ncol; i++) {
		const char *name = src->cols[i];
		if (!*name)
			return column_bad(src, why, i, "the header names no column here");
		if (utf8_invalid_at(name, strlen(name)) >= 0)
			return column_bad(src, why, i, "not valid UTF-8 (save the file as UTF-8)");
		for (int k = 0; k < i; k++)
			if (strcmp(src->cols[k], name) == 0) {
				char what[64];
				snprintf(what, sizeof what, "the header names it twice (column %d too)",
				    k + 1);
				return column_bad(src, why, i, what);
			}
	}
	return 1;
}

/* The next row as the JSON object of its columns' strings: 1 with *p,
 * *len, 0 at the end, -1 with *why. */
static int next_row(struct source *src, char **p, size_t *len, char **why)
{
	if (!src->cols) {
		int r = read_header(src, why);
		if (r <= 0)
			return r;
	}
	int r = next_record(src, why);
	if (r <= 0)
		return r;
	if (src->cs.n != src->ncol) {
		*why = xasprintf("%d field%s where the header (line %lld) names %d column%s",
		    src->cs.n, src->cs.n == 1 ? "" : "s", src->header_line, src->ncol,
		    src->ncol == 1 ? "" : "s");
		errno = EINVAL;
		return -1;
	}
	struct buf *j = &src->json;
	buf_clear(j);
	buf_addc(j, '{');
	for (int i = 0; i < src->ncol; i++) {
		const char *k = src->cols[i], *v = csvin_field(&src->cs, i);
		size_t kl = strlen(k), vl = strlen(v);
		if (utf8_invalid_at(v, vl) >= 0)
			return column_bad(src, why, i, "not valid UTF-8 (save the file as UTF-8)");
		buf_reserve(j, JSON_ESCAPED_MAX(kl + vl) + 8);
		if (i)
			j->p[j->len++] = ',';
		j->p[j->len++] = '"';
		j->len += json_escape(j->p + j->len, k, kl);
		memcpy(j->p + j->len, "\":\"", 3);
		j->len += 3;
		j->len += json_escape(j->p + j->len, v, vl);
		j->p[j->len++] = '"';
	}
	buf_addc(j, '}');
	*p = j->p;
	*len = j->len;
	return 1;
}

/* The next item's text (*p, *len: NUL-terminated; the caller may keep it
 * until the next call) and the line it begins on: 1, 0 at the end, -1 with
 * *why (a CSV row's fault; errno EINVAL, or a read error's). */
static int source_next(struct source *src, char **p, size_t *len, long long *line, char **why)
{
	if (src->fmt == STORE_FMT_JSONL) {
		int r = next_line(src, p, len);
		*line = src->lineno;
		return r;
	}
	int r = next_row(src, p, len, why);
	*line = src->cs.line;
	return r;
}

static void source_free(struct source *src)
{
	free(src->buf);
	csvin_free(&src->cs);
	for (int i = 0; i < src->ncol; i++)
		free(src->cols[i]);
	free(src->cols);
	buf_free(&src->json);
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
	struct store_load_opts o = { .path = path, .id_field = id_field,
		.priority_field = priority_field, .tag = tag };
	return store_load_with(s, &o, added, skipped, cause);
}

int store_load_with(struct store *s, const struct store_load_opts *o, long long *added,
    long long *skipped, char **cause)
{
	const char *path = o->path, *id_field = o->id_field, *priority_field = o->priority_field;
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

	struct source src = { .f = f, .fmt = o->format != STORE_FMT_AUTO ? o->format :
		store_format_of(path) };
	if (src.fmt != STORE_FMT_JSONL)
		csvin_init(&src.cs, f, src.fmt == STORE_FMT_TSV ? '\t' : ',');
	struct idset ids = { 0 };
	char *scratch = NULL, *p, *why = NULL;
	size_t scratch_cap = 0, len;
	long long lineno;
	int rc = 0, bad_input = 0, got;
	errno = 0;
	while ((got = source_next(&src, &p, &len, &lineno, &why)) > 0) {
		struct store_load_item it = { .line = lineno, .tag = o->tag };
		char *id = NULL;
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
	if (got < 0) {
		rc = fail(cause, "%s:%lld: %s", name, lineno, why);
		free(why);
		bad_input = 1;
	}
	if (rc == 0 && ferror(f)) {
		rc = fail(cause, "cannot read %s: %s", name, strerror(errno));
		bad_input = 1;          /* the user's file, e.g. a directory */
	}
	source_free(&src);
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
