/* Listen address, token and request header checks (see web_auth.h). */
#include "web_auth.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xalloc.h"

int auth_listen_parse(const char *s, struct sockaddr_storage *sa, socklen_t *len, char **cause)
{
	memset(sa, 0, sizeof *sa);
	const char *colon = strrchr(s, ':');
	if (!colon)
		return fail(cause, "--listen %s: want HOST:PORT", s);
	char *end;
	errno = 0;
	unsigned long port = strtoul(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end || errno || port > 65535)
		return fail(cause, "--listen %s: bad port", s);
	char host[64];
	size_t hl = (size_t)(colon - s);
	if (hl >= sizeof host)
		return fail(cause, "--listen %s: host too long", s);
	memcpy(host, s, hl);
	host[hl] = '\0';
	if (hl == 0 || strcmp(host, "localhost") == 0)
		snprintf(host, sizeof host, "127.0.0.1");
	if (host[0] == '[') {
		size_t l = strlen(host);
		if (l < 3 || host[l - 1] != ']')
			return fail(cause, "--listen %s: bad IPv6 address", s);
		host[l - 1] = '\0';
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)sa;
		if (inet_pton(AF_INET6, host + 1, &a6->sin6_addr) != 1)
			return fail(cause, "--listen %s: bad IPv6 address", s);
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((unsigned short)port);
		*len = sizeof *a6;
		return 0;
	}
	struct sockaddr_in *a4 = (struct sockaddr_in *)sa;
	if (inet_pton(AF_INET, host, &a4->sin_addr) != 1)
		return fail(cause, "--listen %s: '%s' is no IPv4 address (use [V6]:PORT for IPv6)", s, host);
	a4->sin_family = AF_INET;
	a4->sin_port = htons((unsigned short)port);
	*len = sizeof *a4;
	return 0;
}

int auth_addr_is_loopback(const struct sockaddr_storage *sa)
{
	if (sa->ss_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
	if (sa->ss_family == AF_INET6)
		return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)sa)->sin6_addr);
	return 0;
}

char *auth_token_load(const char *path, char **cause)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return fail(cause, "--token-file %s: %s", path, strerror(errno)), NULL;
	struct stat st;
	char raw[AUTH_TOKEN_MAX + 64];
	ssize_t n = -1;
	if (fstat(fd, &st) < 0) {
		fail(cause, "--token-file %s: %s", path, strerror(errno));
	} else if (!S_ISREG(st.st_mode)) {
		fail(cause, "--token-file %s: not a regular file", path);
	} else if (st.st_mode & 077) {
		fail(cause, "--token-file %s: readable by others (mode %03o): chmod 600 it",
		    path, (unsigned)(st.st_mode & 0777));
	} else if ((n = read(fd, raw, sizeof raw - 1)) < 0) {
		fail(cause, "--token-file %s: %s", path, strerror(errno));
	}
	close(fd);
	if (n < 0)
		return NULL;
	raw[n] = '\0';
	char *p = raw + strspn(raw, " \t\r\n");
	size_t l = strcspn(p, "\r\n");
	while (l && (p[l - 1] == ' ' || p[l - 1] == '\t'))
		l--;
	for (size_t i = 0; i < l; i++)
		if ((unsigned char)p[i] <= ' ' || (unsigned char)p[i] >= 0x7f || p[i] == ';' || p[i] == ',')
			return fail(cause, "--token-file %s: the token must be printable ASCII without blanks, ';' or ','", path), NULL;
	if (l < AUTH_TOKEN_MIN || l > AUTH_TOKEN_MAX)
		return fail(cause, "--token-file %s: the token must have %d to %d characters", path,
		    AUTH_TOKEN_MIN, AUTH_TOKEN_MAX), NULL;
	return xstrndup(p, l);
}

int auth_token_equal(const char *want, const char *got, size_t gotlen)
{
	size_t wl = strlen(want);
	/* Walk got whole whatever want holds: the time depends on gotlen only. */
	unsigned diff = wl != gotlen;
	for (size_t i = 0; i < gotlen; i++)
		diff |= (unsigned char)got[i] ^ (unsigned char)(wl ? want[i % wl] : 0);
	return wl && diff == 0;
}

const char *auth_bearer(const char *authorization, size_t *len)
{
	if (!authorization || strncasecmp(authorization, "Bearer ", 7) != 0)
		return NULL;
	const char *t = authorization + 7;
	t += strspn(t, " ");
	size_t l = strcspn(t, " \t");
	if (l == 0)
		return NULL;
	*len = l;
	return t;
}

const char *auth_cookie(const char *cookie, const char *name, size_t *len)
{
	size_t nl = strlen(name);
	for (const char *p = cookie; p && *p; ) {
		p += strspn(p, " ;");
		size_t l = strcspn(p, ";");
		if (l > nl && strncmp(p, name, nl) == 0 && p[nl] == '=') {
			*len = l - nl - 1;
			while (*len && p[nl + *len] == ' ')
				(*len)--;
			return p + nl + 1;
		}
		p += l;
	}
	return NULL;
}

int auth_host_is_loopback(const char *host)
{
	if (!host)
		return 0;
	char h[64];
	size_t l;
	if (host[0] == '[') {
		const char *e = strchr(host, ']');
		if (!e || (e[1] != '\0' && e[1] != ':'))
			return 0;
		l = (size_t)(e - host - 1);
		if (l >= sizeof h)
			return 0;
		memcpy(h, host + 1, l);
		h[l] = '\0';
		struct in6_addr a;
		return inet_pton(AF_INET6, h, &a) == 1 && IN6_IS_ADDR_LOOPBACK(&a);
	}
	l = strcspn(host, ":");
	if (l >= sizeof h || (host[l] == ':' && strspn(host + l + 1, "0123456789") != strlen(host + l + 1)))
		return 0;
	memcpy(h, host, l);
	h[l] = '\0';
	if (strcasecmp(h, "localhost") == 0)
		return 1;
	struct in_addr a;
	return inet_pton(AF_INET, h, &a) == 1 && (ntohl(a.s_addr) >> 24) == 127;
}

int auth_origin_same(const char *origin, const char *host)
{
	if (!origin || !host || !*host)
		return 0;
	const char *rest = NULL;
	if (strncasecmp(origin, "http://", 7) == 0)
		rest = origin + 7;
	else if (strncasecmp(origin, "https://", 8) == 0)
		rest = origin + 8;
	return rest && strcasecmp(rest, host) == 0;
}
