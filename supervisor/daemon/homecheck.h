/* What a daemon does when its home, CLI socket or lock file is no longer
 * what it made (homecheck.c, pure): runit's runsvdir stops the service of
 * a directory that disappears; a daemon whose home disappears stops its
 * apps, and one whose socket alone went listens again, as the home's
 * owner, unless another daemon owns the home now. homewatch.c looks and
 * carries the answer out. */
#ifndef PSUP_HOMECHECK_H
#define PSUP_HOMECHECK_H

/* The home's path: the folder the daemon started in, none, another folder
 * (another inode, or not a folder), or cannot tell (stat failed for want
 * of memory or descriptors, a permission...). */
enum homecheck_home { HC_HOME_SAME, HC_HOME_GONE, HC_HOME_OTHER, HC_HOME_UNSURE };

/* The socket's path: the socket the daemon bound, nothing, another file,
 * or cannot tell. */
enum homecheck_sock { HC_SOCK_OURS, HC_SOCK_GONE, HC_SOCK_OTHER, HC_SOCK_UNSURE };

/* The lock file's path: the file the daemon holds locked; else (removed,
 * or replaced, so made again if need be) locked by the daemon just now,
 * held by another process (a daemon that owns the home now), or cannot
 * tell. Only looked at when the home is the same. */
enum homecheck_lock { HC_LOCK_OURS, HC_LOCK_TAKEN, HC_LOCK_HELD, HC_LOCK_UNSURE };

struct homecheck_seen {
	enum homecheck_home home;
	enum homecheck_sock sock;
	enum homecheck_lock lock;
};

enum {
	HC_RELOCK = 1 << 0,     /* keep the lock just taken; write the pid file again */
	HC_RELISTEN = 1 << 1,   /* listen again at the socket's path (a new socket;
	                         * the clients connected stay) */
	HC_STOP = 1 << 2,       /* stop every app as `psup kill` does, touching
	                         * nothing at the home's paths, then exit */
	HC_YIELD = 1 << 3,      /* exit, touching nothing at the home's paths: the
	                         * daemon that holds the home now re-attaches to
	                         * the apps */
	HC_LATER = 1 << 4,      /* cannot tell: look again in a while */
};

struct homecheck_out {
	unsigned acts;          /* HC_* */
	const char *why;        /* what was seen, for the log; NULL when all is well */
};

struct homecheck_out homecheck_decide(const struct homecheck_seen *seen);

#endif
