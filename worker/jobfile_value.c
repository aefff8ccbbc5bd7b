/* The job file loader's values (see jobfile_load.h): each option's type
 * checked and stored into a job_config or a job_endpoint. */
#include "jobfile_load.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "template.h"
#include "xalloc.h"
#include "yaml_json.h"
#include "yaml_tree.h"

#define NOF ((size_t)-1)

static int is_name(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 64)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		    *s == '.' || *s == '_' || *s == '-'))
			return 0;
	return 1;
}

static int has_ctl(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

/* RFC 9110 token characters: what a header name may hold. */
static int is_token(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		    strchr("!#$%&'*+-.^_`|~", *s)))
			return 0;
	return 1;
}

static int check_pointer(const char *p, const char **why)
{
	if (p[0] != '/') {
		*why = "must start with '/' (e.g. /choices/0/message/content)";
		return -1;
	}
	for (; *p; p++)
		if (*p == '~' && p[1] != '0' && p[1] != '1') {
			*why = "'~' must be followed by 0 or 1 (~0 is '~', ~1 is '/')";
			return -1;
		}
	return 0;
}

/* Sets *hp and *np (a job_config's or a job_endpoint's headers). */
static int set_headers(struct jload *J, const struct job_option *o, const struct ynode *n,
    struct job_header **hp, int *np)
{
	char **k, **v;
	int count, bad = 0;
	if (yget_strmap(&J->cx, n, o->name, &k, &v, &count) < 0)
		return -1;
	for (int i = 0; i < count; i++) {
		const struct ynode *kn = YMAP_KEY(n, (size_t)i), *vn = YMAP_VAL(n, (size_t)i);
		if (!is_token(k[i])) {
			ycx_error(&J->cx, kn, o->name, "'%s' is not a header name", k[i]);
			bad = 1;
		} else if (has_ctl(v[i])) {
			ycx_error(&J->cx, vn, o->name, "the value of %s holds a control character "
			    "(a newline would split the header)", k[i]);
			bad = 1;
		}
		for (int j = 0; j < i; j++)
			if (strcasecmp(k[i], k[j]) == 0) {
				ycx_error(&J->cx, kn, o->name, "header %s given twice (names ignore case)",
				    k[i]);
				bad = 1;
				break;
			}
	}
	if (!bad && count) {
		*hp = xcalloc((size_t)count, sizeof **hp);
		for (int i = 0; i < count; i++) {
			(*hp)[i].name = k[i];
			(*hp)[i].value = v[i];
			k[i] = v[i] = NULL;
		}
		*np = count;
	}
	for (int i = 0; i < count; i++) {
		free(k[i]);
		free(v[i]);
	}
	free(k);
	free(v);
	return bad ? -1 : 0;
}

static void set_string(char **field, char *s)
{
	free(*field);
	*field = s;
}

/* A key or JSON pointer, or a list of them, as pointers one a line: a key
 * ("senses") is the pointer to it ("/senses", with ~ and / escaped). */
static void set_keys(struct jload *J, const struct job_option *o, const struct ynode *n,
    char **field)
{
	const struct ynode *const *items = n->kind == YNODE_SEQ ? (const struct ynode *const *)n->items
	    : &n;
	size_t count = n->kind == YNODE_SEQ ? n->n : 1;
	struct buf b = { 0 };
	int bad = 0;
	for (size_t i = 0; i < count; i++) {
		char *s = NULL;
		const char *why = NULL;
		if (yget_str(&J->cx, items[i], o->name, &s) < 0) {
			bad = 1;
			continue;
		}
		if (!*s || strchr(s, '\n')) {
			ycx_error(&J->cx, items[i], o->name, "'%s' is not a key or a JSON pointer", s);
			bad = 1;
		} else if (*s == '/' && check_pointer(s, &why) < 0) {
			ycx_error(&J->cx, items[i], o->name, "'%s' is not a JSON pointer: %s", s, why);
			bad = 1;
		} else {
			if (b.len)
				buf_addc(&b, '\n');
			if (*s != '/') {
				buf_addc(&b, '/');
				for (const char *p = s; *p; p++)
					if (*p == '~' || *p == '/')
						buf_puts(&b, *p == '~' ? "~0" : "~1");
					else
						buf_addc(&b, *p);
			} else {
				buf_puts(&b, s);
			}
		}
		free(s);
	}
	if (bad || !b.len) {
		if (!bad)
			ycx_error(&J->cx, n, o->name, "expected a key, a JSON pointer or a list of them");
		buf_free(&b);
		return;
	}
	set_string(field, buf_take(&b, NULL));
}

