/* heaptrim: a trim is due once free heap grew HEAPTRIM_MIN_FREE past its
 * floor, and the floor follows free memory down. */
#include "tap.h"
#include "heaptrim.h"

int main(void)
{
	static const struct {
		size_t free_now;
		int due;
		size_t floor_after;
	} steps[] = {
		{ 0, 0, 0 },
		{ HEAPTRIM_MIN_FREE / 2, 0, 0 },
		{ HEAPTRIM_MIN_FREE, 0, 0 },                /* not past it */
		{ HEAPTRIM_MIN_FREE + 1, 1, 0 },            /* past it: due */
		{ HEAPTRIM_MIN_FREE / 4, 0, 0 },
	};
	size_t floor_free = 0;
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		is_int(heaptrim_due(steps[i].free_now, &floor_free), steps[i].due, "step %zu: due", i);
		is_int((int)floor_free, (int)steps[i].floor_after, "step %zu: floor", i);
	}
	/* after a trim that left 2 MiB free, the floor is 2 MiB */
	floor_free = 2u << 20;
	is_int(heaptrim_due(2u << 20, &floor_free), 0, "what a trim left is not due again");
	is_int(heaptrim_due((2u << 20) + HEAPTRIM_MIN_FREE + 1, &floor_free), 1, "more on top is");
	is_int(heaptrim_due(1u << 20, &floor_free), 0, "free fell");
	is_int((int)floor_free, 1 << 20, "the floor follows it down");
	is_int(heaptrim_due((1u << 20) + HEAPTRIM_MIN_FREE + 1, &floor_free), 1,
	    "then as much over the new floor is due");
	return done_testing();
}
