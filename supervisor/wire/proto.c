/* Decoding and encoding of the CLI <-> daemon protocol. Pure. */
#include "proto.h"
#include "strv.h"
#include "xalloc.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- decoding ---- */

int proto_utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < n) {
		unsigned c = p[i];
		if (c == 0)
			return 0;
		if (c < 0x80) {
			i++;
			continue;
		}
		size_t k;
		unsigned cp, min;
		if ((c & 0xe0) == 0xc0) {
			k = 1; cp = c & 0x1f; min = 0x80;
		} else if ((c & 0xf0) == 0xe0) {
			k = 2; cp = c & 0x0f; min = 0x800;
		} else if ((c & 0xf8) == 0xf0) {
			k = 3; cp = c & 0x07; min = 0x10000;
		} else {
			return 0;
		}
		if (n - i <= k)         /* needs k continuation bytes */
			return 0;
		for (size_t j = 1; j <= k; j++) {
			if ((p[i + j] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (p[i + j] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += k + 1;
	}
	return 1;
}

static const struct {
	const char *name;
	enum proto_cmd cmd;
} cmds[] = {
	{ "ping", PROTO_PING },
	{ "start", PROTO_START },
	{ "stop", PROTO_STOP },
	{ "restart", PROTO_RESTART },
	{ "delete", PROTO_DELETE },
	{ "list", PROTO_LIST },
	{ "describe", PROTO_DESCRIBE },
	{ "flush", PROTO_FLUSH },
	{ "signal", PROTO_SIGNAL },
	{ "save", PROTO_SAVE },
	{ "resurrect", PROTO_RESURRECT },
	{ "kill", PROTO_KILL },
	{ "wait", PROTO_WAIT },
	{ "reloadLogs", PROTO_RELOAD_LOGS },
	{ "reset", PROTO_RESET },
	{ "scale", PROTO_SCALE },
};

const char *proto_cmd_name(enum proto_cmd c)
{
	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
		if (cmds[i].cmd == c)
			return cmds[i].name;
	return "?";
}

static int req_error(struct proto_req *req, char **err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int req_error(struct proto_req *req, char **err, const char *fmt, ...)
{
	proto_req_free(req);
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(err, fmt, ap) < 0)
		*err = xstrdup("bad request");
	va_end(ap);
	return PROTO_ERR_REQUEST;
}

/* One selector: a non-empty string, or a non-negative integer id sent as a
 * number. malloc'd, or NULL when t is neither. */
static char *target_word(const cJSON *t)
{
	if (cJSON_IsString(t) && t->valuestring[0])
		return xstrdup(t->valuestring);
	if (cJSON_IsNumber(t) && t->valuedouble >= 0 && t->valuedouble <= 1e9 &&
	    t->valuedouble == floor(t->valuedouble))
		return xasprintf("%lld", (long long)t->valuedouble);
	return NULL;
}

/* A target is one selector or a non-empty list of them. */
static int get_target(const cJSON *o, const char *cmd, int required,
    struct proto_req *req, char **err)
{
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(o, "target");
	if (!t || cJSON_IsNull(t)) {
		if (required)
			return req_error(req, err, "%s: missing \"target\"", cmd);
		return 0;
	}
	if (cJSON_IsString(t) && !t->valuestring[0])
		return req_error(req, err, "%s: \"target\" is empty", cmd);
	int n = cJSON_IsArray(t) ? cJSON_GetArraySize(t) : 1;
	if (n < 1)
		return req_error(req, err, "%s: \"target\" is an empty list", cmd);
	req->targets = xcalloc((size_t)n + 1, sizeof *req->targets);
	for (int i = 0; i < n; i++) {
		const cJSON *e = cJSON_IsArray(t) ? cJSON_GetArrayItem(t, i) : t;
		if (!(req->targets[i] = target_word(e)))
			return req_error(req, err, "%s: \"target\" must be a string, an id or a list "
			    "of them", cmd);
	}
	req->target = xstrdup(req->targets[0]);
	return 0;
}

/* An optional array of strings into a NULL-terminated vector. */
static int get_strings(const cJSON *o, const char *key, const char *cmd, struct proto_req *req,
    char ***out, char **err)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, key);
	if (!a || cJSON_IsNull(a))
		return 0;
	if (!cJSON_IsArray(a))
		return req_error(req, err, "%s: \"%s\" must be a list of strings", cmd, key);
	int n = cJSON_GetArraySize(a), i = 0;
	*out = xcalloc((size_t)n + 1, sizeof **out);
	const cJSON *e;
	cJSON_ArrayForEach(e, a) {
		if (!cJSON_IsString(e))
			return req_error(req, err, "%s: \"%s\" must be a list of strings", cmd, key);
		(*out)[i++] = xstrdup(e->valuestring);
	}
	return 0;
}

/* "env": an object of strings, the caller's environment. */
static int get_env(const cJSON *o, const char *cmd, struct proto_req *req, char **err)
{
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(o, "env");
	const cJSON *u = cJSON_GetObjectItemCaseSensitive(o, "update_env");
	if (u && !cJSON_IsNull(u)) {
		if (!cJSON_IsBool(u))
			return req_error(req, err, "%s: \"update_env\" must be true or false", cmd);
		req->update_env = cJSON_IsTrue(u);
	}
	if (!e || cJSON_IsNull(e)) {
		if (req->update_env)
			return req_error(req, err, "%s: \"update_env\" needs \"env\"", cmd);
		return 0;
	}
	if (!cJSON_IsObject(e))
		return req_error(req, err, "%s: \"env\" must be an object of strings", cmd);
	int n = cJSON_GetArraySize(e), i = 0;
	req->env = xcalloc((size_t)n + 1, sizeof *req->env);
	const cJSON *v;
	cJSON_ArrayForEach(v, e) {
		if (!cJSON_IsString(v) || !v->string[0] || strchr(v->string, '='))
			return req_error(req, err, "%s: \"env\" must map variable names to strings", cmd);
		req->env[i++] = xasprintf("%s=%s", v->string, v->valuestring);
	}
	return 0;
}

/* An optional true or false at key (absent or null: false). */
static int get_bool(const cJSON *o, const char *key, const char *cmd, struct proto_req *req,
    int *out, char **err)
{
	const cJSON *b = cJSON_GetObjectItemCaseSensitive(o, key);
	if (b && !cJSON_IsNull(b) && !cJSON_IsBool(b))
		return req_error(req, err, "%s: \"%s\" must be true or false", cmd, key);
	*out = cJSON_IsTrue(b);
	return PROTO_OK;
}

/* A required whole number 1..max at key; what names it in the error. */
static int get_int(const cJSON *o, const char *key, const char *what, int max, const char *cmd,
    struct proto_req *req, int *out, char **err)
{
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(o, key);
	if (!cJSON_IsNumber(n) || n->valuedouble < 1 || n->valuedouble > max ||
	    n->valuedouble != floor(n->valuedouble))
		return req_error(req, err, "%s: \"%s\" must be %s 1..%d", cmd, key, what, max);
	*out = (int)n->valuedouble;
	return PROTO_OK;
}

static int get_str(const cJSON *o, const char *key, const char *cmd, struct proto_req *req,
    char **out, char **err)
{
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(o, key);
	if (!s || cJSON_IsNull(s))
		return 0;
	if (!cJSON_IsString(s) || !s->valuestring[0])
		return req_error(req, err, "%s: \"%s\" must be a non-empty string", cmd, key);
	*out = xstrdup(s->valuestring);
	return 0;
}

/* start: a file (with env_name and only), one app object (with cwd), or
 * targets; the caller's environment with any of them. */
static int decode_start(const cJSON *o, const char *name, struct proto_req *req, char **err)
{
	int rc;
	if ((rc = get_env(o, name, req, err)) != PROTO_OK ||
	    (rc = get_str(o, "file", name, req, &req->file, err)) != PROTO_OK ||
	    (rc = get_str(o, "env_name", name, req, &req->env_name, err)) != PROTO_OK ||
	    (rc = get_str(o, "cwd", name, req, &req->cwd, err)) != PROTO_OK ||
	    (rc = get_strings(o, "only", name, req, &req->only, err)) != PROTO_OK ||
	    (rc = get_bool(o, "rerun", name, req, &req->rerun, err)) != PROTO_OK ||
	    (rc = get_bool(o, "adopt", name, req, &req->adopt, err)) != PROTO_OK)
		return rc;
	const cJSON *app = cJSON_GetObjectItemCaseSensitive(o, "app");
	if (app && !cJSON_IsNull(app)) {
		int good = cJSON_IsObject(app) || (cJSON_IsArray(app) && cJSON_GetArraySize(app) > 0);
		for (const cJSON *e = cJSON_IsArray(app) ? app->child : NULL; e; e = e->next)
			good &= cJSON_IsObject(e);
		if (!good)
			return req_error(req, err, "%s: \"app\" must be an app object or a list of them",
			    name);
		if (!req->cwd || req->cwd[0] != '/')
			return req_error(req, err, "%s: \"app\" needs \"cwd\", an absolute path", name);
		req->app = cJSON_PrintUnformatted(app);
	}
	int given = !!req->file + !!req->app + !!cJSON_GetObjectItemCaseSensitive(o, "target");
	if (given > 1)
		return req_error(req, err, "%s: give one of \"file\", \"app\" or \"target\", not both",
		    name);
	if (req->file && req->file[0] != '/')
		return req_error(req, err, "%s: \"file\" must be an absolute path", name);
	if (req->file || req->app)
		return 0;
	if ((rc = get_bool(o, "restart_running", name, req, &req->restart_running, err)) != PROTO_OK)
		return rc;
	return get_target(o, name, 1, req, err);
}

int proto_decode(const char *line, size_t len, struct proto_req *req, char **err)
{
	memset(req, 0, sizeof *req);
	if (!proto_utf8_valid(line, len)) {
		*err = xstrdup("request is not UTF-8 text");
		return PROTO_ERR_FRAME;
	}
	const char *end = NULL;
	cJSON *o = cJSON_ParseWithLengthOpts(line, len, &end, 0);
	if (!o) {
		*err = xstrdup("request is not valid JSON");
		return PROTO_ERR_FRAME;
	}
	for (const char *p = end; p && p < line + len; p++) {
		if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n') {
			cJSON_Delete(o);
			*err = xstrdup("request has bytes after its JSON value");
			return PROTO_ERR_FRAME;
		}
	}
	if (!cJSON_IsObject(o)) {
		cJSON_Delete(o);
		*err = xstrdup("request is not a JSON object");
		return PROTO_ERR_FRAME;
	}

	int rc = PROTO_OK;
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "v");
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(o, "cmd");
	if (!cJSON_IsNumber(v) || v->valuedouble != PROTO_VERSION) {
		rc = req_error(req, err, "unsupported protocol version (this daemon speaks v%d)", PROTO_VERSION);
		goto out;
	}
	if (!cJSON_IsString(c)) {
		rc = req_error(req, err, "missing \"cmd\"");
		goto out;
	}
	size_t i;
	for (i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
		if (strcmp(cmds[i].name, c->valuestring) == 0)
			break;
	if (i == sizeof cmds / sizeof cmds[0]) {
		char shown[64];
		size_t n = strlen(c->valuestring);
		memcpy(shown, c->valuestring, n < 40 ? n : 40);
		shown[n < 40 ? n : 40] = '\0';
		rc = req_error(req, err, "unknown command \"%s\"%s", shown, n > 40 ? "..." : "");
		goto out;
	}
	req->cmd = cmds[i].cmd;
	const char *name = cmds[i].name;

	switch (req->cmd) {
	case PROTO_START:
		rc = decode_start(o, name, req, err);
		break;
	case PROTO_RESTART:
		if ((rc = get_target(o, name, 1, req, err)) == PROTO_OK &&
		    (rc = get_env(o, name, req, err)) == PROTO_OK)
			rc = get_bool(o, "toggle_watch", name, req, &req->toggle_watch, err);
		break;
	case PROTO_STOP:
	case PROTO_DELETE:
		if ((rc = get_target(o, name, 1, req, err)) == PROTO_OK)
			rc = get_bool(o, "some", name, req, &req->some, err);
		break;
	case PROTO_DESCRIBE:
	case PROTO_RESET:
		rc = get_target(o, name, 1, req, err);
		break;
	case PROTO_FLUSH:
	case PROTO_RELOAD_LOGS:
		rc = get_target(o, name, 0, req, err);
		break;
	case PROTO_LIST:
		if ((rc = get_target(o, name, 0, req, err)) == PROTO_OK)
			rc = get_bool(o, "pm2", name, req, &req->pm2, err);
		break;
	case PROTO_SIGNAL:
		if ((rc = get_target(o, name, 1, req, err)) == PROTO_OK)
			rc = get_int(o, "signal", "a signal number", 64, name, req, &req->signal, err);
		break;
	case PROTO_SCALE:
		if ((rc = get_target(o, name, 1, req, err)) == PROTO_OK)
			rc = get_int(o, "instances", "a number", PROTO_SCALE_MAX, name, req,
			    &req->instances, err);
		break;
	case PROTO_SAVE:
		if ((rc = get_bool(o, "force", name, req, &req->force, err)) == PROTO_OK)
			rc = get_bool(o, "clear", name, req, &req->clear, err);
		break;
	case PROTO_WAIT: {
		if ((rc = get_target(o, name, 0, req, err)) != PROTO_OK)
			break;
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(o, "timeout_ms");
		if (t && !cJSON_IsNull(t)) {
			if (!cJSON_IsNumber(t) || !(t->valuedouble >= 0) || t->valuedouble > 1e12) {
				rc = req_error(req, err, "%s: \"timeout_ms\" must be a number of milliseconds", name);
				break;
			}
			req->timeout_ms = (long long)t->valuedouble;
		}
		break;
	}
	default:
		break;
	}
out:
	cJSON_Delete(o);
	return rc;
}

void proto_req_free(struct proto_req *req)
{
	free(req->file);
	free(req->target);
	strv_free(req->targets);
	strv_free(req->env);
	free(req->env_name);
	strv_free(req->only);
	cJSON_free(req->app);
	free(req->cwd);
	memset(req, 0, sizeof *req);
}

/* ---- encoding ---- */

char *proto_encode(const cJSON *obj, size_t *len)
{
	char *s = cJSON_PrintUnformatted(obj);
	if (!s)
		s = xstrdup("{\"ok\":false,\"error\":\"reply could not be encoded\"}");
	size_t n = strlen(s);
	char *out = xmalloc(n + 2);
	memcpy(out, s, n);
	out[n] = '\n';
	out[n + 1] = '\0';
	cJSON_free(s);
	*len = n + 1;
	return out;
}

char *proto_encode_error(const char *msg, size_t *len)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddBoolToObject(o, "ok", 0);
	cJSON_AddStringToObject(o, "error", msg);
	char *s = proto_encode(o, len);
	cJSON_Delete(o);
	return s;
}

cJSON *proto_reply_ok(void)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddBoolToObject(o, "ok", 1);
	return o;
}
