/* An app's settings (describe's config) written back as a process file
 * entry: what `psup describe` prints so an app started from the command
 * line can move into a file. Settings at psup's defaults are left out;
 * which those are comes from the spec's own table and defaults. */
#include "cli_describe.h"

#include <math.h>
#include <string.h>

#include "cli.h"
#include "cli_fmt.h"
#include "spec.h"

/* describe's name for a field when the file's differs (durations in ms) */
static const struct { const char *shown, *yaml; } renames[] = {
	{ "min_uptime_ms", "min_uptime" },
	{ "restart_delay_ms", "restart_delay" },
	{ "exp_backoff_restart_delay_ms", "exp_backoff_restart_delay" },
	{ "exp_backoff_max_ms", "exp_backoff_max" },
	{ "crash_backoff_ms", "crash_backoff" },
	{ "kill_timeout_ms", "kill_timeout" },
};

/* Fields written apart (name, script, instances, env) or not settings. */
static const char *const apart[] = { "name", "group", "source", "instance", "instances", "argv",
	"cwd", "env" };

/* A value longer than this is cut (at a character's start), as describe's
 * table cuts it: the text stays readable, and the cut is marked. */
#define YAML_VALUE_MAX 512

static void put_quoted(struct buf *o, const char *s)
{
	size_t len = strlen(s), cut = len;
	if (len > YAML_VALUE_MAX) {
		cut = YAML_VALUE_MAX;
		while (cut > 0 && ((unsigned char)s[cut] & 0xc0) == 0x80)
			cut--;
	}
	buf_addc(o, '"');
	for (const char *end = s + cut; s < end; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			buf_printf(o, "\\%c", c);
		else if (c == '\n')
			buf_puts(o, "\\n");
		else if (c == '\t')
			buf_puts(o, "\\t");
		else if (c < 0x20)
			buf_printf(o, "\\x%02x", c);
		else
			buf_addc(o, (char)c);
	}
	if (cut < len)
		buf_printf(o, "… (cut: %zu bytes)", len);
	buf_addc(o, '"');
}

static void put_value(struct buf *o, const cJSON *v)
{
	if (cJSON_IsString(v)) {
		put_quoted(o, v->valuestring);
	} else if (cJSON_IsBool(v)) {
		buf_puts(o, cJSON_IsTrue(v) ? "true" : "false");
	} else if (cJSON_IsNumber(v)) {
		buf_printf(o, "%.0f", v->valuedouble);
	} else if (cJSON_IsArray(v)) {
		const cJSON *e;
		int first = 1;
		buf_puts(o, "[");
		cJSON_ArrayForEach(e, v) {
			buf_puts(o, first ? "" : ", ");
			put_value(o, e);
			first = 0;
		}
		buf_puts(o, "]");
	} else {
		buf_puts(o, "null");
	}
}

/* 1 when v is what spec_defaults() gives field f. */
static int is_default(const struct spec_field *f, const struct app_spec *d, const cJSON *v)
{
	const void *p = (const char *)d + f->off;
	switch (f->type) {
	case SPEC_F_STR:
		return cJSON_IsNull(v) || !v;
	case SPEC_F_STRV:
	case SPEC_F_EXIT_CODES:
		return !cJSON_IsArray(v) || cJSON_GetArraySize(v) == 0;
	case SPEC_F_INT:
		return cJSON_IsNumber(v) && v->valuedouble == *(const int *)p;
	case SPEC_F_BOOL:
		return cJSON_IsBool(v) && cJSON_IsTrue(v) == !!*(const int *)p;
	case SPEC_F_LL:
		return cJSON_IsNumber(v) && v->valuedouble == (double)*(const long long *)p;
	case SPEC_F_AUTORESTART:
		return cJSON_IsString(v) && strcmp(v->valuestring, spec_autorestart_name(d->autorestart)) == 0;
	}
	return 0;
}

/* env as the file would give it: without what psup sets itself. */
static void put_env(struct buf *o, const cJSON *cfg)
{
	const char *ivar = cli_json_str(cfg, "instance_var", NULL);
	const char *incr = cli_json_str(cfg, "increment_var", NULL);
	const cJSON *env = cJSON_GetObjectItemCaseSensitive(cfg, "env"), *e;
	int any = 0;
	cJSON_ArrayForEach(e, env) {
		if (!e->string || strncmp(e->string, "PSUP_", 5) == 0 ||
		    strcmp(e->string, ivar ? ivar : "NODE_APP_INSTANCE") == 0 ||
		    (incr && strcmp(e->string, incr) == 0))
			continue;
		if (!any)
			buf_puts(o, "    env:\n");
		any = 1;
		buf_printf(o, "      %s: ", e->string);
		put_value(o, e);
		buf_addc(o, '\n');
	}
}

void cli_describe_yaml(const cJSON *app, struct buf *o)
{
	const cJSON *cfg = cJSON_GetObjectItemCaseSensitive(app, "config");
	if (!cJSON_IsObject(cfg))
		return;
	int instances = (int)cli_json_num(cfg, "instances", 1);
	const cJSON *argv = cJSON_GetObjectItemCaseSensitive(cfg, "argv");
	buf_puts(o, "apps:\n  - name: ");
	put_quoted(o, cli_json_str(cfg, instances > 1 ? "group" : "name", "?"));
	buf_puts(o, "\n    script: ");
	put_quoted(o, cJSON_IsString(cJSON_GetArrayItem(argv, 0)) ?
	    cJSON_GetArrayItem(argv, 0)->valuestring : "?");
	buf_puts(o, "\n    interpreter: none\n");
	if (cJSON_GetArraySize(argv) > 1) {
		buf_puts(o, "    args: [");
		const cJSON *e;
		int i = 0;
		cJSON_ArrayForEach(e, argv) {
			if (i++ == 0)
				continue;
			buf_puts(o, i > 2 ? ", " : "");
			put_value(o, e);
		}
		buf_puts(o, "]\n");
	}
	buf_puts(o, "    cwd: ");
	put_value(o, cJSON_GetObjectItemCaseSensitive(cfg, "cwd"));
	buf_addc(o, '\n');
	if (instances > 1)
		buf_printf(o, "    instances: %d\n", instances);
	put_env(o, cfg);
	struct app_spec d;
	spec_defaults(&d);
	for (size_t i = 0; i < spec_nfields; i++) {
		const struct spec_field *f = &spec_fields[i];
		const char *key = f->shown ? f->shown : f->key;
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(cfg, key);
		size_t k;
		for (k = 0; k < sizeof apart / sizeof *apart; k++)
			if (strcmp(key, apart[k]) == 0)
				break;
		if (f->runtime || k < sizeof apart / sizeof *apart || is_default(f, &d, v))
			continue;
		/* per-instance log paths name the instance: the default says it */
		if (instances > 1 && strstr(key, "_file"))
			continue;
		for (k = 0; k < sizeof renames / sizeof *renames; k++)
			if (strcmp(key, renames[k].shown) == 0)
				key = renames[k].yaml;
		buf_printf(o, "    %s: ", key);
		put_value(o, v);
		buf_addc(o, '\n');
	}
}
