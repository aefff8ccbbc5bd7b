/* The control-socket server on a real loop and socket: lines reach the
 * user in order, a held request stops the lines until resumed, an
 * over-long or truncated request is a fault and the client is closed once
 * its reply is out, a client past max_clients gets the full reply, one
 * that does not read is dropped at out_max, broadcast reaches everyone,
 * a stopped server accepts nobody, the idle timeout closes a quiet client,
 * replies handed over in buffers arrive whole and in order,
 * and with drop_idle a newcomer past max_clients replaces the idlest. */
#include "tap.h"
#include "ctlsrv.h"
#include "clock.h"
#include "xalloc.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static struct loop *lp;
static struct ctlsrv *srv;
static struct sockaddr_un sa;
static char lines[4096];
static int nlines, nopen, nclose, nlong, ntrunc, hold_next;
static struct ctlconn *held_conn;

static void *open_cb(struct ctlconn *c, void *arg)
{
	(void)arg;
	nopen++;
	ctlsrv_send(c, "hello\n", 6);
	return &nopen;
}

static int line_cb(struct ctlconn *c, void *user, const char *line, size_t len, void *arg)
{
	(void)arg;
	(void)user;
	size_t n = strlen(lines);
	snprintf(lines + n, sizeof lines - n, "%.*s|", (int)len, line);
	nlines++;
	char reply[64];
	int r = snprintf(reply, sizeof reply, "re %.*s\n", (int)(len < 40 ? len : 40), line);
	ctlsrv_send(c, reply, (size_t)r);
	if (strcmp(line, "bufs") == 0) {
		/* replies handed over in buffers: taken, or added after
		 * what is queued, in order either way */
		for (char ch = 'a'; ch <= 'b'; ch++) {
			struct buf b = { 0 };
			for (int i = 0; i < 1000; i++)
				buf_addc(&b, ch);
			buf_addc(&b, '\n');
			ctlsrv_send_buf(c, &b);
			buf_free(&b);
		}
	}
	if (hold_next) {
		hold_next = 0;
		held_conn = c;
		return 1;
	}
	return 0;
}

static void fault_cb(struct ctlconn *c, void *user, enum ctlsrv_fault f, void *arg)
{
	(void)user;
	(void)arg;
	if (f == CTLSRV_LONG)
		nlong++;
	else
		ntrunc++;
	ctlsrv_send(c, "err\n", 4);
}

static void close_cb(struct ctlconn *c, void *user, void *arg)
{
	(void)user;
	(void)arg;
	if (c == held_conn)
		held_conn = NULL;
	nclose++;
}

static int client(void)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0)
		return -1;
	return fd;
}

/* Runs the loop until cond() or ms pass. */
static int spin_ms(int (*cond)(void), int64_t ms)
{
	int64_t end = clock_mono_ms() + ms;
	while (!cond() && clock_mono_ms() < end) {
		loop_once(lp, 10);
		ctlsrv_sweep(srv);
	}
	return cond();
}

/* What must happen gets five seconds on a loaded machine. */
static int spin(int (*cond)(void))
{
	return spin_ms(cond, 5000);
}

static int want_open, want_lines, want_close;
static int opened(void) { return nopen >= want_open; }
static int got_lines(void) { return nlines >= want_lines; }
static int closed(void) { return nclose >= want_close; }

/* Reads what the server sent until EOF or 300 ms of quiet. */
static size_t slurp(int fd, char *buf, size_t cap, int *eof)
{
	size_t n = 0;
	*eof = 0;
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		loop_once(lp, 0);
		if (poll(&p, 1, 50) <= 0) {
			int64_t end = clock_mono_ms() + 300;
			int more = 0;
			while (clock_mono_ms() < end && !more) {
				loop_once(lp, 10);
				more = poll(&p, 1, 0) > 0;
			}
			if (!more)
				break;
		}
		ssize_t r = recv(fd, buf + n, cap - 1 - n, MSG_DONTWAIT);
		if (r == 0) {
			*eof = 1;
			break;
		}
		if (r < 0) {
			if (errno == EAGAIN)
				continue;
			*eof = 1;
			break;
		}
		n += (size_t)r;
	}
	buf[n] = '\0';
	return n;
}

