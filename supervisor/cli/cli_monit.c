/* `psup monit`: a live full-screen view with ncurses. Every app with state,
 * cpu, memory, restarts and progress; the selected app's last log lines
 * below, refreshed by inotify. One connection to the daemon carries a `list`
 * request a second while the view is open (nothing when nobody watches), and
 * the screen is redrawn at most four times a second. */
#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cli_client.h"
#include "cli_fmt.h"
#include "cli_status.h"
#include "clock.h"
#include "xalloc.h"

#define FETCH_MS 1000
#define DRAW_MS 250
#define LOG_TAIL_BYTES 32768

enum { PAIR_GREEN = 1, PAIR_YELLOW, PAIR_RED, PAIR_CYAN, PAIR_GREY, PAIR_HEAD };

struct monit {
	struct cli_conn conn;
	int connected;
	cJSON *list;            /* last list reply (owns apps) */
	const cJSON *apps;
	int napps, sel, top;
	char *sel_name;         /* the selected app survives list changes by name */
	char *log_path;         /* the log shown below, watched */
	int ifd, wd_file, wd_dir;
	int color;
	char msg[256];
	int64_t next_fetch, last_draw;
	int dirty;
};

static volatile sig_atomic_t monit_stop;

static void monit_signal_cb(int sig)
{
	(void)sig;
	monit_stop = 1;
}

/* One list request on the kept connection; reconnects once if the daemon
 * went away. Errors go to the message line, never to stderr. */
static void monit_fetch(struct monit *m)
{
	for (int attempt = 0; attempt < 2; attempt++) {
		char *cause = NULL;
		if (!m->connected) {
			if (cli_conn_open(&m->conn, CLI_RQ_NOSTART, &cause) < 0) {
				snprintf(m->msg, sizeof m->msg, "%s", cause);
				free(cause);
				cli_conn_close(&m->conn);
				return;
			}
			m->connected = 1;
		}
		cJSON *req = cli_req("list"), *reply = NULL;
		int rc = cli_conn_send(&m->conn, req, &cause);
		cJSON_Delete(req);
		if (rc == 0)
			rc = cli_conn_recv(&m->conn, 5000, &reply, &cause);
		if (rc < 0) {
			snprintf(m->msg, sizeof m->msg, "%s", cause);
			free(cause);
			cli_conn_close(&m->conn);
			m->connected = 0;
			continue;
		}
		const cJSON *apps = cJSON_GetObjectItemCaseSensitive(reply, "apps");
		if (!cJSON_IsArray(apps)) {
			snprintf(m->msg, sizeof m->msg, "daemon: %s", cli_json_str(reply, "error", "bad reply"));
			cJSON_Delete(reply);
			return;
		}
		if (strncmp(m->msg, "daemon", 6) == 0 || strncmp(m->msg, "cannot", 6) == 0)
			m->msg[0] = '\0';
		cJSON_Delete(m->list);
		m->list = reply;
		m->apps = apps;
		m->napps = cJSON_GetArraySize(apps);
		return;
	}
}

/* Keeps the selection on the same app by name when the list changes. */
static void monit_reselect(struct monit *m)
{
	if (m->sel_name) {
		int i = 0;
		const cJSON *app;
		cJSON_ArrayForEach(app, m->apps) {
			if (strcmp(cli_json_str(app, "name", ""), m->sel_name) == 0) {
				m->sel = i;
				break;
			}
			i++;
		}
	}
	if (m->sel >= m->napps)
		m->sel = m->napps - 1;
	if (m->sel < 0)
		m->sel = 0;
	const cJSON *app = cJSON_GetArrayItem(m->apps, m->sel);
	free(m->sel_name);
	m->sel_name = app ? xstrdup(cli_json_str(app, "name", "")) : NULL;

	/* Watch the selected app's log: combined when it has one. */
	const cJSON *files = cJSON_GetObjectItemCaseSensitive(app, "log_files");
	const char *path = cli_json_str(files, "combined", NULL);
	if (!path)
		path = cli_json_str(files, "out", NULL);
	if (path && m->log_path && strcmp(path, m->log_path) == 0)
		return;
	if (m->wd_file >= 0)
		inotify_rm_watch(m->ifd, m->wd_file);
	if (m->wd_dir >= 0)
		inotify_rm_watch(m->ifd, m->wd_dir);
	m->wd_file = m->wd_dir = -1;
	free(m->log_path);
	m->log_path = path ? xstrdup(path) : NULL;
	if (!path || m->ifd < 0)
		return;
	m->wd_file = inotify_add_watch(m->ifd, path, IN_MODIFY | IN_MOVE_SELF | IN_DELETE_SELF);
	char *dir = xstrdup(path), *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		m->wd_dir = inotify_add_watch(m->ifd, dir, IN_CREATE | IN_MOVED_TO);
	}
	free(dir);
}

