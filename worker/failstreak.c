#include "failstreak.h"

int failstreak_note(struct failstreak *f, int ok, long status)
{
	if (f->over)
		return 0;
	if (ok || (f->n > 0 && status != f->status)) {
		f->over = 1;
		return 0;
	}
	f->status = status;
	return ++f->n == FAILSTREAK_STOP;
}
