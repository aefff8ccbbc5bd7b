/* Test helper: tcpproxy PORT_FILE HOST PORT: a TCP proxy on 127.0.0.1 (a
 * free port, written to PORT_FILE) to HOST:PORT, for cutting a link
 * without root. SIGSTOP pauses it (connections hang: nothing answers, and
 * new ones wait in the backlog); SIGUSR1 cuts it (every connection closed,
 * new ones refused); SIGUSR2 opens it again on the same port; SIGTERM
 * ends it. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#define PAIRS 64

static int fds[PAIRS][2];        /* client, server; -1 when free */
static int lfd = -1;
static unsigned short port;

static void die(const char *what)
{
	fprintf(stderr, "tcpproxy: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void listen_open(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int one = 1;
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    bind(lfd, (struct sockaddr *)&a, sizeof a) < 0 || listen(lfd, 64) < 0)
		die("listen");
	socklen_t len = sizeof a;
	if (getsockname(lfd, (struct sockaddr *)&a, &len) < 0)
		die("getsockname");
	port = ntohs(a.sin_port);
}

static void pair_close(int i)
{
	for (int k = 0; k < 2; k++) {
		if (fds[i][k] >= 0)
			close(fds[i][k]);
		fds[i][k] = -1;
	}
}

static int dial(const char *host, const char *service)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *res;
	if (getaddrinfo(host, service, &hints, &res) != 0)
		return -1;
	int fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, res->ai_addr, res->ai_addrlen) < 0) {
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

/* Moves what fd has to its peer; 0 at its end or an error. */
static int relay(int from, int to)
{
	char buf[65536];
	ssize_t n = read(from, buf, sizeof buf);
	if (n <= 0)
		return 0;
	for (ssize_t off = 0; off < n;) {
		ssize_t w = write(to, buf + off, (size_t)(n - off));
		if (w <= 0)
			return 0;
		off += w;
	}
	return 1;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: tcpproxy PORT_FILE HOST PORT\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	for (int i = 0; i < PAIRS; i++)
		fds[i][0] = fds[i][1] = -1;
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	int sfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (sfd < 0)
		die("signalfd");
	listen_open();
	FILE *f = fopen(argv[1], "w");
	if (!f || fprintf(f, "%u\n", port) < 0 || fclose(f) != 0)
		die(argv[1]);
	for (;;) {
		struct pollfd p[2 + 2 * PAIRS];
		int n = 0;
		p[n++] = (struct pollfd){ .fd = sfd, .events = POLLIN };
		p[n++] = (struct pollfd){ .fd = lfd, .events = POLLIN };
		for (int i = 0; i < PAIRS; i++)
			for (int k = 0; k < 2; k++)
				p[n++] = (struct pollfd){ .fd = fds[i][k], .events = POLLIN };
		if (poll(p, (nfds_t)n, -1) < 0) {
			if (errno == EINTR)
				continue;
			die("poll");
		}
		if (p[0].revents & POLLIN) {
			struct signalfd_siginfo si;
			if (read(sfd, &si, sizeof si) != (ssize_t)sizeof si)
				die("read signalfd");
			if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
				return 0;
			if (si.ssi_signo == SIGUSR1 && lfd >= 0) {
				for (int i = 0; i < PAIRS; i++)
					pair_close(i);
				close(lfd);
				lfd = -1;
			} else if (si.ssi_signo == SIGUSR2 && lfd < 0) {
				listen_open();
			}
			continue;
		}
		if (lfd >= 0 && (p[1].revents & POLLIN)) {
			int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
			int free_i = -1;
			for (int i = 0; i < PAIRS && free_i < 0; i++)
				if (fds[i][0] < 0)
					free_i = i;
			int s = c >= 0 && free_i >= 0 ? dial(argv[2], argv[3]) : -1;
			if (s < 0) {
				if (c >= 0)
					close(c);
			} else {
				fds[free_i][0] = c;
				fds[free_i][1] = s;
			}
		}
		for (int i = 0; i < PAIRS; i++) {
			for (int k = 0; k < 2; k++) {
				short ev = p[2 + 2 * i + k].revents;
				if (fds[i][k] >= 0 && (ev & (POLLIN | POLLHUP | POLLERR)) &&
				    !relay(fds[i][k], fds[i][!k])) {
					pair_close(i);
					break;
				}
			}
		}
	}
}