/* Drains inotify; a new file at the log path (rotation) is watched again. */
static void monit_inotify(struct monit *m)
{
	char buf[16 * (sizeof(struct inotify_event) + NAME_MAX + 1)]
	    __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t r = read(m->ifd, buf, sizeof buf);
	int rewatch = 0;
	for (char *p = buf; r > 0 && p < buf + r; ) {
		struct inotify_event *ev = (struct inotify_event *)p;
		p += sizeof *ev + ev->len;
		if (ev->wd == m->wd_dir)
			rewatch = 1;
		m->dirty = 1;
	}
	if (rewatch && m->log_path) {
		if (m->wd_file >= 0)
			inotify_rm_watch(m->ifd, m->wd_file);
		m->wd_file = inotify_add_watch(m->ifd, m->log_path, IN_MODIFY | IN_MOVE_SELF | IN_DELETE_SELF);
	}
}

/* Adds s clipped to n display columns at the cursor. */
static void put_clipped(const char *s, int n)
{
	int w = 0;
	const char *p = s;
	while (*p && w < n) {
		const char *q = p + 1;
		while (((unsigned char)*q & 0xC0) == 0x80)
			q++;
		if (*p == '\t' || (unsigned char)*p < 0x20) {
			addch(' ');
		} else {
			addnstr(p, (int)(q - p));
		}
		w++;
		p = q;
	}
}

static int state_pair(const char *st)
{
	const char *c = cli_state_color(st);
	if (strcmp(c, CLI_C_GREEN) == 0)
		return PAIR_GREEN;
	if (strcmp(c, CLI_C_YELLOW) == 0)
		return PAIR_YELLOW;
	if (strcmp(c, CLI_C_RED) == 0)
		return PAIR_RED;
	if (strcmp(c, CLI_C_CYAN) == 0)
		return PAIR_CYAN;
	return PAIR_GREY;
}

static void draw_app(struct monit *m, const cJSON *app, int y, int namew, int selected)
{
	char cpu[16], mem[16], rst[16], count[64] = "", rate[32] = "", eta[32] = "";
	const char *st = cli_json_str(app, "state", "?");
	snprintf(cpu, sizeof cpu, "%.1f%%", cli_json_num(app, "cpu", 0));
	units_format_size((long long)cli_json_num(app, "memory", 0), mem, sizeof mem);
	snprintf(rst, sizeof rst, "%.0f", cli_json_num(app, "restarts", 0));
	struct cli_progress p;
	struct buf bar = { 0 };
	if (cli_progress_get(app, &p)) {
		cli_progress_cells(&p, count, sizeof count, rate, sizeof rate, eta, sizeof eta);
		if (p.failed > 0) {
			size_t l = strlen(count);
			snprintf(count + l, sizeof count - l, " %.0f✗", p.failed);
		}
		if (p.have_total && p.total > 0)
			cli_fmt_bar(&bar, p.done / p.total, 12);
	}
	struct buf row = { 0 };
	buf_puts(&row, selected ? "> " : "  ");
	cli_buf_pad(&row, cli_json_str(app, "name", "?"), (size_t)namew);
	move(y, 0);
	if (selected)
		attron(A_REVERSE);
	put_clipped(row.p, COLS);
	addstr(" ");
	if (m->color)
		attron(COLOR_PAIR(state_pair(st)));
	buf_clear(&row);
	cli_buf_pad(&row, st, 10);
	put_clipped(row.p, COLS - getcurx(stdscr));
	if (m->color)
		attroff(COLOR_PAIR(state_pair(st)));
	buf_clear(&row);
	cli_buf_pad(&row, cpu, 7);
	cli_buf_pad(&row, mem, 7);
	cli_buf_pad(&row, rst, 4);
	cli_buf_pad(&row, bar.p ? bar.p : "", 13);
	cli_buf_pad(&row, count, 17);
	cli_buf_pad(&row, rate, 9);
	buf_puts(&row, eta);
	put_clipped(row.p, COLS - getcurx(stdscr) > 0 ? COLS - getcurx(stdscr) : 0);
	if (selected) {
		while (getcurx(stdscr) < COLS - 1)
			addch(' ');
		attroff(A_REVERSE);
	}
	buf_free(&row);
	buf_free(&bar);
}

