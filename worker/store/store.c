/* The job store's front: picks a backend from the URL and dispatches to it;
 * holds what both backends share (error classes; export is store_export.c). */
#include "store_backend.h"
#include "xalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Returns 1 for a PostgreSQL URL, 0 for SQLite with *path set (borrowed
 * from url), -1 for a URL naming no backend psup has. */
static int parse_url(const char *url, const char **path, char **cause)
{
	if (!url || !*url)
		return fail(cause, "empty job store name");
	if (strncmp(url, "postgresql://", 13) == 0 || strncmp(url, "postgres://", 11) == 0)
		return 1;
	if (strncmp(url, "sqlite:", 7) == 0) {
		url += 7;
		if (strncmp(url, "//", 2) == 0)
			url += 2;
		if (!*url)
			return fail(cause, "sqlite: store URL names no file");
	} else {
		const char *colon = strstr(url, "://");
		if (colon) {
			return fail(cause, "unknown job store scheme '%.*s' (use sqlite:PATH, "
			    "a plain path, or postgresql://...)", (int)(colon - url), url);
		}
	}
	*path = url;
	return 0;
}

static int open_url(const char *url, int create, struct store **out, char **cause)
{
	const char *path = NULL;
	int kind = parse_url(url, &path, cause);
	int rc;
	if (kind < 0)
		return -1;
	if (kind == 1)
		rc = store_pg_open(url, create, out, cause);
	else
		rc = store_sqlite_open(path, create, out, cause);
	if (rc == 0)
		(*out)->url = xstrdup(url);
	return rc;
}

int store_open(const char *url, struct store **out, char **cause)
{
	return open_url(url, 1, out, cause);
}

int store_open_existing(const char *url, struct store **out, char **cause)
{
	return open_url(url, 0, out, cause);
}

void store_filter_free(struct store_filter *f)
{
	for (int i = 0; i < f->n; i++) {
		free(f->cond[i].field);
		free(f->cond[i].value);
	}
	free(f->cond);
	f->cond = NULL;
	f->n = 0;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	char *url = s->url;
	struct store_filter where = s->where;
	s->ops->close(s);
	free(url);
	store_filter_free(&where);
}

void store_where(struct store *s, const struct store_filter *f)
{
	store_filter_free(&s->where);
	s->where_gen++;
	if (!f || f->n <= 0)
		return;
	s->where.cond = xcalloc((size_t)f->n, sizeof *s->where.cond);
	for (int i = 0; i < f->n; i++) {
		const struct store_cond *c = &f->cond[i];
		s->where.cond[i].field = c->field ? xstrdup(c->field) : NULL;
		s->where.cond[i].value = xstrdup(c->value);
	}
	s->where.n = f->n;
}

char *store_where_sql(const char *sql, const char *cond)
{
	size_t n = 0, cl = strlen(cond);
	for (const char *p = sql; (p = strstr(p, "{W}")); p += 3)
		n++;
	char *out = xmalloc(strlen(sql) + n * cl + 1), *o = out;
	for (const char *p = sql, *m; ; p = m + 3) {
		m = strstr(p, "{W}");
		size_t len = m ? (size_t)(m - p) : strlen(p);
		memcpy(o, p, len);
		o += len;
		if (!m)
			break;
		memcpy(o, cond, cl);
		o += cl;
	}
	*o = '\0';
	return out;
}

int store_peek(struct store *s, int max, struct store_item **items, int *n, char **cause)
{
	*items = NULL;
	*n = 0;
	return max > 0 ? s->ops->peek(s, max, items, n, cause) : 0;
}

const char *store_name(const struct store *s)
{
	return s->name;
}

int store_remote(const struct store *s)
{
	return s->remote;
}

int store_lost(struct store *s)
{
	return s->ops->lost(s);
}

int store_bound(struct store *s, long long ms, char **cause)
{
	return s->ops->bound(s, ms, cause);
}

int store_claim(struct store *s, const char *owner, int max, long long lease_ms,
    struct store_item **items, int *n, char **cause)
{
	*items = NULL;
	*n = 0;
	if (max <= 0)
		return 0;
	if (lease_ms <= 0)
		return fail(cause, "claim: lease must be positive");
	return s->ops->claim(s, owner, max, lease_ms, items, n, cause);
}

void store_items_free(struct store_item *items, int n)
{
	for (int i = 0; i < n; i++) {
		free(items[i].id);
		free(items[i].json);
	}
	free(items);
}

int store_renew(struct store *s, const char *owner, long long lease_ms, char **cause)
{
	return s->ops->renew(s, owner, lease_ms, cause);
}

int store_finish(struct store *s, const char *owner, const struct store_result *r,
    int n, int *stale, char **cause)
{
	int st = 0;
	int rc = n > 0 ? s->ops->finish(s, owner, r, n, &st, cause) : 0;
	if (stale)
		*stale = st;
	return rc;
}

int store_release(struct store *s, const char *owner, const char *const *ids,
    const int *attempts, int n, char **cause)
{
	if (ids && n <= 0)
		return 0;
	return s->ops->release(s, owner, ids, ids ? attempts : NULL, n, cause);
}

int store_owners(struct store *s, const char *prefix, char ***owners, int *n, char **cause)
{
	*owners = NULL;
	*n = 0;
	return s->ops->owners(s, prefix, owners, n, cause);
}

