/* libFuzzer target: any bytes through the ecosystem loader must load apps
 * with no error, or fail with messages and no app; never crash, leak or
 * hang. `make fuzz` builds it; a normal build replays its corpus. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "ecosystem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct eco e;
	/* a folder that does not exist: relative scripts resolve without
	 * touching real files */
	int r = eco_load_buffer("fuzz.yaml", "/nonexistent/psup-fuzz", (const char *)data, size, &e);
	if (!(r == 0 && e.n_errors == 0 && e.n_apps > 0) && !(r == -1 && e.n_errors > 0 && e.n_apps == 0))
		abort();
	eco_free(&e);
	return 0;
}
