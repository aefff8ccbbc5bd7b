/* libFuzzer target for the job store's quick line check (worker/store/
 * store_scan.c) against cJSON, which the load falls back to: a line the
 * scanner accepts must be one cJSON reads whole as an object, with the
 * same id (a non-empty string, byte for byte, or the same whole number)
 * and the same priority (absent or null: 0). The first input byte picks
 * whether a priority field is named; the rest is the line, trimmed as the
 * load trims it. Lines the load refuses before scanning (a NUL byte,
 * invalid UTF-8) are skipped.
 * Build with `make fuzz`; run:
 * build/fuzz/fuzz_store_scan -max_total_time=60 tests/fuzz/corpus/fuzz_store_scan
 * A normal build replays the corpus (tests/fuzz/replay.c). */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store_backend.h"
#include "store_scan.h"
#include "utf8.h"

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* 0 when cJSON reads the line as the scanner said, else -1. */
static int agrees(const char *line, size_t len, const char *prio_field,
    const struct store_scan *sc)
{
	const char *end = NULL;
	cJSON *j = cJSON_ParseWithLengthOpts(line, len, &end, 0);
	int rc = -1;
	long long n;
	if (!j || (size_t)(end - line) != len || !cJSON_IsObject(j))
		goto out;
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(j, "id");
	if (sc->id_int) {
		if (!store_json_integer(id, &n) || n != sc->id_value)
			goto out;
	} else if (!cJSON_IsString(id) || strlen(id->valuestring) != sc->id_len ||
	    sc->id_len == 0 || memcmp(id->valuestring, sc->id, sc->id_len) != 0) {
		goto out;
	}
	long long prio = 0;
	if (prio_field) {
		const cJSON *p = cJSON_GetObjectItemCaseSensitive(j, prio_field);
		if (p && !cJSON_IsNull(p) && !store_json_integer(p, &prio))
			goto out;
	}
	rc = prio == sc->priority ? 0 : -1;
out:
	cJSON_Delete(j);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	const char *prio_field = data[0] & 1 ? "priority" : NULL;
	const char *line = (const char *)data + 1;
	size_t len = size - 1;
	while (len > 0 && is_space(line[0])) {
		line++;
		len--;
	}
	while (len > 0 && is_space(line[len - 1]))
		len--;
	if (memchr(line, '\0', len) || utf8_invalid_at(line, len) >= 0)
		return 0;
	struct store_scan sc;
	/* a broken contract is a crash to libFuzzer and a failure to the replay */
	if (store_scan_line(line, len, "id", prio_field, &sc) && agrees(line, len, prio_field, &sc) < 0)
		abort();
	return 0;
}