void jobfile_value_set(struct jload *J, const struct job_option *o, const struct ynode *n,
    void *into)
{
	char *base = (char *)into + (o->offset == NOF ? 0 : o->offset);
	char *s = NULL;
	long long v;
	double d;
	const char *why;
	switch (o->type) {
	case JOB_T_SECTION:
	case JOB_T_PROFILE:
	case JOB_T_LIST:
		break;
	case JOB_T_STRING:
		if (yget_str(&J->cx, n, o->name, &s) == 0)
			set_string((char **)base, s);
		break;
	case JOB_T_KEYS:
		set_keys(J, o, n, (char **)base);
		break;
	case JOB_T_BODY:
		if (n->kind == YNODE_SCALAR) {
			if (yget_str(&J->cx, n, o->name, &s) == 0)
				set_string((char **)base, s);
		} else {
			/* written as YAML: sent as JSON, a placeholder alone in a
			 * scalar taking the value itself (a number stays one) */
			struct buf b = { 0 };
			ynode_json(&b, n, template_is_placeholder);
			set_string((char **)base, buf_take(&b, NULL));
		}
		break;
	case JOB_T_METHOD:
		if (yget_str(&J->cx, n, o->name, &s) < 0)
			break;
		for (char *p = s; *p; p++) {
			if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')) || p - s >= 16) {
				ycx_error(&J->cx, n, o->name, "'%s' is not an HTTP method (e.g. POST)", s);
				free(s);
				return;
			}
			if (*p >= 'a' && *p <= 'z')
				*p = (char)(*p - 'a' + 'A');
		}
		if (!*s) {
			ycx_error(&J->cx, n, o->name, "is empty");
			free(s);
			return;
		}
		set_string((char **)base, s);
		break;
	case JOB_T_URL:
		if (yget_str(&J->cx, n, o->name, &s) < 0)
			break;
		if (strncmp(s, "${", 2) != 0 && strncasecmp(s, "http://", 7) != 0 &&
		    strncasecmp(s, "https://", 8) != 0) {
			ycx_error(&J->cx, n, o->name, "'%s' is not an http:// or https:// URL", s);
			free(s);
		} else if (strpbrk(s, " \t") || has_ctl(s)) {
			ycx_error(&J->cx, n, o->name, "holds a space or a control character "
			    "(encode it: %%20)");
			free(s);
		} else {
			set_string((char **)base, s);
		}
		break;
	case JOB_T_HEADERS:
		if (o->list) {
			struct job_endpoint *ep = into;
			set_headers(J, o, n, &ep->headers, &ep->n_headers);
		} else {
			set_headers(J, o, n, &J->jc->headers, &J->jc->n_headers);
		}
		break;
	case JOB_T_DURATION:
		yget_duration(&J->cx, n, o->name, o->min, o->max, (long long *)base);
		break;
	case JOB_T_POINTER:
		if (yget_str(&J->cx, n, o->name, &s) < 0)
			break;
		if (check_pointer(s, &why) < 0) {
			ycx_error(&J->cx, n, o->name, "'%s' is not a JSON pointer: %s", s, why);
			free(s);
		} else {
			set_string((char **)base, s);
		}
		break;
	case JOB_T_INT:
		if (yget_int(&J->cx, n, o->name, o->min, o->max, &v) == 0)
			*(int *)base = (int)v;
		break;
	case JOB_T_RATE:
		if (yget_double(&J->cx, n, o->name, (double)o->min, (double)o->max, &d) == 0)
			*(double *)base = d;
		break;
	case JOB_T_BOOL: {
		int b;
		if (yget_bool(&J->cx, n, o->name, &b) == 0)
			*(int *)base = b;
		break;
	}
	case JOB_T_SCOPE: {
		static const char *const scopes[] = { "host", "cluster" };
		int idx;
		if (yget_enum(&J->cx, n, o->name, scopes, 2, &idx) == 0)
			*(int *)base = idx;
		break;
	}
	case JOB_T_NAME:
		if (yget_str(&J->cx, n, o->name, &s) < 0)
			break;
		if (!is_name(s)) {
			ycx_error(&J->cx, n, o->name, "'%s' is not a name (1 to 64 letters, digits, "
			    "'.', '_' or '-')", s);
			free(s);
		} else {
			set_string((char **)base, s);
		}
		break;
	}
}


void jobfile_value_free(void *base, int list, struct job_header *headers, int n_headers)
{
	size_t n;
	const struct job_option *t = jobfile_options(&n);
	for (size_t i = 0; i < n; i++)
		if (t[i].list == list && jobfile_is_string_field(&t[i]))
			free(*(char **)((char *)base + t[i].offset));
	for (int i = 0; i < n_headers; i++) {
		free(headers[i].name);
		free(headers[i].value);
	}
	free(headers);
}