/* The last lines of the selected app's log that fit in rows lines. */
static void draw_log(struct monit *m, int y, int rows)
{
	if (!m->log_path || rows <= 0)
		return;
	int fd = open(m->log_path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		if (fd >= 0)
			close(fd);
		mvaddstr(y, 0, "(no log yet)");
		return;
	}
	off_t from = st.st_size > LOG_TAIL_BYTES ? st.st_size - LOG_TAIL_BYTES : 0;
	char *buf = xmalloc(LOG_TAIL_BYTES + 1);
	ssize_t n = pread(fd, buf, LOG_TAIL_BYTES, from);
	close(fd);
	if (n < 0)
		n = 0;
	buf[n] = '\0';
	/* The lines of the buffer (the first one is cut when we started
	 * mid-file), of which the last `rows` are shown. */
	char *p = buf, *end = buf + n;
	if (from > 0) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		p = nl ? nl + 1 : end;
	}
	char **lines = xcalloc((size_t)rows, sizeof *lines);
	int count = 0;
	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		if (nl)
			*nl = '\0';
		lines[count % rows] = p;
		count++;
		p = nl ? nl + 1 : end;
	}
	int first = count > rows ? count - rows : 0;
	for (int k = first; k < count; k++) {
		move(y + k - first, 0);
		put_clipped(lines[k % rows], COLS);
	}
	free(lines);
	free(buf);
}

static void monit_draw(struct monit *m)
{
	erase();
	int namew = 4;
	const cJSON *app;
	cJSON_ArrayForEach(app, m->apps) {
		int w = (int)cli_width(cli_json_str(app, "name", "?"));
		namew = w > namew ? w : namew;
	}
	if (namew > 32)
		namew = 32;
	if (m->color)
		attron(COLOR_PAIR(PAIR_HEAD) | A_BOLD);
	mvaddstr(0, 0, "");
	put_clipped("psup monit   up/down select   r restart   s stop   q quit", COLS);
	if (m->color)
		attroff(COLOR_PAIR(PAIR_HEAD) | A_BOLD);
	struct buf h = { 0 };
	buf_puts(&h, "  ");
	cli_buf_pad(&h, "name", (size_t)namew);
	buf_puts(&h, " state      cpu    mem    ↺   progress     done/total       rate     eta");
	attron(A_BOLD);
	move(1, 0);
	put_clipped(h.p, COLS);
	attroff(A_BOLD);
	buf_free(&h);

	int list_rows = LINES / 2 - 2;
	if (list_rows < 1)
		list_rows = 1;
	if (m->sel < m->top)
		m->top = m->sel;
	if (m->sel >= m->top + list_rows)
		m->top = m->sel - list_rows + 1;
	int y = 2, i = 0;
	if (m->napps == 0)
		mvaddstr(y++, 2, "No apps. Start some with: psup start ecosystem.yaml");
	cJSON_ArrayForEach(app, m->apps) {
		if (i >= m->top && i < m->top + list_rows)
			draw_app(m, app, y++, namew, i == m->sel);
		i++;
	}
	y++;
	struct buf sep = { 0 };
	buf_printf(&sep, "── %s ", m->sel_name ? m->sel_name : "logs");
	if (m->log_path)
		buf_printf(&sep, "(%s) ", m->log_path);
	cli_buf_repeat(&sep, "─", (size_t)COLS);
	move(y++, 0);
	attron(A_DIM);
	put_clipped(sep.p, COLS);
	attroff(A_DIM);
	buf_free(&sep);
	/* Why the selected app is errored or waiting, or what it waits for,
	 * above its log. */
	const char *reason = cli_app_why(cJSON_GetArrayItem(m->apps, m->sel));
	if (*reason && y < LINES - 1) {
		move(y++, 0);
		attron(A_BOLD);
		put_clipped(reason, COLS);
		attroff(A_BOLD);
	}
	draw_log(m, y, LINES - y - 1);
	if (m->msg[0]) {
		move(LINES - 1, 0);
		attron(A_BOLD);
		put_clipped(m->msg, COLS);
		attroff(A_BOLD);
	}
	refresh();
	m->last_draw = clock_mono_ms();
	m->dirty = 0;
}

/* r / s on the selected app: the reply comes once the app got there. */
static void monit_act(struct monit *m, const char *cmd, const char *done)
{
	if (!m->sel_name)
		return;
	snprintf(m->msg, sizeof m->msg, "%s %s...", cmd, m->sel_name);
	monit_draw(m);
	struct cli_conn c;
	char *cause = NULL;
	cJSON *req = cli_req(cmd), *reply = NULL;
	cJSON_AddStringToObject(req, "target", m->sel_name);
	if (cli_conn_open(&c, CLI_RQ_NOSTART, &cause) < 0 || cli_conn_send(&c, req, &cause) < 0
	    || cli_conn_recv(&c, 60000, &reply, &cause) < 0)
		snprintf(m->msg, sizeof m->msg, "%s %s: %s", cmd, m->sel_name, cause);
	else if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(reply, "ok")))
		snprintf(m->msg, sizeof m->msg, "%s %s: %s", cmd, m->sel_name,
		    cli_json_str(reply, "error", "refused"));
	else
		snprintf(m->msg, sizeof m->msg, "%s %s", done, m->sel_name);
	free(cause);
	cJSON_Delete(req);
	cJSON_Delete(reply);
	cli_conn_close(&c);
	m->next_fetch = 0;
}

