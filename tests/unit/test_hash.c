/* FNV-1a 64: the published test vectors, and pieces chained as one. */
#include "tap.h"
#include "hash.h"

#include <string.h>

static const struct {
	const char *in;
	uint64_t want;
} vectors[] = {
	{ "", 0xcbf29ce484222325ULL },
	{ "a", 0xaf63dc4c8601ec8cULL },
	{ "foobar", 0x85944171f73967e8ULL },
};

int main(void)
{
	for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
		uint64_t h = hash_fnv1a(HASH_FNV1A_INIT, vectors[i].in, strlen(vectors[i].in));
		ok(h == vectors[i].want, "fnv1a(\"%s\") = %016llx", vectors[i].in,
		    (unsigned long long)vectors[i].want);
	}
	uint64_t one = hash_fnv1a(HASH_FNV1A_INIT, "foobar", 6);
	uint64_t two = hash_fnv1a(hash_fnv1a(HASH_FNV1A_INIT, "foo", 3), "bar", 3);
	ok(one == two, "two pieces chained hash as the whole");
	return done_testing();
}
