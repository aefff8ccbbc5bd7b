/* Reading a .env file (the dotenv format pm2 users and Node's --env-file
 * share): KEY=VALUE lines, `export ` before a key allowed, `KEY: VALUE`
 * too, # comments, values bare (trimmed, ended by #), in '...' (as
 * written), "..." (\n and \r are newlines, may span lines) or `...`.
 * Pure: text in, pairs out. */
#ifndef PSUP_DOTENV_H
#define PSUP_DOTENV_H

#include <stddef.h>

struct dotenv {
	char **keys, **vals;     /* n pairs in file order, malloc'd; a key given
	                          * twice keeps its last value, in its first place */
	int n;
	int *bad_lines;          /* lines that are not KEY=VALUE (skipped, as dotenv
	                          * does), n_bad of them, malloc'd */
	int n_bad;
};

/* Parses len bytes of buf into *d (zeroed first). Never fails: what is not
 * a pair is listed in bad_lines. Always dotenv_free(). */
void dotenv_parse(const char *buf, size_t len, struct dotenv *d);
void dotenv_free(struct dotenv *d);

#endif
