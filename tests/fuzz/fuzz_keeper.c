/* libFuzzer target for the keeper's parsers: progress lines, spec files and
 * status lines. Whatever parses must survive a pack/unpack round trip. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "appstate.h"
#include "progress.h"
#include "spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;

	struct progress p;
	char halt[PROGRESS_HALT_MAX], halt2[PROGRESS_HALT_MAX];
	if (progress_parse_halt(buf, size, &p, halt) == 0) {
		char line[2 * PROGRESS_WIRE_MAX];
		int n = progress_format(&p, line, PROGRESS_LINE_MAX + 1);
		if (n > 0 && n <= PROGRESS_LINE_MAX && (p.have & PROGRESS_HAVE_HALT)) {
			/* the halt as the worker adds it, before the closing brace */
			n += progress_halt_format(halt, line + n - 1, sizeof line - (size_t)n) - 1;
			line[n++] = '}';
			line[n] = '\0';
		}
		struct progress q;
		/* field by field: padding need not survive an assignment */
		if (n < 0 || (size_t)n >= sizeof line ||
		    progress_parse_halt(line, (size_t)n, &q, halt2) != 0 || strcmp(halt, halt2) != 0 ||
		    p.have != q.have || p.done != q.done || p.total != q.total ||
		    p.failed != q.failed || p.inflight != q.inflight || strcmp(p.job, q.job) != 0 ||
		    strcmp(p.note, q.note) != 0 ||
		    p.stat_have != q.stat_have || memcmp(p.stat, q.stat, sizeof p.stat) != 0)
			abort();
	}

	struct app_spec s;
	char *cause = NULL;
	if (spec_unpack(buf, size, &s, &cause) == 0) {
		size_t len;
		char *text = spec_pack(&s, &len);
		struct app_spec t;
		if (spec_unpack(text, len, &t, NULL) != 0 || !spec_equal(&s, &t))
			abort();
		spec_free(&t);
		free(text);
		spec_free(&s);
	}
	free(cause);

	struct app_state st;
	if (appstate_unpack(buf, size, &st) == 0) {
		char line[4096];
		int n = appstate_pack(&st, line, sizeof line);
		struct app_state back;
		if (n < 0 || (size_t)n >= sizeof line || appstate_unpack(line, (size_t)n, &back) != 0 ||
		    back.state != st.state || back.pid != st.pid || back.n_exits != st.n_exits ||
		    strcmp(back.reason, st.reason) != 0 ||
		    /* request stats belong to a progress report, kept only with one */
		    (st.has_progress && (back.progress.stat_have != st.progress.stat_have ||
		    memcmp(back.progress.stat, st.progress.stat, sizeof st.progress.stat) != 0)))
			abort();
	}
	return 0;
}
