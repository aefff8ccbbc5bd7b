#include "fdfit.h"

int fdfit_concurrency(int asked, long long limit)
{
	if (limit < 0 || limit - FDFIT_RESERVE >= asked)
		return asked;
	long long room = limit - FDFIT_RESERVE;
	return room < 1 ? 1 : (int)room;
}
