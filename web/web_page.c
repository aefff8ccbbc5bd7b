/* The embedded page (see web_page.h). */
#include "web_page.h"

#include <string.h>
#include <unistd.h>

#include "web.h"
#include "web_esc.h"
#include "web_jobs.h"

const struct web_file *page_file(const char *name)
{
	for (const struct web_file *f = web_files; f->name; f++)
		if (strcmp(f->name, name) == 0)
			return f;
	return NULL;
}

const char *page_type(const char *name)
{
	const char *dot = strrchr(name, '.');
	if (dot && strcmp(dot, ".js") == 0)
		return "text/javascript; charset=utf-8";
	if (dot && strcmp(dot, ".css") == 0)
		return "text/css; charset=utf-8";
	if (dot && strcmp(dot, ".svg") == 0)
		return "image/svg+xml";
	return "text/html; charset=utf-8";
}

void page_render(const struct web *w, struct buf *b)
{
	const struct web_file *f = page_file("index.html");
	const char *p = (const char *)f->data, *end = p + f->len;
	while (p < end) {
		const char *m = strstr(p, "<!--");
		if (!m)
			m = end;
		buf_add(b, p, (size_t)(m - p));
		p = m;
		if (p == end)
			break;
		if (strncmp(p, "<!--TITLE-->", 12) == 0) {
			char host[256] = "";
			gethostname(host, sizeof host - 1);
			esc_html(b, host, strlen(host));
			buf_addc(b, ':');
			esc_html(b, w->home, strlen(w->home));
			p += 12;
		} else if (strncmp(p, "<!--BOOT-->", 11) == 0) {
			buf_puts(b, "<script id=\"boot\" type=\"application/json\">{\"apps\":");
			apps_full(&w->apps, b);
			buf_puts(b, ",\"jobs\":");
			jobs_json(w, b);
			buf_puts(b, "}</script>");
			p += 11;
		} else {
			buf_add(b, p, 4);
			p += 4;
		}
	}
}
