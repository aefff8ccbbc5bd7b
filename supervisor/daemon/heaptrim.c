/* Memory freed in bulk goes back to the system (heaptrim.h). */
#include "heaptrim.h"

#include <malloc.h>

int heaptrim_due(size_t free_now, size_t *floor_free)
{
	if (free_now < *floor_free)
		*floor_free = free_now;
	return free_now > *floor_free + HEAPTRIM_MIN_FREE;
}

void heaptrim_maybe(void)
{
	/* what stays free after a trim (chunks too small or too scattered
	 * to give back) is the floor: trimming again is only worth it
	 * once that much more is free */
	static size_t floor_free;
	if (!heaptrim_due(mallinfo2().fordblks, &floor_free))
		return;
	malloc_trim(0);
	floor_free = mallinfo2().fordblks;
}
