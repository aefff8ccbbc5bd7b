/* Server-Sent Events streams of psup web: the apps stream (a full
 * snapshot, then batched changes once per list) and log streams (the last
 * lines, then new ones). Each stream queues at most WEB_SSE_QUEUE_MAX
 * bytes: a reader that falls that far behind is dropped, so a slow client
 * costs bounded memory. MHD suspends a stream with nothing to send. */
#ifndef PSUP_WEB_SSE_H
#define PSUP_WEB_SSE_H
#include <microhttpd.h>
#include <stddef.h>

struct web;

/* Answers conn with the apps stream. A NULL response when too many streams
 * are open: the caller answers 503. */
struct MHD_Response *sse_apps(struct web *w, struct MHD_Connection *conn);
/* Answers conn with a stream following the log file at path. */
struct MHD_Response *sse_log(struct web *w, struct MHD_Connection *conn, const char *path);
/* Sends data as one event named event to every apps stream. */
void sse_broadcast(struct web *w, const char *event, const char *data, size_t n);
/* Reads the followed logs, sends keep-alive comments. */
void sse_tick(struct web *w, int64_t now);
/* Ends every stream (before the server stops). */
void sse_drop_all(struct web *w);
/* Adds "Content-Type: text/event-stream" and the no-cache headers. */
void sse_headers(struct MHD_Response *r);
#endif