void store_owners_free(char **owners, int n)
{
	for (int i = 0; i < n; i++)
		free(owners[i]);
	free(owners);
}

int store_spend(struct store *s, store_spend_cb cb, void *arg, char **cause)
{
	return s->ops->spend(s, cb, arg, cause);
}

int store_counts(struct store *s, struct store_counts *c, char **cause)
{
	memset(c, 0, sizeof *c);
	return s->ops->counts(s, c, cause);
}

int store_retry(struct store *s, const char *const *ids, int n, long long *moved,
    char **cause)
{
	long long m = 0;
	int rc = (ids && n <= 0) ? 0 : s->ops->retry(s, ids, n, &m, cause);
	if (moved)
		*moved = m;
	return rc;
}

void store_error_class_of(const char *error, char *buf, size_t n)
{
	const char *p = error ? error : "";
	/* The engine writes "after 4 attempts: HTTP 503: ...": the count says
	 * nothing about the kind. */
	if (strncmp(p, "after ", 6) == 0) {
		const char *q = p + 6;
		while (*q >= '0' && *q <= '9')
			q++;
		if (q > p + 6 && strncmp(q, " attempt", 8) == 0) {
			const char *colon = strstr(q, ": ");
			if (colon)
				p = colon + 2;
		}
	}
	size_t len = strcspn(p, ":\n");
	/* "transfer failed: Connection refused" is one kind, "transfer failed:
	 * Timeout was reached" another; the numbers after them vary. */
	static const char tf[] = "transfer failed";
	if (len == sizeof tf - 1 && strncmp(p, tf, len) == 0 && p[len] == ':') {
		const char *q = p + len + 1;
		while (*q == ' ')
			q++;
		size_t more = strcspn(q, ":\n0123456789");
		while (more > 0 && q[more - 1] == ' ')
			more--;
		if (more > 0)
			len = (size_t)(q - p) + more;
	}
	if (len > STORE_ERROR_CLASS_MAX)
		len = STORE_ERROR_CLASS_MAX;
	if (len >= n)
		len = n - 1;
	/* Never end inside a UTF-8 sequence. */
	while (len > 0 && ((unsigned char)p[len] & 0xc0) == 0x80)
		len--;
	memcpy(buf, p, len);
	buf[len] = '\0';
}

/* Classes found so far, with an index by (status, class) kept half full. */
struct classes {
	struct store_error_class *v;
	int n, cap;
	int *slot;               /* index + 1 into v, 0 = empty */
	size_t n_slot;
};

static size_t class_hash(int status, const char *prefix)
{
	size_t h = (size_t)status * 2654435761u;
	for (; *prefix; prefix++)
		h = (h ^ (unsigned char)*prefix) * 16777619u;
	return h;
}

static void classes_index(struct classes *c)
{
	free(c->slot);
	c->n_slot = c->n_slot ? 2 * c->n_slot : 64;
	c->slot = xcalloc(c->n_slot, sizeof *c->slot);
	for (int i = 0; i < c->n; i++) {
		size_t h = class_hash(c->v[i].http_status, c->v[i].prefix) & (c->n_slot - 1);
		while (c->slot[h])
			h = (h + 1) & (c->n_slot - 1);
		c->slot[h] = i + 1;
	}
}

static int class_cb(int http_status, const char *error, long long count, void *arg)
{
	struct classes *c = arg;
	char prefix[STORE_ERROR_CLASS_MAX + 1];
	store_error_class_of(error, prefix, sizeof prefix);
	if (2 * ((size_t)c->n + 1) > c->n_slot)
		classes_index(c);
	size_t h = class_hash(http_status, prefix) & (c->n_slot - 1);
	while (c->slot[h]) {
		struct store_error_class *e = &c->v[c->slot[h] - 1];
		if (e->http_status == http_status && strcmp(e->prefix, prefix) == 0) {
			e->count += count;
			return 0;
		}
		h = (h + 1) & (c->n_slot - 1);
	}
	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 8;
		c->v = xreallocarray(c->v, (size_t)c->cap, sizeof *c->v);
	}
	c->v[c->n].http_status = http_status;
	c->v[c->n].prefix = xstrdup(prefix);
	c->v[c->n].count = count;
	c->slot[h] = ++c->n;
	return 0;
}

static int class_cmp(const void *a, const void *b)
{
	const struct store_error_class *x = a, *y = b;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	if (x->http_status != y->http_status)
		return x->http_status < y->http_status ? -1 : 1;
	return strcmp(x->prefix, y->prefix);
}

int store_error_classes(struct store *s, struct store_error_class **out, int *n, char **cause)
{
	struct classes c = { 0 };
	*out = NULL;
	*n = 0;
	int rc = s->ops->error_classes(s, class_cb, &c, cause);
	free(c.slot);
	if (rc < 0) {
		store_error_classes_free(c.v, c.n);
		return -1;
	}
	if (c.n > 1)
		qsort(c.v, (size_t)c.n, sizeof *c.v, class_cmp);
	*out = c.v;
	*n = c.n;
	return 0;
}

void store_error_classes_free(struct store_error_class *ec, int n)
{
	for (int i = 0; i < n; i++)
		free(ec[i].prefix);
	free(ec);
}
