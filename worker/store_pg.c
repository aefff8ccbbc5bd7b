/* placeholder */
#include "store_backend.h"
#include "xalloc.h"
int store_pg_open(const char *url, int create, struct store **out, char **cause)
{
	(void)create;
	*out = NULL;
	return fail(cause, "%s: PostgreSQL not built yet", url);
}
