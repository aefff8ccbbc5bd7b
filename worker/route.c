/* Routing items over endpoints (see route.h). */
#include "route.h"

/* 1 if every usable endpoint of priority p has a limit. */
static int all_limited(const struct route_ep *eps, int n, int p)
{
	for (int i = 0; i < n; i++)
		if (eps[i].usable && eps[i].priority == p && eps[i].limit <= 0)
			return 0;
	return 1;
}

static double share(const struct route_ep *eps, int n, int i)
{
	double w = eps[i].weight > 0 ? eps[i].weight : 1;
	return all_limited(eps, n, eps[i].priority) && eps[i].limit > 0 ? w * eps[i].limit : w;
}

/* Negative when a goes before b. */
static double compare(const struct route_ep *eps, int n, uint32_t avoid, int a, int b)
{
	int aa = (avoid >> a) & 1, ab = (avoid >> b) & 1;
	if (aa != ab)
		return aa - ab;
	if (eps[a].priority != eps[b].priority)
		return eps[a].priority - eps[b].priority;
	double d = eps[a].sent / share(eps, n, a) - eps[b].sent / share(eps, n, b);
	return d != 0 ? d : a - b;
}

int route_order(const struct route_ep *eps, int n, uint32_t avoid, int order[])
{
	int k = 0;
	for (int i = 0; i < n; i++) {
		if (!eps[i].usable || eps[i].full)
			continue;
		/* insertion: a few endpoints at most */
		int j = k++;
		while (j > 0 && compare(eps, n, avoid, i, order[j - 1]) < 0) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = i;
	}
	return k;
}

double route_level(const struct route_ep *eps, int n, int i)
{
	double lo = -1;
	for (int j = 0; j < n; j++) {
		if (j == i || !eps[j].usable || eps[j].priority != eps[i].priority)
			continue;
		double r = eps[j].sent / share(eps, n, j);
		if (lo < 0 || r < lo)
			lo = r;
	}
	return lo < 0 ? eps[i].sent : lo * share(eps, n, i);
}
