/* psup web's HTTP server: libmicrohttpd without threads, driven from the
 * event loop through its epoll descriptor and its timeout; the routes and
 * the access rules (web_auth.h) for every request. */
#ifndef PSUP_WEB_HTTP_H
#define PSUP_WEB_HTTP_H
#include <sys/socket.h>

struct web;

/* Listens on sa and serves from the loop. Returns the port bound (for a
 * port 0 asked), or -1 with *cause set. */
int http_start(struct web *w, const struct sockaddr_storage *sa, socklen_t len, char **cause);
/* Lets MHD do its pending work (after streams were given data). */
void http_kick(struct web *w);
/* Ends every stream and connection and stops the server. */
void http_stop(struct web *w);
#endif
