/* homecheck: what a daemon does when its home, socket or lock file is no
 * longer what it made. A table of what was seen -> actions, then rules
 * checked over every combination. */
#include "tap.h"
#include "homecheck.h"

#include <stddef.h>

#define ANY_LOCK HC_LOCK_OURS

static const struct row {
	struct homecheck_seen seen;
	unsigned acts;
	const char *why;        /* a word the reason must hold, or NULL: no reason */
} rows[] = {
	/* all is well: nothing to do, nothing to say */
	{ { HC_HOME_SAME, HC_SOCK_OURS, HC_LOCK_OURS }, 0, NULL },
	/* the socket alone went or was replaced: listen again */
	{ { HC_HOME_SAME, HC_SOCK_GONE, HC_LOCK_OURS }, HC_RELISTEN, "socket was removed" },
	{ { HC_HOME_SAME, HC_SOCK_OTHER, HC_LOCK_OURS }, HC_RELISTEN, "replaced" },
	/* the lock file went too, and nobody holds the new one: take it */
	{ { HC_HOME_SAME, HC_SOCK_GONE, HC_LOCK_TAKEN }, HC_RELOCK | HC_RELISTEN, "lock file" },
	{ { HC_HOME_SAME, HC_SOCK_OTHER, HC_LOCK_TAKEN }, HC_RELOCK | HC_RELISTEN, "lock file" },
	{ { HC_HOME_SAME, HC_SOCK_OURS, HC_LOCK_TAKEN }, HC_RELOCK, "lock file" },
	/* another daemon holds the home: it has the apps; step aside */
	{ { HC_HOME_SAME, HC_SOCK_OTHER, HC_LOCK_HELD }, HC_YIELD, "another daemon" },
	{ { HC_HOME_SAME, HC_SOCK_GONE, HC_LOCK_HELD }, HC_YIELD, "another daemon" },
	{ { HC_HOME_SAME, HC_SOCK_OURS, HC_LOCK_HELD }, HC_YIELD, "another daemon" },
	/* the home went: stop the apps and exit, whatever else is seen */
	{ { HC_HOME_GONE, HC_SOCK_GONE, ANY_LOCK }, HC_STOP, "removed" },
	{ { HC_HOME_GONE, HC_SOCK_UNSURE, HC_LOCK_UNSURE }, HC_STOP, "removed" },
	{ { HC_HOME_OTHER, HC_SOCK_OTHER, HC_LOCK_HELD }, HC_STOP, "another folder" },
	{ { HC_HOME_OTHER, HC_SOCK_GONE, HC_LOCK_TAKEN }, HC_STOP, "another folder" },
	/* cannot tell is never gone */
	{ { HC_HOME_UNSURE, HC_SOCK_GONE, HC_LOCK_OURS }, HC_LATER, "cannot tell" },
	{ { HC_HOME_SAME, HC_SOCK_UNSURE, HC_LOCK_OURS }, HC_LATER, "cannot tell" },
	{ { HC_HOME_SAME, HC_SOCK_GONE, HC_LOCK_UNSURE }, HC_LATER, "cannot be locked" },
	{ { HC_HOME_SAME, HC_SOCK_UNSURE, HC_LOCK_TAKEN }, HC_RELOCK | HC_LATER, "lock file" },
};

static void test_rows(void)
{
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		const struct row *r = &rows[i];
		struct homecheck_out o = homecheck_decide(&r->seen);
		is_int((int)o.acts, (int)r->acts, "row %zu (home %d, socket %d, lock %d): actions",
		    i, r->seen.home, r->seen.sock, r->seen.lock);
		if (r->why)
			ok(o.why && strstr(o.why, r->why), "row %zu: says \"%s\" (%s)", i, r->why,
			    o.why ? o.why : "nothing");
		else
			ok(o.why == NULL, "row %zu: says nothing", i);
	}
}

/* Over every combination: the home's loss always stops, and only it;
 * a daemon never binds or locks in a home it does not own; every action
 * has a reason. */
static void test_rules(void)
{
	int bad_stop = 0, bad_bind = 0, bad_why = 0, bad_mix = 0, n = 0;
	for (int h = HC_HOME_SAME; h <= HC_HOME_UNSURE; h++)
		for (int s = HC_SOCK_OURS; s <= HC_SOCK_UNSURE; s++)
			for (int l = HC_LOCK_OURS; l <= HC_LOCK_UNSURE; l++) {
				struct homecheck_seen seen = { h, s, l };
				struct homecheck_out o = homecheck_decide(&seen);
				int lost = h == HC_HOME_GONE || h == HC_HOME_OTHER;
				n++;
				if (!!(o.acts & HC_STOP) != lost)
					bad_stop++;
				if ((o.acts & (HC_RELISTEN | HC_RELOCK)) &&
				    (h != HC_HOME_SAME || l == HC_LOCK_HELD || l == HC_LOCK_UNSURE))
					bad_bind++;
				if (!!o.acts != !!o.why)
					bad_why++;
				if ((o.acts & (HC_STOP | HC_YIELD)) && (o.acts & ~(unsigned)(HC_STOP | HC_YIELD)))
					bad_mix++;
			}
	is_int(n, 64, "every combination seen");
	is_int(bad_stop, 0, "the apps are stopped exactly when the home is lost");
	is_int(bad_bind, 0, "no listening or locking in a home not owned");
	is_int(bad_why, 0, "an action always says why, and only an action");
	is_int(bad_mix, 0, "an exit is never mixed with listening again");
}

int main(void)
{
	test_rows();
	test_rules();
	return done_testing();
}
