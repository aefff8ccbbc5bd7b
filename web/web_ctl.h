/* psup web's client of the daemon's control socket (supervisor/wire/
 * PROTOCOL.md), on the event loop: one connection per request, connected
 * without blocking, one reply line read, a deadline on each. A daemon that
 * is down, frozen or slow never blocks the web server. */
#ifndef PSUP_WEB_CTL_H
#define PSUP_WEB_CTL_H
#include <cjson/cJSON.h>

struct loop;

/* Called once per request: reply is the parsed reply line (the callee owns
 * it and cJSON_Delete()s it), or NULL with error saying why none came
 * (unreachable, broke off, malformed, timed out). */
typedef void ctl_reply_cb(void *arg, cJSON *reply, const char *error);

/* Sends req (consumed) to the daemon's socket at sock_path and calls cb
 * with the first reply line, or after timeout_ms with an error. cb may run
 * before this returns (when the socket cannot be reached). */
void ctl_request(struct loop *l, const char *sock_path, cJSON *req, int timeout_ms,
    ctl_reply_cb *cb, void *arg);
/* Ends every request still in flight: each callback gets the error
 * "shutting down" (before the web server stops). */
void ctl_abort_all(void);
/* {"v":1,"cmd":cmd} with "target" when target is not NULL. */
cJSON *ctl_req(const char *cmd, const char *target);
#endif