int main(void)
{
	char dir[] = "/tmp/psup-ctlsrv-XXXXXX";
	if (!mkdtemp(dir)) {
		ok(0, "mkdtemp");
		return done_testing();
	}
	char *path = xasprintf("%s/s.sock", dir);
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
	char *cause = NULL;
	lp = loop_create(&cause);
	struct ctlsrv_config cfg = {
		.line_max = 16, .out_max = 4096, .max_clients = 3, .backlog = 8,
		.full_reply = "full\n", .open_cb = open_cb, .line_cb = line_cb,
		.fault_cb = fault_cb, .close_cb = close_cb,
	};
	srv = ctlsrv_listen(lp, &sa, sizeof sa, path, &cfg, &cause);
	ok(srv != NULL, "listens: %s", cause ? cause : "ok");
	if (!srv)
		return done_testing();
	struct stat st;
	ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600, "the socket is mode 0600");

	char buf[65536];
	int eof;
	int a = client();
	want_open = 1;
	ok(spin(opened), "a client is accepted and opened");
	(void)!write(a, "one\r\ntwo\nthr", 12);
	want_lines = 2;
	spin(got_lines);
	(void)!write(a, "ee\n", 3);
	want_lines = 3;
	spin(got_lines);
	is_str(lines, "one|two|three|", "lines in order, across writes, CR stripped");
	slurp(a, buf, sizeof buf, &eof);
	is_str(buf, "hello\nre one\nre two\nre three\n", "replies in order");
	ok(!eof, "the connection stays open");

	(void)!write(a, "bufs\n", 5);
	want_lines = 4;
	spin(got_lines);
	size_t got = slurp(a, buf, sizeof buf, &eof);
	ok(got == 8 + 2002 && strncmp(buf, "re bufs\naaa", 11) == 0 && buf[1008] == '\n' &&
	    buf[1009] == 'b' && buf[2009] == '\n', "buffers handed over arrive whole and in order");

	/* a held request: no line until resumed */
	lines[0] = '\0';
	nlines = 0;
	hold_next = 1;
	(void)!write(a, "x\ny\n", 4);
	want_lines = 2;
	spin_ms(got_lines, 200);
	is_int(nlines, 1, "a held request stops the lines");
	ok(held_conn != NULL, "the user holds it");
	ctlsrv_resume(held_conn);
	spin(got_lines);
	is_str(lines, "x|y|", "resumed: the next line comes");

	/* over-long: a fault, the reply, then closed */
	(void)!write(a, "0123456789abcdefXYZ\nz\n", 22);
	want_close = 1;
	ok(spin(closed), "an over-long request closes the client");
	is_int(nlong, 1, "as a fault");
	slurp(a, buf, sizeof buf, &eof);
	ok(strstr(buf, "err\n") && eof, "after its error reply");
	close(a);

	/* truncated at EOF */
	int b = client();
	(void)!write(b, "part", 4);
	shutdown(b, SHUT_WR);
	want_close = 2;
	ok(spin(closed), "input ending inside a request closes the client");
	is_int(ntrunc, 1, "as a truncation fault");
	close(b);

	/* max_clients */
	int c1 = client(), c2 = client(), c3 = client(), c4 = client();
	want_open = nopen + 3;
	spin(opened);
	int opens = nopen;
	loop_once(lp, 50);
	slurp(c4, buf, sizeof buf, &eof);
	ok(strcmp(buf, "full\n") == 0 && eof && nopen == opens,
	    "past max_clients: the full reply, closed, never opened");
	is_int(ctlsrv_clients(srv), 3, "three clients");
	ctlsrv_broadcast(srv, "all\n", 4);
	slurp(c1, buf, sizeof buf, &eof);
	ok(strstr(buf, "all\n") != NULL, "broadcast reaches a client");
	slurp(c3, buf, sizeof buf, &eof);
	ok(strstr(buf, "all\n") != NULL, "and another");

	/* a client that does not read: dropped at out_max */
	int before = nclose;
	int sndbuf = 4096;
	setsockopt(c2, SOL_SOCKET, SO_RCVBUF, &sndbuf, sizeof sndbuf);
	for (int i = 0; i < 400 && nclose == before; i++) {
		(void)!write(c2, "q\n", 2);
		loop_once(lp, 0);
		ctlsrv_broadcast(srv, "0123456789012345678901234567890123456789\n", 41);
	}
	ok(nclose > before, "a client that reads nothing is dropped");
	close(c1);
	close(c2);
	close(c3);
	close(c4);
	want_close = nclose + 2;
	ok(spin(closed), "clients that leave are closed");

	ctlsrv_stop(srv);
	ok(client() < 0, "a stopped server accepts nobody");
	ctlsrv_free(srv);

	/* idle timeout */
	cfg.idle_ms = 50;
	cfg.stall_ms = 50;
	srv = ctlsrv_listen(lp, &sa, sizeof sa, path, &cfg, &cause);
	int d = client();
	want_close = nclose + 1;
	int64_t t0 = clock_mono_ms();
	ok(spin(closed) && clock_mono_ms() - t0 >= 40, "a quiet client is closed after idle_ms");
	close(d);
	ctlsrv_free(srv);

	/* drop_idle: at max_clients a newcomer takes the place of the client
	 * idle longest; refused only when every client is busy */
	cfg.idle_ms = 0;
	cfg.stall_ms = 0;
	cfg.drop_idle = 1;
	srv = ctlsrv_listen(lp, &sa, sizeof sa, path, &cfg, &cause);
	int i1 = client();
	want_open = nopen + 1;
	spin(opened);
	int i2 = client(), i3 = client();
	want_open = nopen + 2;
	spin(opened);
	slurp(i1, buf, sizeof buf, &eof);
	int i4 = client();
	want_open = nopen + 1;
	ok(spin(opened), "past max_clients with idle clients: the newcomer is opened");
	slurp(i4, buf, sizeof buf, &eof);
	ok(strcmp(buf, "hello\n") == 0 && !eof, "and served");
	slurp(i1, buf, sizeof buf, &eof);
	ok(eof, "the client idle longest made room");
	is_int(ctlsrv_clients(srv), 3, "still three clients");
	/* every client busy: held requests */
	int busy[3] = { i2, i3, i4 };
	for (int k = 0; k < 3; k++) {
		hold_next = 1;
		held_conn = NULL;
		want_lines = nlines + 1;
		(void)!write(busy[k], "w\n", 2);
		spin(got_lines);
		slurp(busy[k], buf, sizeof buf, &eof);
	}
	int i5 = client();
	int opens5 = nopen;
	loop_once(lp, 50);
	slurp(i5, buf, sizeof buf, &eof);
	ok(strcmp(buf, "full\n") == 0 && eof && nopen == opens5,
	    "every client busy: the newcomer gets the full reply");
	int fds[] = { i1, i2, i3, i4, i5 };
	for (size_t k = 0; k < sizeof fds / sizeof *fds; k++)
		close(fds[k]);
	ctlsrv_free(srv);

	/* the socket's file removed: listening again at the path takes a new
	 * socket, and the clients connected before stay */
	cfg.drop_idle = 0;
	srv = ctlsrv_listen(lp, &sa, sizeof sa, path, &cfg, &cause);
	int r1 = client();
	want_open = nopen + 1;
	spin(opened);
	slurp(r1, buf, sizeof buf, &eof);
	unlink(path);
	int gone = client();
	ok(gone < 0, "its file removed, the server cannot be reached");
	if (gone >= 0)
		close(gone);
	int rl = ctlsrv_relisten(srv, &sa, sizeof sa, path, &cause);
	ok(rl == 0, "listens again: %s", rl == 0 ? "ok" : cause);
	int r2 = client();
	want_open = nopen + 1;
	ok(r2 >= 0 && spin(opened), "a new client is accepted at the path");
	want_lines = nlines + 1;
	(void)!write(r1, "old\n", 4);
	spin(got_lines);
	slurp(r1, buf, sizeof buf, &eof);
	ok(strcmp(buf, "re old\n") == 0 && !eof, "a client from before is still served");
	close(r1);
	close(r2);
	ctlsrv_free(srv);
	unlink(path);
	rmdir(dir);
	free(path);
	loop_free(lp);
	return done_testing();
}
