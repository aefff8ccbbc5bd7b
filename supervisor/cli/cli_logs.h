/* `psup logs`: the last lines of app log files, then new lines as they are
 * written, followed across rotation and truncation with inotify. */
#ifndef PSUP_CLI_LOGS_H
#define PSUP_CLI_LOGS_H

#include <stddef.h>
#include <sys/types.h>

#include "cli_fmt.h"

/* The offset at which the last n lines of the open file fd (of size bytes)
 * begin; a final line without newline counts as a line. Returns 0 and
 * *start, or -1 with errno on a read error. */
int cli_tail_offset(int fd, off_t size, int n, off_t *start);

/* Appends each complete line of data[0..len) to out as
 * "<prefix>line\n", every occurrence of mark (NULL or "": none) in the
 * line on a bright background (CLI_C_MARK); returns how many bytes were
 * consumed (the rest is a partial line the caller keeps). */
size_t cli_prefix_lines(struct buf *out, const char *prefix, const char *mark,
    const char *data, size_t len);

/* What pm2 logs --json prints of a line: app and id name the app, err its
 * stream, stamp the time (ISO 8601). */
struct cli_log_src {
	const char *app;
	long id;
	int err;
	const char *stamp;
};
/* Appends each complete line of data[0..len) to out as a JSON object on a
 * line of its own, {"message","timestamp","type","process_id","app_name"}
 * as pm2 logs --json writes (the message without its line end); returns
 * how many bytes were consumed (the rest is a partial line). */
size_t cli_json_lines(struct buf *out, const struct cli_log_src *src, const char *data,
    size_t len);

#endif
