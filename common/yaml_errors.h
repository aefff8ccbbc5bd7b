/* Collects "FILE:LINE:COL: key: message" strings while a config file loads,
 * so a loader can report every problem at once (a config loads as a
 * transaction: all errors, or a clean result). */
#ifndef PSUP_YAML_ERRORS_H
#define PSUP_YAML_ERRORS_H

/* Past this many entries further ones are counted, not kept: a hostile
 * file cannot make the list grow without bound. */
#define YERRS_MAX 200

struct yerrs {
	char **v;                /* malloc'd strings, n of them */
	int n, cap;
	int dropped;             /* entries past YERRS_MAX */
};

/* Appends one message. line/col are 1-based; line 0 leaves the position
 * out ("FILE: key: message"), key NULL leaves the key out. */
void yerrs_add(struct yerrs *e, const char *file, int line, int col,
    const char *key, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* Appends msg as is (a message that carries no position), taking
 * ownership of the malloc'd string. */
void yerrs_push(struct yerrs *e, char *msg);
/* Total entries reported (kept + dropped). */
int yerrs_count(const struct yerrs *e);
/* Hands the array over to the caller (who frees each string and the array;
 * NULL when empty) and resets e. A final "... N more" entry is added when
 * some were dropped. */
char **yerrs_take(struct yerrs *e, int *n);
void yerrs_free(struct yerrs *e);

#endif
