/* The Prometheus text format writer (see web_prom.h). */
#include "web_prom.h"

#include <math.h>
#include <string.h>

int prom_name_valid(const char *s, int label)
{
	if (!s || !*s)
		return 0;
	for (const char *p = s; *p; p++) {
		char c = *p;
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'
		    || (!label && c == ':') || (p > s && c >= '0' && c <= '9');
		if (!ok)
			return 0;
	}
	/* names starting with __ are reserved for Prometheus itself */
	return !(label && strncmp(s, "__", 2) == 0);
}

int prom_family(struct buf *b, const char *name, enum prom_type type, const char *help)
{
	if (!prom_name_valid(name, 0))
		return -1;
	buf_printf(b, "# HELP %s ", name);
	for (const char *p = help; *p; p++) {
		if (*p == '\\')
			buf_puts(b, "\\\\");
		else if (*p == '\n')
			buf_puts(b, "\\n");
		else
			buf_addc(b, *p);
	}
	static const char *const types[] = {
		[PROM_GAUGE] = "gauge", [PROM_COUNTER] = "counter", [PROM_SUMMARY] = "summary",
	};
	buf_printf(b, "\n# TYPE %s %s\n", name, types[type]);
	return 0;
}

void prom_label_value(struct buf *b, const char *v)
{
	for (const char *p = v; *p; p++) {
		if (*p == '\\')
			buf_puts(b, "\\\\");
		else if (*p == '"')
			buf_puts(b, "\\\"");
		else if (*p == '\n')
			buf_puts(b, "\\n");
		else
			buf_addc(b, *p);
	}
}

void prom_value(struct buf *b, double v)
{
	if (isnan(v))
		buf_puts(b, "NaN");
	else if (isinf(v))
		buf_puts(b, v > 0 ? "+Inf" : "-Inf");
	else if (v == floor(v) && fabs(v) < 9e15)
		buf_printf(b, "%.0f", v);
	else
		buf_printf(b, "%.15g", v);
}

int prom_sample(struct buf *b, const char *name, const char *const *labels, double value)
{
	if (!prom_name_valid(name, 0))
		return -1;
	for (int i = 0; labels && labels[i]; i += 2)
		if (!prom_name_valid(labels[i], 1) || !labels[i + 1])
			return -1;
	buf_puts(b, name);
	for (int i = 0; labels && labels[i]; i += 2) {
		buf_printf(b, "%c%s=\"", i == 0 ? '{' : ',', labels[i]);
		prom_label_value(b, labels[i + 1]);
		buf_addc(b, '"');
	}
	if (labels && labels[0])
		buf_addc(b, '}');
	buf_addc(b, ' ');
	prom_value(b, value);
	buf_addc(b, '\n');
	return 0;
}
