/* psup web's access rules as pure checks: listen addresses and loopback,
 * the token file's rules, the constant-time compare, bearer and cookie
 * parsing, Host (DNS rebinding) and Origin (CSRF) checks. */
#include "web_auth.h"
#include "tap.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int listen_ok(const char *s, int *loopback, int *port)
{
	struct sockaddr_storage sa;
	socklen_t len;
	char *cause = NULL;
	int r = auth_listen_parse(s, &sa, &len, &cause);
	free(cause);
	if (r == 0) {
		*loopback = auth_addr_is_loopback(&sa);
		*port = sa.ss_family == AF_INET ? ntohs(((struct sockaddr_in *)&sa)->sin_port)
		    : ntohs(((struct sockaddr_in6 *)&sa)->sin6_port);
	}
	return r == 0;
}

static char *token_from(const char *dir, const char *text, mode_t mode, char **cause)
{
	char path[512];
	snprintf(path, sizeof path, "%s/token", dir);
	unlink(path);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, text, strlen(text)) < 0 || fchmod(fd, mode) < 0)
		return NULL;
	close(fd);
	return auth_token_load(path, cause);
}

int main(void)
{
	static const struct { const char *s; int ok, loop, port; } l[] = {
		{ "127.0.0.1:9615", 1, 1, 9615 }, { "localhost:80", 1, 1, 80 }, { ":0", 1, 1, 0 },
		{ "127.3.4.5:1", 1, 1, 1 }, { "0.0.0.0:9615", 1, 0, 9615 }, { "192.168.1.2:9615", 1, 0, 9615 },
		{ "[::1]:9615", 1, 1, 9615 }, { "[::]:9615", 1, 0, 9615 },
		{ "127.0.0.1", 0, 0, 0 }, { "127.0.0.1:99999", 0, 0, 0 }, { "127.0.0.1:x", 0, 0, 0 },
		{ "example.com:80", 0, 0, 0 }, { "[::1:80", 0, 0, 0 }, { "127.0.0.1:", 0, 0, 0 },
	};
	for (size_t i = 0; i < sizeof l / sizeof l[0]; i++) {
		int loop = -1, port = -1;
		int r = listen_ok(l[i].s, &loop, &port);
		ok(r == l[i].ok && (!r || (loop == l[i].loop && port == l[i].port)),
		    "listen %s: %s%s", l[i].s, l[i].ok ? "accepted" : "refused",
		    l[i].ok ? (l[i].loop ? ", loopback" : ", not loopback") : "");
	}

	char dir[] = "/tmp/psup-test-auth.XXXXXX";
	if (!mkdtemp(dir))
		return 1;
	char *cause = NULL;
	char *t = token_from(dir, "  0123456789abcdefXYZ \n", 0600, &cause);
	is_str(t, "0123456789abcdefXYZ", "token: first line, blanks cut");
	free(t);
	t = token_from(dir, "0123456789abcdefXYZ", 0644, &cause);
	ok(!t && cause && strstr(cause, "readable by others"), "token: a file others can read is refused");
	free(cause), cause = NULL;
	t = token_from(dir, "short", 0600, &cause);
	ok(!t && cause && strstr(cause, "16"), "token: a short token is refused");
	free(cause), cause = NULL;
	t = token_from(dir, "0123456789 abcdefXYZ", 0600, &cause);
	ok(!t && cause, "token: a blank inside is refused");
	free(cause), cause = NULL;
	t = auth_token_load("/nonexistent/token", &cause);
	ok(!t && cause && strstr(cause, "/nonexistent/token"), "token: a missing file names itself");
	free(cause), cause = NULL;
	char path[512];
	snprintf(path, sizeof path, "%s/token", dir);
	unlink(path);
	rmdir(dir);

	const char *want = "0123456789abcdef";
	ok(auth_token_equal(want, "0123456789abcdef", 16), "equal: the same token");
	ok(!auth_token_equal(want, "0123456789abcdeX", 16), "equal: the last byte differs");
	ok(!auth_token_equal(want, "0123456789abcde", 15), "equal: a prefix is not the token");
	ok(!auth_token_equal(want, "0123456789abcdef0123456789abcdef", 32), "equal: the token twice is not it");
	ok(!auth_token_equal(want, "", 0), "equal: empty is not it");
	ok(!auth_token_equal("", "", 0), "equal: no token matches nothing");

	size_t n = 0;
	const char *b = auth_bearer("Bearer abc123", &n);
	ok(b && n == 6 && strncmp(b, "abc123", 6) == 0, "bearer: the token");
	b = auth_bearer("bearer  abc123 ", &n);
	ok(b && n == 6, "bearer: any case, blanks around");
	ok(!auth_bearer("Basic dXNlcjpwYXNz", &n), "bearer: Basic is no bearer");
	ok(!auth_bearer("Bearer ", &n), "bearer: empty");
	ok(!auth_bearer(NULL, &n), "bearer: no header");

	const char *c = auth_cookie("a=1; psup_web_token=tok123; b=2", AUTH_COOKIE, &n);
	ok(c && n == 6 && strncmp(c, "tok123", 6) == 0, "cookie: found among others");
	c = auth_cookie("xpsup_web_token=bad; psup_web_token=good", AUTH_COOKIE, &n);
	ok(c && n == 4 && strncmp(c, "good", 4) == 0, "cookie: a longer name is another cookie");
	ok(!auth_cookie("other=1", AUTH_COOKIE, &n), "cookie: absent");
	ok(!auth_cookie(NULL, AUTH_COOKIE, &n), "cookie: no header");

	static const struct { const char *h; int ok; } hosts[] = {
		{ "localhost", 1 }, { "localhost:9615", 1 }, { "LOCALHOST:1", 1 }, { "127.0.0.1:9615", 1 },
		{ "127.9.9.9", 1 }, { "[::1]:9615", 1 }, { "[::1]", 1 },
		{ "evil.example:9615", 0 }, { "localhost.evil.example", 0 }, { "128.0.0.1:80", 0 },
		{ "127.0.0.1:80x", 0 }, { "[::2]:80", 0 }, { "", 0 }, { NULL, 0 },
	};
	for (size_t i = 0; i < sizeof hosts / sizeof hosts[0]; i++)
		ok(auth_host_is_loopback(hosts[i].h) == hosts[i].ok, "host %s: %s",
		    hosts[i].h ? hosts[i].h : "(none)", hosts[i].ok ? "loopback" : "refused");

	ok(auth_origin_same("http://127.0.0.1:9615", "127.0.0.1:9615"), "origin: the page's own");
	ok(auth_origin_same("https://dash.example", "dash.example"), "origin: https behind a proxy");
	ok(!auth_origin_same("http://evil.example", "127.0.0.1:9615"), "origin: another site");
	ok(!auth_origin_same("http://127.0.0.1:9616", "127.0.0.1:9615"), "origin: another port");
	ok(!auth_origin_same("null", "127.0.0.1:9615"), "origin: null");
	ok(!auth_origin_same("http://127.0.0.1:9615", NULL), "origin: no Host");
	return done_testing();
}
