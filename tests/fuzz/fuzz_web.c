/* libFuzzer target for what psup web takes from outside: the input is any
 * bytes as a log line or app name (escaped for JSON, HTML and Prometheus
 * labels, each result checked), and as the headers and addresses the access
 * rules parse. Build with `make fuzz`. */
#include "web_auth.h"
#include "web_esc.h"
#include "web_prom.h"

#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	struct buf b = {0};
	/* JSON: one valid string, whatever the bytes, with no raw markup */
	esc_json_str(&b, p, size);
	cJSON *v = cJSON_ParseWithLength(b.p, b.len);
	if (!cJSON_IsString(v) || memchr(b.p, '<', b.len) || memchr(b.p, '&', b.len))
		abort();
	cJSON_Delete(v);
	buf_clear(&b);
	esc_html(&b, p, size);
	if (memchr(b.p ? b.p : "", '<', b.len) || memchr(b.p ? b.p : "", '"', b.len))
		abort();
	buf_clear(&b);

	char *s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	prom_label_value(&b, s);
	if (b.len && memchr(b.p, '\n', b.len))
		abort();
	buf_free(&b);

	struct sockaddr_storage sa;
	socklen_t len;
	char *cause = NULL;
	if (auth_listen_parse(s, &sa, &len, &cause) == 0)
		(void)auth_addr_is_loopback(&sa);
	free(cause);
	size_t n;
	const char *t = auth_bearer(s, &n);
	if (t && (t < s || t + n > s + strlen(s)))
		abort();
	t = auth_cookie(s, AUTH_COOKIE, &n);
	if (t && (t < s || t + n > s + strlen(s)))
		abort();
	(void)auth_host_is_loopback(s);
	(void)auth_origin_same(s, s + strlen(s) / 2);
	(void)auth_token_equal("0123456789abcdef", s, strlen(s));
	free(s);
	return 0;
}