static int monit_key(struct monit *m, int ch)
{
	switch (ch) {
	case 'q': case 'Q': case 27:
		return 1;
	case KEY_UP: case 'k':
		if (m->sel > 0)
			m->sel--;
		break;
	case KEY_DOWN: case 'j':
		if (m->sel + 1 < m->napps)
			m->sel++;
		break;
	case 'r':
		monit_act(m, "restart", "restarted");
		break;
	case 's':
		monit_act(m, "stop", "stopped");
		break;
	default:
		break;
	}
	if (ch == KEY_UP || ch == KEY_DOWN || ch == 'j' || ch == 'k') {
		const cJSON *app = cJSON_GetArrayItem(m->apps, m->sel);
		free(m->sel_name);
		m->sel_name = app ? xstrdup(cli_json_str(app, "name", "")) : NULL;
		monit_reselect(m);
	}
	m->dirty = 1;
	return 0;
}

static void monit_loop(struct monit *m)
{
	while (!monit_stop) {
		int64_t now = clock_mono_ms();
		if (now >= m->next_fetch) {
			monit_fetch(m);
			monit_reselect(m);
			m->next_fetch = now + FETCH_MS;
			m->dirty = 1;
		}
		if (m->dirty && now - m->last_draw >= DRAW_MS)
			monit_draw(m);
		int64_t until = m->next_fetch;
		if (m->dirty && m->last_draw + DRAW_MS < until)
			until = m->last_draw + DRAW_MS;
		int wait = (int)(until - clock_mono_ms());
		struct pollfd p[2] = { { .fd = 0, .events = POLLIN }, { .fd = m->ifd, .events = POLLIN } };
		int r = poll(p, m->ifd >= 0 ? 2 : 1, wait < 0 ? 0 : wait);
		if (r < 0 && errno != EINTR)
			break;
		if (r > 0 && (p[1].revents & POLLIN))
			monit_inotify(m);
		/* getch also returns KEY_RESIZE after SIGWINCH interrupted poll. */
		int ch;
		while ((ch = getch()) != ERR) {
			if (ch == KEY_RESIZE)
				m->dirty = 1;
			else if (monit_key(m, ch))
				return;
		}
		if (r > 0 && (p[0].revents & (POLLHUP | POLLERR)))
			return;
	}
}

int cli_cmd_monit(struct cli_args *a)
{
	char *pos[1];
	if (cli_split(a, pos, 0, NULL, NULL) < 0)
		return CLI_USAGE;
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		return cli_error(CLI_FAIL, "monit needs a terminal (stdin and stdout are not both a tty)");
	struct monit m = { .ifd = -1, .wd_file = -1, .wd_dir = -1 };
	char *cause = NULL;
	/* Connect (starting the daemon) before the screen is taken, so a
	 * failure prints as any other command's. */
	if (cli_conn_open(&m.conn, 0, &cause) < 0) {
		int rc = cli_error(CLI_DAEMON, "%s", cause);
		free(cause);
		cli_conn_close(&m.conn);
		return rc;
	}
	m.connected = 1;
	m.ifd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	setlocale(LC_ALL, "");
	SCREEN *scr = newterm(NULL, stdout, stdin);
	if (!scr) {
		cli_conn_close(&m.conn);
		if (m.ifd >= 0)
			close(m.ifd);
		return cli_error(CLI_FAIL, "monit: cannot use terminal type '%s'",
		    getenv("TERM") ? getenv("TERM") : "(unset)");
	}
	struct sigaction sa = { .sa_handler = monit_signal_cb };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	cbreak();
	noecho();
	nodelay(stdscr, TRUE);
	keypad(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	const char *nc = getenv("NO_COLOR");
	m.color = has_colors() && !(nc && *nc);
	if (m.color) {
		start_color();
		use_default_colors();
		init_pair(PAIR_GREEN, COLOR_GREEN, -1);
		init_pair(PAIR_YELLOW, COLOR_YELLOW, -1);
		init_pair(PAIR_RED, COLOR_RED, -1);
		init_pair(PAIR_CYAN, COLOR_CYAN, -1);
		init_pair(PAIR_GREY, COLOR_WHITE, -1);
		init_pair(PAIR_HEAD, COLOR_CYAN, -1);
	}
	monit_loop(&m);
	endwin();
	delscreen(scr);
	cJSON_Delete(m.list);
	free(m.sel_name);
	free(m.log_path);
	if (m.ifd >= 0)
		close(m.ifd);
	cli_conn_close(&m.conn);
	return CLI_OK;
}
