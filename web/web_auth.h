/* Who may talk to psup web: the listen address (loopback unless a token is
 * given), the token (read from a private file, compared in constant time),
 * and the checks on a request's Host, Origin, Authorization and Cookie
 * headers. Pure except auth_token_load(). */
#ifndef PSUP_WEB_AUTH_H
#define PSUP_WEB_AUTH_H
#include <stddef.h>
#include <sys/socket.h>

#define AUTH_COOKIE "psup_web_token"
#define AUTH_TOKEN_MIN 16       /* shorter tokens are refused */
#define AUTH_TOKEN_MAX 256

/* Parses "HOST:PORT", "[V6]:PORT" or ":PORT" (loopback) into *sa; HOST is
 * a numeric address or "localhost". Returns 0, or -1 with *cause set. */
int auth_listen_parse(const char *s, struct sockaddr_storage *sa, socklen_t *len, char **cause);
/* 1 when sa is 127.0.0.0/8 or ::1. */
int auth_addr_is_loopback(const struct sockaddr_storage *sa);
/* Reads the token from path: the first line, surrounding blanks cut. The
 * file must be a regular file that neither group nor others can read, and
 * the token AUTH_TOKEN_MIN..AUTH_TOKEN_MAX printable characters. Returns a
 * malloc'd token (the caller frees), or NULL with *cause set. */
char *auth_token_load(const char *path, char **cause);
/* 1 when got[0..gotlen) equals want, in a time that does not depend on
 * where they differ (nor on got's contents). */
int auth_token_equal(const char *want, const char *got, size_t gotlen);
/* The token of an "Authorization: Bearer TOKEN" value: *len bytes at the
 * returned pointer, or NULL when it is no bearer credential. */
const char *auth_bearer(const char *authorization, size_t *len);
/* The value of cookie name in a Cookie header, or NULL. */
const char *auth_cookie(const char *cookie, const char *name, size_t *len);
/* 1 when the Host header names this machine's loopback (localhost,
 * 127.x.y.z, [::1], any port): without a token, other names are refused so
 * that a page whose DNS name was rebound to 127.0.0.1 cannot read the API. */
int auth_host_is_loopback(const char *host);
/* 1 when an Origin header is the page's own origin: http:// or https://
 * followed by exactly the Host header. */
int auth_origin_same(const char *origin, const char *host);
#endif
