/* Masking secrets for display (see mask.h). */
#include "mask.h"
#include "buf.h"
#include "xalloc.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int mask_header_name(const char *name)
{
	static const char *const whole[] = { "authorization", "proxy-authorization", "cookie" };
	static const char *const part[] = { "key", "token", "secret" };
	for (size_t i = 0; i < sizeof whole / sizeof whole[0]; i++)
		if (strcasecmp(name, whole[i]) == 0)
			return 1;
	for (size_t i = 0; i < sizeof part / sizeof part[0]; i++)
		if (strcasestr(name, part[i]))
			return 1;
	return 0;
}

char *mask_value(const char *value)
{
	size_t scheme = 0;
	while (isalpha((unsigned char)value[scheme]))
		scheme++;
	/* "Bearer sk-...": the scheme says what kind of secret follows. */
	if (scheme == 0 || scheme > 10 || value[scheme] != ' ')
		scheme = 0;
	else
		scheme++;
	const char *secret = value + scheme;
	size_t keep = strlen(secret) / 4;
	if (keep > 4)
		keep = 4;
	return xasprintf("%.*s%.*s****", (int)scheme, value, (int)keep, secret);
}

char *mask_vars(const char *raw)
{
	struct buf b = { 0 };
	const char *p = raw, *d, *end;
	while ((d = strstr(p, "${")) && (end = strchr(d + 2, '}'))) {
		buf_add(&b, p, (size_t)(d - p));
		char *name = xstrndup(d + 2, (size_t)(end - d - 2));
		const char *val = getenv(name);
		free(name);
		if (val) {
			char *masked = mask_value(val);
			buf_puts(&b, masked);
			free(masked);
		} else {
			buf_add(&b, d, (size_t)(end + 1 - d));
		}
		p = end + 1;
	}
	buf_puts(&b, p);
	return buf_take(&b, NULL);
}
