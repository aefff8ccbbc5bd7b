/* Worded as a person at `psup status` asks: what is it waiting for, since
 * when, and what happens next. */
#include "note.h"

#include <stdio.h>
#include <string.h>

#define S_NS 1000000000LL

/* "40 s", "3 min", "2 h": enough to tell a blip from an outage. */
static void span(int64_t ns, char *buf, size_t n)
{
	long long s = (long long)(ns / S_NS);
	if (s < 120)
		snprintf(buf, n, "%lld s", s);
	else if (s < 2 * 3600)
		snprintf(buf, n, "%lld min", s / 60);
	else
		snprintf(buf, n, "%lld h", s / 3600);
}

/* How long the failure's words may be in a note: an HTTP status stands
 * alone (its body's start is in the log), other words are cut. */
static int why_len(const char *why)
{
	const char *colon = strchr(why, ':');
	if (strncmp(why, "HTTP ", 5) == 0 && colon)
		return (int)(colon - why);
	return 50;
}

void note_pick(const struct note_facts *f, char *buf, size_t n)
{
	char a[24], b[24];
	if (n == 0)
		return;
	buf[0] = '\0';
	if (f->stopping && f->inflight > 0) {
		snprintf(buf, n, "stopping: %d request%s in flight to finish", f->inflight,
		    f->inflight == 1 ? "" : "s");
	} else if (f->stopping) {
		return;
	} else if (f->store_away_ns > 0) {
		span(f->store_away_ns, a, sizeof a);
		snprintf(buf, n, "the job store is unreachable for %s: retrying", a);
	} else if (f->endpoints == 1 && f->resting) {
		span(f->down_ns, a, sizeof a);
		span(f->probe_every_ns, b, sizeof b);
		if (f->down_why && *f->down_why)
			snprintf(buf, n, "the API is down for %s (%.*s): one probe every %s", a,
			    why_len(f->down_why), f->down_why, b);
		else
			snprintf(buf, n, "the API is down for %s: one probe every %s", a, b);
	} else if (f->resting && f->resting == f->endpoints) {
		span(f->probe_every_ns, b, sizeof b);
		snprintf(buf, n, "all %d endpoints are down: one probe each every %s", f->endpoints, b);
	} else if (f->resting) {
		snprintf(buf, n, "%d of %d endpoints resting after failures: the others take the items",
		    f->resting, f->endpoints);
	} else if (f->hold_ns > 0) {
		span(f->hold_ns + S_NS - 1, a, sizeof a);
		snprintf(buf, n, "the API asked to wait (Retry-After): sending again in %s", a);
	} else if (f->idle) {
		snprintf(buf, n, "nothing to claim: the items left are leased by other workers");
	}
}
