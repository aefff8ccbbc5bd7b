/* Test tool: ctlsend SOCKET [REQUEST...]: connects to a keeper's (or any
 * line-protocol) Unix socket, sends each request line, and prints every line
 * received until as many "ok"/"err ..." replies as requests arrived (or, with
 * no request, the first line). Exits 1 if any reply was "err", 3 on timeout. */
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: ctlsend SOCKET [REQUEST...]\n");
		return 2;
	}
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(argv[1]) >= sizeof sa.sun_path) {
		fprintf(stderr, "ctlsend: path too long\n");
		return 2;
	}
	memcpy(sa.sun_path, argv[1], strlen(argv[1]) + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		perror("ctlsend: connect");
		return 2;
	}
	for (int i = 2; i < argc; i++) {
		char line[8192];
		int n = snprintf(line, sizeof line, "%s\n", argv[i]);
		if (write(fd, line, (size_t)n) != n) {
			perror("ctlsend: write");
			return 2;
		}
	}
	int want = argc > 2 ? argc - 2 : 0, got = 0, errs = 0, lines = 0;
	char buf[65536];
	size_t len = 0;
	while (want == 0 ? lines == 0 : got < want) {
		struct pollfd p = { fd, POLLIN, 0 };
		if (poll(&p, 1, 10000) <= 0)
			return 3;
		ssize_t r = read(fd, buf + len, sizeof buf - 1 - len);
		if (r <= 0)
			break;
		len += (size_t)r;
		char *s = buf, *nl;
		while ((nl = memchr(s, '\n', len - (size_t)(s - buf)))) {
			*nl = '\0';
			printf("%s\n", s);
			lines++;
			if (strcmp(s, "ok") == 0)
				got++;
			else if (strncmp(s, "err", 3) == 0) {
				got++;
				errs++;
			}
			s = nl + 1;
		}
		len -= (size_t)(s - buf);
		memmove(buf, s, len);
	}
	close(fd);
	return errs ? 1 : (want && got < want) ? 3 : 0;
}
