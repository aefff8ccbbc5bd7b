/* The page's files, embedded in the binary at build time from web/page/
 * (web/embed.sh), and the page itself: index.html with the title and the
 * first snapshot of the apps filled in, so it shows the table before its
 * live stream connects. */
#ifndef PSUP_WEB_PAGE_H
#define PSUP_WEB_PAGE_H
#include <stddef.h>
#include "buf.h"

struct web;

struct web_file {
	const char *name;       /* "app.js" */
	const unsigned char *data;
	size_t len;
};
/* Generated: every file of web/page/, then { NULL }. */
extern const struct web_file web_files[];

/* The file named name, or NULL. */
const struct web_file *page_file(const char *name);
/* Its Content-Type from its extension. */
const char *page_type(const char *name);
/* index.html: "<!--TITLE-->" replaced by the escaped home and
 * "<!--BOOT-->" by the snapshot as HTML-safe JSON. */
void page_render(const struct web *w, struct buf *b);
#endif
