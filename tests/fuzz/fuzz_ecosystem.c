/* libFuzzer target: any bytes through the ecosystem loader must load or
 * fail with messages, never crash, leak or hang. `make fuzz` builds it. */
#include <stddef.h>
#include <stdint.h>

#include "ecosystem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct eco e;
	/* a folder that does not exist: relative scripts resolve without
	 * touching real files */
	eco_load_buffer("fuzz.yaml", "/nonexistent/psup-fuzz", (const char *)data, size, &e);
	eco_free(&e);
	return 0;
}
