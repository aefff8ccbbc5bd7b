/* How many requests one worker may keep in flight within its file
 * descriptor limit: each holds a socket, and the worker's own files (the
 * store's, the event loop's, libcurl's) take some more. Asking for more
 * than fits would not go faster: the requests past the limit fail to
 * connect and spend their items' attempts on it. Pure. */
#ifndef PSUP_FDFIT_H
#define PSUP_FDFIT_H

/* Descriptors kept for all but the requests' sockets: a worker holds about
 * 15 of its own (stdio, the store's three files or its connection, the
 * loop's, libcurl's wakeup pair), plus room for name lookups. */
#define FDFIT_RESERVE 32

/* asked: the concurrency the job file sets (>= 1); limit: the soft
 * RLIMIT_NOFILE (negative: none). Returns asked when it fits, else the
 * most that does, never less than 1. */
int fdfit_concurrency(int asked, long long limit);

#endif
