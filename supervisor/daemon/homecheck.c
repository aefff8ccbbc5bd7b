/* What a daemon does about its home, socket and lock file (homecheck.h). */
#include "homecheck.h"

#include <stddef.h>

/* The home's path decides first; then the lock (who owns the home: a
 * socket left at the path by anyone else is stale while this daemon holds
 * it); then the socket. */
static const struct homecheck_out by_home[] = {
	[HC_HOME_SAME] = { 0, NULL },
	[HC_HOME_GONE] = { HC_STOP, "the home was removed" },
	[HC_HOME_OTHER] = { HC_STOP, "the home was replaced by another folder" },
	[HC_HOME_UNSURE] = { HC_LATER, "cannot tell whether the home is still there" },
};

static const struct homecheck_out by_lock[] = {
	[HC_LOCK_OURS] = { 0, NULL },
	[HC_LOCK_TAKEN] = { HC_RELOCK, "the lock file was removed or replaced" },
	[HC_LOCK_HELD] = { HC_YIELD, "another daemon holds the home's lock now" },
	[HC_LOCK_UNSURE] = { HC_LATER,
	    "the lock file was removed or replaced, and cannot be locked again now" },
};

static const struct homecheck_out by_sock[] = {
	[HC_SOCK_OURS] = { 0, NULL },
	[HC_SOCK_GONE] = { HC_RELISTEN, "the socket was removed" },
	[HC_SOCK_OTHER] = { HC_RELISTEN, "the socket was replaced by another file" },
	[HC_SOCK_UNSURE] = { HC_LATER, "cannot tell whether the socket is still there" },
};

struct homecheck_out homecheck_decide(const struct homecheck_seen *s)
{
	if (s->home != HC_HOME_SAME)
		return by_home[s->home];
	struct homecheck_out o = by_lock[s->lock];
	if (o.acts & (HC_YIELD | HC_LATER))
		return o;
	struct homecheck_out k = by_sock[s->sock];
	o.acts |= k.acts;
	if ((o.acts & HC_RELOCK) && (k.acts & HC_RELISTEN))
		o.why = s->sock == HC_SOCK_GONE ? "the socket and the lock file were removed"
		    : "the socket and the lock file were replaced";
	else if (!o.why)
		o.why = k.why;
	return o;
}
